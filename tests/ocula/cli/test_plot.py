"""`ocula plot` end to end on the samples, with hand-written result files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

import ocula.cli.plot  # noqa: F401  (registers the command)
from ocula.cli import app
from ocula.pipelines.overlay import colour_for

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
runner = CliRunner()


def truth(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / f"{name}.truth.json").read_text(encoding="utf-8"))


def extraction_json(name: str, keys: list[str]) -> dict[str, Any]:
    t = truth(name)
    fields = {}
    for key in keys:
        f = t["fields"][key]
        x0, y0, x1, y1 = f["box"]
        box = {"x0": x0, "y0": y0, "x1": x1, "y1": y1, "page": f["page"]}
        fields[key] = {"path": key, "value": f["value"], "page": f["page"], "box": box, "confidence": 0.9}
    return {
        "value": {k: t["fields"][k]["value"] for k in keys},
        "fields": fields,
        "pages": len(t["pages"]),
        "page_sizes": [[p["width"], p["height"]] for p in t["pages"]],
        "schema_name": t["schema"],
    }


def read_rgb(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def plot(*args: str) -> Any:
    return runner.invoke(app, ["plot", *args])


def test_plot_extraction_on_the_receipt(tmp_path: Path) -> None:
    result_file = tmp_path / "receipt.json"
    result_file.write_text(json.dumps(extraction_json("receipt", ["company", "total"])))
    out = tmp_path / "out" / "receipt.png"
    res = plot(str(result_file), "--image", str(SAMPLES / "receipt.jpg"), "--out", str(out))
    assert res.exit_code == 0, res.output
    drawn = read_rgb(out)
    t = truth("receipt")
    assert drawn.shape[:2] == (t["pages"][0]["height"], t["pages"][0]["width"])
    x0, y0, _, y1 = t["fields"]["total"]["box"]
    assert tuple(int(v) for v in drawn[(y0 + y1) // 2, x0 - 1]) == colour_for("total")


def test_fill_tints_the_field(tmp_path: Path) -> None:
    result_file = tmp_path / "card.json"
    result_file.write_text(json.dumps(extraction_json("business_card", ["name"])))
    plain, filled = tmp_path / "plain.png", tmp_path / "filled.png"
    image = str(SAMPLES / "business_card.png")
    assert plot(str(result_file), "-i", image, "-o", str(plain)).exit_code == 0
    assert plot(str(result_file), "-i", image, "-o", str(filled), "--fill").exit_code == 0
    x0, y0, x1, y1 = truth("business_card")["fields"]["name"]["box"]
    assert not np.array_equal(read_rgb(plain)[y0:y1, x0:x1], read_rgb(filled)[y0:y1, x0:x1])


def test_multi_page_pdf_gives_a_contact_sheet_and_page_selects_one(tmp_path: Path) -> None:
    result_file = tmp_path / "form.json"
    result_file.write_text(json.dumps(extraction_json("form", ["name", "signature_date"])))
    sheet, single = tmp_path / "sheet.png", tmp_path / "page2.png"
    pdf = str(SAMPLES / "form.pdf")
    assert plot(str(result_file), "--image", pdf, "--out", str(sheet)).exit_code == 0
    assert read_rgb(sheet).shape[1] == 2 * 800 + 3 * 8
    res = plot(str(result_file), "--image", pdf, "--out", str(single), "--page", "2")
    assert res.exit_code == 0, res.output
    page = read_rgb(single)
    assert page.shape[:2] == (1754, 1240)
    x0, y0, _, y1 = truth("form")["fields"]["signature_date"]["box"]
    assert tuple(int(v) for v in page[(y0 + y1) // 2, x0 - 1]) == colour_for("signature_date")


def test_ocr_pages_as_json_lines(tmp_path: Path) -> None:
    t = truth("invoice")
    lines = [
        {"text": ln["text"], "box": dict(zip(("x0", "y0", "x1", "y1"), ln["box"], strict=True))}
        for ln in t["lines"][:5]
    ]
    page = {"page": 0, "width": t["pages"][0]["width"], "height": t["pages"][0]["height"], "lines": lines}
    result_file = tmp_path / "ocr.jsonl"
    result_file.write_text(json.dumps(page) + "\n" + json.dumps({**page, "page": 1}) + "\n")
    out = tmp_path / "ocr.png"
    res = plot(str(result_file), "--image", str(SAMPLES / "invoice.png"), "--out", str(out), "--text")
    assert res.exit_code == 0, res.output
    x0, y0, _, y1 = t["lines"][0]["box"]
    assert tuple(int(v) for v in read_rgb(out)[(y0 + y1) // 2, x0 - 1]) == colour_for("line")


def test_detections(tmp_path: Path) -> None:
    box = truth("id_card")["fields"]["name"]["box"]
    detections = {
        "width": 1012,
        "height": 638,
        "items": [{"label": "text", "confidence": 0.7, "box": dict(zip(("x0", "y0", "x1", "y1"), box, strict=True))}],
    }
    result_file = tmp_path / "det.json"
    result_file.write_text(json.dumps(detections))
    out = tmp_path / "det.png"
    res = plot(str(result_file), "--image", str(SAMPLES / "id_card.png"), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert tuple(int(v) for v in read_rgb(out)[(box[1] + box[3]) // 2, box[0] - 1]) == colour_for("text")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "not JSON"),
        ('{"a": 1}', "not an Extraction, OCRPage or Detections"),
        ('{"fields": {"x": {"value": 1}}}', "not a valid Extraction"),
        ('{"width": 10, "height": 10, "lines": [{"text": "a"}]}', "not a valid OCRPage"),
        ("[]", "no results"),
    ],
)
def test_bad_result_files_print_one_error_line(tmp_path: Path, content: str | None, message: str) -> None:
    result_file = tmp_path / "result.json"
    if content is not None:
        result_file.write_text(content)
    res = plot(str(result_file), "--image", str(SAMPLES / "receipt.jpg"), "--out", str(tmp_path / "o.png"))
    assert res.exit_code == 1
    assert res.stderr.startswith("error: ") and message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o.png").exists()


def test_bad_image_and_page_are_errors(tmp_path: Path) -> None:
    result_file = tmp_path / "r.json"
    result_file.write_text(json.dumps(extraction_json("receipt", ["total"])))
    out = str(tmp_path / "o.png")
    missing = plot(str(result_file), "--image", str(tmp_path / "missing.png"), "--out", out)
    assert missing.exit_code == 1 and missing.stderr.startswith("error: ")
    page = plot(str(result_file), "--image", str(SAMPLES / "form.pdf"), "--out", out, "--page", "3")
    assert page.exit_code == 1 and "no page 3" in page.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert plot(str(tmp_path / "r.json"), "--image", str(SAMPLES / "receipt.jpg")).exit_code == 2
    assert plot(str(tmp_path / "r.json"), "--out", str(tmp_path / "o.png")).exit_code == 2
    args = ["--image", str(SAMPLES / "receipt.jpg"), "--out", str(tmp_path / "o.png"), "--page", "0"]
    assert plot(str(tmp_path / "r.json"), *args).exit_code == 2
