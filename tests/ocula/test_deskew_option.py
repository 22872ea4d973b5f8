"""`deskew` through the public surface: `ocula.ocr(..., deskew=True)`, `ocula.extract(..., deskew=True)`, the
CLI's `--deskew` on `ocula ocr` and `ocula extract`, and `PipelineExtract.deskew` (in the batch's keys)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from typer.testing import CliRunner

import ocula
from ocula import api
from ocula.cli import app
from ocula.cli import extract as extract_command
from ocula.cli import ocr as _ocr_command  # noqa: F401  (registers the command)
from ocula.pipelines.batch.extract import PipelineExtract
from ocula.pipelines.ocr.deskew import DeskewOCR, straighten
from ocula.schemas import OCRPage


def askew_page(degrees: float = 4.0) -> np.ndarray:
    image = Image.new("RGB", (700, 500), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=30)
    for i, text in enumerate(["TOTAL 12.50", "CASH 20.00", "CHANGE 7.50"]):
        draw.text((60, 80 + 120 * i), text, fill="black", font=font)
    return straighten(np.asarray(image), -degrees)[0]


def test_ocr_reads_an_askew_page_straightened_only_when_asked() -> None:
    page = askew_page(4.0)
    (plain,) = ocula.ocr(page, orientation=0)
    (straight,) = ocula.ocr(page, orientation=0, deskew=True)
    assert plain.skew == 0.0 and straight.skew == pytest.approx(4.0, abs=0.3)
    assert (straight.width, straight.height) == (page.shape[1], page.shape[0])
    assert "TOTAL" in straight.text


class Stop(Exception):
    pass


def test_extract_hands_the_option_to_its_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def capture(engine: Any, llm: Any, opts: Any, reader: Any, **kwargs: Any) -> Any:
        seen["reader"] = reader()
        raise Stop

    monkeypatch.setattr(api, "load_model", lambda *a, **k: object())
    monkeypatch.setattr(api, "make_extractor", capture)
    with pytest.raises(Stop):
        ocula.extract(askew_page(), "sroie", orientation=0, deskew=True, layout=False)
    assert isinstance(seen["reader"], DeskewOCR)
    with pytest.raises(Stop):
        ocula.extract(askew_page(), "sroie", orientation=0, layout=False)
    assert not isinstance(seen["reader"], DeskewOCR)


def test_cli_ocr_deskew(tmp_path: Path) -> None:
    path = tmp_path / "askew.png"
    Image.fromarray(askew_page(-5.0)).save(path)
    result = CliRunner().invoke(app, ["ocr", str(path), "-q", "--orientation", "0", "--deskew"])
    assert result.exit_code == 0, result.output
    page = OCRPage.model_validate(json.loads(result.stdout)["pages"][0])
    assert page.skew == pytest.approx(-5.0, abs=0.3)


def test_cli_extract_deskew_reaches_the_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[PipelineExtract] = []

    def capture(inputs: Any, schema: Any, out: Any, *, extract_fn: PipelineExtract, **kwargs: Any) -> Any:
        seen.append(extract_fn)
        raise SystemExit(0)

    monkeypatch.setattr(extract_command, "run_batch", capture)
    path = tmp_path / "askew.png"
    Image.fromarray(askew_page()).save(path)
    for flag, want in (["--deskew"], True), ([], False):
        CliRunner().invoke(app, ["extract", str(path), "--schema", "sroie", "-q", *flag])
        assert seen[-1].deskew is want


def test_batch_keys_name_deskew_only_when_on() -> None:
    assert "deskew" not in PipelineExtract().identity()
    assert PipelineExtract(deskew=True).identity()["deskew"] is True
