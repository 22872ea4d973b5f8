"""`ocula ocr` on a good and a bad input: JSON Lines out, one error line per failure, exit codes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

import ocula.adapters.ocr as ocr_registry
from ocula.cli import app
from ocula.cli import ocr as _ocr_command  # noqa: F401  (registers the command)
from ocula.schemas import BBox, Line, OCRPage, Word

pytest.importorskip("ocula.adapters.io.loading", reason="the document loader is not in this tree")


class FakeEngine:
    """Returns one fixed line per page, so the CLI is tested without loading a model."""

    name = "fake"

    def read(self, image: np.ndarray, page: int = 0) -> OCRPage:
        box = BBox(x0=10, y0=20, x1=110, y1=40, page=page)
        line = Line(text="Hello 12.50", box=box, confidence=0.9, words=[Word(text="Hello", box=box)])
        return OCRPage(page=page, width=image.shape[1], height=image.shape[0], lines=[line], engine=self.name)


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ocr_registry._REGISTRY, "fake", FakeEngine)
    monkeypatch.setitem(ocr_registry._AVAILABLE, "fake", lambda: True)


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    img = np.full((120, 400, 3), 255, np.uint8)
    cv2.putText(img, "Hello 12.50", (10, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), img)
    bad = tmp_path / "bad.png"
    bad.write_text("this is not an image")
    return good, bad


def run(*args: str) -> object:
    return CliRunner().invoke(app, ["ocr", *args])


def test_good_and_bad_input(fake_engine: None, inputs: tuple[Path, Path], tmp_path: Path) -> None:
    good, bad = inputs
    out = tmp_path / "out" / "results.jsonl"
    result = run(str(good), str(bad), "--out", str(out), "--engine", "fake", "--overlay", str(tmp_path / "ov"))
    assert result.exit_code == 1
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 1
    assert records[0]["source"] == str(good)
    page = OCRPage.model_validate(records[0]["pages"][0])
    assert page.text == "Hello 12.50" and (page.width, page.height) == (400, 120)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [errors[0]] and errors[0].startswith(f"error: {bad}: ")
    assert "Traceback" not in result.stderr
    assert "[1/2]" in result.stderr  # progress over documents
    overlay = cv2.imread(str(tmp_path / "ov" / "good-p1.png"))
    assert overlay is not None and overlay.shape == (120, 400, 3)


def test_all_good_exits_zero_and_writes_stdout(fake_engine: None, inputs: tuple[Path, Path]) -> None:
    good, _ = inputs
    result = run(str(good), "--engine", "fake", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["pages"][0]["lines"][0]["text"] == "Hello 12.50"
    assert result.stderr == ""


@pytest.mark.parametrize(("fmt", "suffix"), [("txt", ".txt"), ("hocr", ".hocr"), ("markdown", ".md")])
def test_formats_write_one_file_per_document(
    fake_engine: None, inputs: tuple[Path, Path], tmp_path: Path, fmt: str, suffix: str
) -> None:
    good, _ = inputs
    copy = tmp_path / "sub" / "good.png"  # same stem as `good`: the second file gets a distinct name
    copy.parent.mkdir()
    copy.write_bytes(good.read_bytes())
    folder = tmp_path / fmt
    result = run(str(good), str(copy), "--engine", "fake", "--format", fmt, "--out", str(folder), "-q")
    assert result.exit_code == 0, result.stderr
    files = sorted(p.name for p in folder.iterdir())
    assert files == [f"good-2{suffix}", f"good{suffix}"]
    text = (folder / f"good{suffix}").read_text()
    assert "Hello" in text
    if fmt == "hocr":
        ET.fromstring(text)


def test_unknown_engine_is_one_error_line(inputs: tuple[Path, Path]) -> None:
    good, _ = inputs
    result = run(str(good), "--engine", "nope")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: unknown OCR engine 'nope'")


def test_engine_that_cannot_run_here_fails_fast(monkeypatch: pytest.MonkeyPatch, inputs: tuple[Path, Path]) -> None:
    monkeypatch.setitem(ocr_registry._REGISTRY, "absent", FakeEngine)
    monkeypatch.setitem(ocr_registry._AVAILABLE, "absent", lambda: False)
    result = run(str(inputs[0]), "--engine", "absent")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: OCR engine 'absent' cannot run here (its library or binary is missing)"


@pytest.mark.slow
def test_rapidocr_end_to_end(inputs: tuple[Path, Path]) -> None:
    good, _ = inputs
    result = run(str(good), "-q")
    assert result.exit_code == 0, result.stderr
    page = OCRPage.model_validate(json.loads(result.stdout)["pages"][0])
    assert "12.50" in page.text
    assert page.engine == "rapidocr" and page.seconds is not None
