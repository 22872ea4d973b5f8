"""OCR engines on a rendered page: the words are found and their boxes land where the text was drawn."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocula.adapters.ocr import (
    OCREngine,
    RapidOCREngine,
    TesseractEngine,
    as_rgb,
    available_engines,
    engine_names,
    get_engine,
    proportional_words,
)
from ocula.adapters.ocr.rapid import _align_words
from ocula.adapters.ocr.tesseract import parse_tsv, words_to_lines
from ocula.schemas import BBox, InputError, ModelError, OCRPage

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
ROWS = [("INVOICE", "NUMBER", "4711"), ("Total", "amount", "12.50"), ("Thank", "you")]


def render_page() -> tuple[np.ndarray, dict[str, BBox]]:
    """A white RGB page with three rows of words; returns it and the drawn box of each word."""
    try:
        font = ImageFont.truetype(FONT, 36)
    except OSError:
        pytest.skip(f"font {FONT} is not installed")
    img = Image.new("RGB", (900, 420), "white")
    draw = ImageDraw.Draw(img)
    drawn: dict[str, BBox] = {}
    for r, row in enumerate(ROWS):
        x, y = 60, 60 + r * 110
        for word in row:
            draw.text((x, y), word, font=font, fill="black")
            x0, y0, x1, y1 = draw.textbbox((x, y), word, font=font)
            drawn[word] = BBox(x0=x0, y0=y0, x1=x1, y1=y1)
            x = x1 + 30
    return np.asarray(img), drawn


def check_page(result: OCRPage, drawn: dict[str, BBox], engine: str, page: int) -> None:
    assert result.engine == engine
    assert (result.width, result.height) == (900, 420)
    assert result.page == page
    words = {w.text.strip(".,:").lower(): w for line in result.lines for w in line.words}
    for row in ROWS:
        row_box = drawn[row[0]].union(drawn[row[-1]])
        line = next((ln for ln in result.lines if row[0].lower() in ln.text.lower()), None)
        assert line is not None, f"{row[0]} not found in {result.text!r}"
        assert line.box.iou(row_box) >= 0.5
        assert line.box.page == page
        assert line.confidence is not None and 0.0 <= line.confidence <= 1.0
        for word in row:
            found = words.get(word.lower())
            assert found is not None, f"word {word} not found in {sorted(words)}"
            cx, cy = found.box.center
            box = drawn[word]
            assert box.x0 <= cx <= box.x1 and box.y0 <= cy <= box.y1, (word, found.box, box)
            assert found.box.page == page


@pytest.fixture(scope="module")
def page() -> tuple[np.ndarray, dict[str, BBox]]:
    return render_page()


# RapidOCR ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_rapidocr_reads_rendered_words_where_drawn(page: tuple[np.ndarray, dict[str, BBox]]) -> None:
    image, drawn = page
    engine = get_engine("rapidocr")
    result = engine.read(image, page=2)
    check_page(result, drawn, "rapidocr", page=2)
    assert "INVOICE NUMBER 4711" in result.text  # RapidOCR 3.x keeps the spaces between words
    for line in result.lines:
        assert line.polygon is not None and len(line.polygon) == 4


@pytest.mark.slow
def test_rapidocr_proportional_words_when_word_boxes_off(page: tuple[np.ndarray, dict[str, BBox]]) -> None:
    image, _ = page
    result = RapidOCREngine(word_boxes=False).read(image)
    line = next(ln for ln in result.lines if "total" in ln.text.lower())
    assert [w.text for w in line.words] == line.text.split()
    assert line.words[0].box.x0 == pytest.approx(line.box.x0)


def test_rapidocr_loads_its_models_once() -> None:
    engine = RapidOCREngine()
    assert engine._engine is None  # nothing loaded until the first page
    first = engine._load()
    assert engine._load() is first


def test_align_words_skips_a_line_whose_words_rapidocr_dropped() -> None:
    groups = [[("B", 0.9, [[0, 0]]), ("C", 0.9, [[0, 0]])], [("D", 0.9, [[0, 0]])]]
    aligned = _align_words(["A", "B C", "D"], groups)
    assert aligned[0] is None
    assert aligned[1] is not None and [w[0] for w in aligned[1]] == ["B", "C"]
    assert aligned[2] is not None and [w[0] for w in aligned[2]] == ["D"]


# Tesseract --------------------------------------------------------------------------------------

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract binary not installed")


@pytest.mark.slow
@needs_tesseract
def test_tesseract_reads_rendered_words_where_drawn(page: tuple[np.ndarray, dict[str, BBox]]) -> None:
    image, drawn = page
    result = get_engine("tesseract").read(image, page=1)
    check_page(result, drawn, "tesseract", page=1)


def test_tesseract_missing_binary_is_a_model_error() -> None:
    engine = TesseractEngine(cmd="no-such-tesseract-binary")
    with pytest.raises(ModelError, match="not found"):
        engine.read(np.full((20, 20, 3), 255, np.uint8))


def test_tesseract_tsv_grouped_into_lines() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "1\t1\t0\t0\t0\t0\t0\t0\t500\t200\t-1\t",
        "4\t1\t1\t1\t1\t0\t10\t10\t200\t20\t-1\t",
        "5\t1\t1\t1\t1\t2\t80\t10\t60\t20\t80\tWorld",
        "5\t1\t1\t1\t1\t1\t10\t12\t50\t18\t90\tHello",
        "5\t1\t1\t1\t1\t3\t150\t10\t5\t20\t95\t ",
        '5\t1\t1\t1\t2\t1\t10\t50\t40\t20\t60\t"quoted',
        "5\t1\t2\t1\t1\t1\t300\t10\t40\t20\t-1\t12.50",
    ]
    lines = words_to_lines(parse_tsv("\n".join([header, *rows]) + "\n"), page=4)
    assert [ln.text for ln in lines] == ["Hello World", '"quoted', "12.50"]
    first = lines[0]
    assert first.box.as_tuple() == (10, 10, 140, 30)
    assert first.box.page == 4 and first.words[0].box.page == 4
    assert first.confidence == pytest.approx(0.85)
    assert lines[2].confidence == 0.0  # tesseract's -1 (no confidence) clamps to 0


def test_tesseract_line_split_at_wide_spaces() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "5\t1\t1\t1\t1\t1\t10\t10\t50\t20\t90\tTOTAL",
        "5\t1\t1\t1\t1\t2\t70\t10\t30\t20\t90\tRM",  # 10 px space: same segment
        "5\t1\t1\t1\t1\t3\t300\t10\t50\t20\t90\t9.90",  # 200 px space: a new segment
    ]
    words = parse_tsv("\n".join([header, *rows]))
    assert [ln.text for ln in words_to_lines(words)] == ["TOTAL RM 9.90"]
    split = words_to_lines(words, split_gap=1.5)
    assert [ln.text for ln in split] == ["TOTAL RM", "9.90"]
    assert split[1].box.as_tuple() == (300, 10, 350, 30)


# registry and helpers ---------------------------------------------------------------------------


def test_registry() -> None:
    assert engine_names() == ["rapidocr", "tesseract"]
    assert "rapidocr" in available_engines()
    assert get_engine("rapidocr") is get_engine("RapidOCR")
    assert get_engine("rapidocr", text_score=0.3) is not get_engine("rapidocr")
    assert isinstance(get_engine("tesseract", psm=6), OCREngine)
    with pytest.raises(ModelError, match="unknown OCR engine"):
        get_engine("nope")


def test_as_rgb_converts_grey_and_rejects_bad_input() -> None:
    assert as_rgb(np.zeros((4, 5), np.uint8)).shape == (4, 5, 3)
    assert as_rgb(np.zeros((4, 5, 4), np.uint8)).shape == (4, 5, 3)
    with pytest.raises(InputError):
        as_rgb(np.zeros((4, 5, 3), np.float32))
    with pytest.raises(InputError):
        as_rgb(np.zeros((0, 5, 3), np.uint8))


def test_proportional_words_split_by_characters() -> None:
    words = proportional_words("ab  cdef", BBox(x0=0, y0=0, x1=80, y1=10, page=2), 0.5)
    assert [w.text for w in words] == ["ab", "cdef"]
    assert words[0].box.as_tuple() == (0, 0, 20, 10)
    assert words[1].box.as_tuple() == (40, 0, 80, 10)
    assert all(w.box.page == 2 and w.confidence == 0.5 for w in words)
