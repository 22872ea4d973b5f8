"""The `vlm` OCR engine: lines with boxes from a vision-language model, in page pixels and reading order."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

import ocula
from ocula.cli import app
from ocula.cli import ocr as _ocr_command  # noqa: F401  (registers the command)
from ocula.pipelines.ocr.vlm import VlmOCREngine, lines_schema
from ocula.pipelines.vision.page_view import page_view
from ocula.schemas import ModelError
from tests.fixtures.fakes import FixedAnswer, ScriptedVLM

PAGE = np.full((400, 800, 3), 255, np.uint8)
for _text, _y in (("SHOP NAME", 70), ("TOTAL 12.50", 230)):  # upright ink: a blank page is not read
    cv2.putText(PAGE, _text, (80, _y), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)


def lines(*items: tuple[str, list[int]]) -> str:
    return json.dumps({"lines": [{"text": text, "box": box} for text, box in items]})


def test_lines_come_back_in_page_pixels_in_reading_order_with_proportional_words() -> None:
    # Written bottom line first; 0-1000 boxes on a half-size resize do not matter for a normalised convention.
    answer = lines(("TOTAL  12.50", [100, 500, 400, 600]), ("SHOP NAME", [100, 100, 325, 200]))
    pages = ocula.ocr(PAGE, engine="vlm", model=ScriptedVLM(answer))
    page = pages[0]
    assert page.engine == "vlm:scripted-llava" and (page.width, page.height) == (800, 400)
    assert [line.text for line in page.lines] == ["SHOP NAME", "TOTAL 12.50"]  # white space collapsed
    assert page.lines[0].box.as_tuple() == pytest.approx((80, 40, 260, 80))
    words = page.lines[0].words
    assert [w.text for w in words] == ["SHOP", "NAME"]
    # 9 characters over 180 px: "SHOP" is characters 0-4, "NAME" 5-9
    assert words[0].box.as_tuple() == pytest.approx((80, 40, 160, 80))
    assert words[1].box.as_tuple() == pytest.approx((180, 40, 260, 80))


def test_pixel_boxes_of_a_turned_resized_page_map_back() -> None:
    model = ScriptedVLM(
        lines(("A", [25, 100, 125, 300])),
        box_convention="pixels_resized_xyxy",
        resize=lambda w, h: (w // 2, h // 2),
    )
    page = ocula.ocr(PAGE, engine="vlm", model=model, rotate=90)[0]
    assert page.lines[0].box.as_tuple() == pytest.approx((200, 50, 600, 250))


def test_empty_text_and_boxes_without_area_are_dropped_and_cut_output_keeps_whole_lines() -> None:
    answer = lines(("  ", [0, 0, 10, 10]), ("flat", [0, 5, 500, 5]), ("kept", [0, 0, 500, 500]), ("cut", [1, 1, 2, 2]))
    page = VlmOCREngine(ScriptedVLM(answer[:-25])).read(PAGE)
    assert [line.text for line in page.lines] == ["kept"]


def test_the_grammar_bounds_lines_and_characters() -> None:
    view = page_view(PAGE, ScriptedVLM(""))
    schema = lines_schema(view, max_lines=7, max_line_chars=30)
    assert schema["properties"]["lines"]["maxItems"] == 7
    assert schema["properties"]["lines"]["items"]["properties"]["text"]["maxLength"] == 30


def test_errors_name_the_need_for_a_vision_model() -> None:
    with pytest.raises(ModelError, match="needs a vision-language model"):
        ocula.ocr(PAGE, engine="vlm")
    with pytest.raises(ModelError, match="needs a vision-language model"):
        ocula.ocr(PAGE, engine="vlm", model=FixedAnswer("{}"))


def test_tiny_model_lines_lie_on_the_page(tmp_path: Path) -> None:
    from tests.fixtures.tiny_models import save_tiny_vlm

    model = ocula.load_model(str(save_tiny_vlm("idefics3", tmp_path)))
    image = np.random.default_rng(1).integers(0, 255, (240, 320, 3), dtype=np.uint8)
    engine = VlmOCREngine(model, max_lines=2, max_line_chars=6)
    page = engine.read(image, page=2)
    assert page.page == 2 and len(page.lines) <= 2
    for line in page.lines:
        assert 1 <= len(line.text) <= 6 and line.box.page == 2
        assert 0 <= line.box.x0 < line.box.x1 <= 320 and 0 <= line.box.y0 < line.box.y1 <= 240
        assert line.confidence is not None and 0 < line.confidence <= 1


def test_cli_ocr_with_the_vlm_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import ocula.model_cache

    model = ScriptedVLM(lines(("Hello", [100, 100, 500, 300])))
    monkeypatch.setattr(ocula.model_cache, "load_model", lambda name: model)
    image = tmp_path / "page.png"
    page = np.full((120, 200, 3), 255, np.uint8)
    cv2.putText(page, "Hello", (20, 36), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 0), 2)  # ink: a blank page is not read
    cv2.imwrite(str(image), page)
    out = tmp_path / "ocr.jsonl"
    overlays = tmp_path / "overlays"
    result = CliRunner().invoke(
        app,
        ["ocr", str(image), "--engine", "vlm", "--model", "any", "--out", str(out), "--overlay", str(overlays), "-q"],
    )
    assert result.exit_code == 0, result.output
    page = json.loads(out.read_text())["pages"][0]
    assert page["engine"] == "vlm:scripted-llava" and page["lines"][0]["text"] == "Hello"
    assert page["lines"][0]["box"] == {"x0": 20.0, "y0": 12.0, "x1": 100.0, "y1": 36.0, "page": 0}
    assert (overlays / "page-p1.png").is_file()


def test_cli_ocr_vlm_without_a_model_is_one_error_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["ocr", str(tmp_path), "--engine", "vlm"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: --engine vlm needs --model (a vision-language model folder or hub id)"
    ]
