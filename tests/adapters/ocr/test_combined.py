"""Two OCR engines combined: the second engine's readings of the first's lines, kept as alternatives."""

import shutil

import numpy as np
import pytest

from ocula.adapters.ocr import CombinedEngine, OCREngine, get_engine, is_available
from ocula.adapters.ocr.combined import assign_words, respace, respell, unconfuse, with_alternatives, word_starts
from ocula.pipelines.ocr.pages import ocr_image
from ocula.pipelines.ocr.reading_order import merge_row_fragments
from ocula.schemas import BBox, Line, ModelError, OCRPage, Word
from tests.adapters.ocr.test_engines import render_page
from tests.fixtures.fakes import FixedOCR


def line(text: str, x0: float, y0: float, x1: float, y1: float, alternatives: list[str] | None = None) -> Line:
    return Line(text=text, box=BBox(x0=x0, y0=y0, x1=x1, y1=y1), alternatives=alternatives or [])


def word(text: str, x0: float, y0: float, x1: float, y1: float) -> Word:
    return Word(text=text, box=BBox(x0=x0, y0=y0, x1=x1, y1=y1))


FIRST = [
    # the first engine boxed GIN and KEE apart but wrote no space between them
    line("SYARIKAT GINKEE", 10, 10, 300, 40).model_copy(
        update={
            "words": [word("SYARIKAT", 10, 12, 150, 38), word("GIN", 160, 12, 220, 38), word("KEE", 230, 12, 300, 38)]
        }
    ),
    line("TAMAN SRI PUTRA.", 10, 50, 300, 80),
    line("TOTAL", 10, 90, 90, 120),
]
SECOND_WORDS = [
    # given out of order: each line's reading is put together left to right
    word("KEE", 230, 12, 300, 38),
    word("SYARIKAT", 10, 12, 150, 38),
    word("GIN", 160, 12, 220, 38),
    word("TAMAN", 10, 52, 100, 78),
    word("SRI", 110, 52, 150, 78),
    word("PUTRA,", 160, 52, 300, 78),
    word("T0TAL", 12, 92, 88, 118),
    word("stray", 500, 300, 560, 330),  # on no line of the first engine
]


def second_page() -> OCRPage:
    return OCRPage(width=600, height=400, lines=[Line(text="x", box=BBox(x0=0, y0=0, x1=1, y1=1), words=SECOND_WORDS)])


def test_words_go_to_the_line_holding_their_centre_left_to_right():
    groups = assign_words(FIRST, SECOND_WORDS)
    assert [[w.text for w in g] for g in groups] == [["SYARIKAT", "GIN", "KEE"], ["TAMAN", "SRI", "PUTRA,"], ["T0TAL"]]


def test_a_word_between_two_overlapping_lines_goes_to_the_nearer_one():
    lines = [line("upper", 0, 0, 100, 30), line("lower", 0, 20, 100, 50)]
    groups = assign_words(lines, [word("w", 10, 28, 30, 44)])  # centre y 36: inside both, nearer the lower
    assert [len(g) for g in groups] == [0, 1]


def test_same_characters_take_both_engines_spaces_known_misreadings_are_mended_other_ones_become_alternatives():
    primary = OCRPage(width=600, height=400, lines=FIRST, engine="a")
    result = with_alternatives(primary, second_page().model_copy(update={"engine": "b"}))
    # "PUTRA." is a known misreading of the first engine: the second engine's ',' is taken
    assert [ln.text for ln in result.lines] == ["SYARIKAT GIN KEE", "TAMAN SRI PUTRA,", "TOTAL"]
    assert [ln.alternatives for ln in result.lines] == [["SYARIKAT GINKEE"], [], ["T0TAL"]]
    assert [ln.box for ln in result.lines] == [ln.box for ln in FIRST]
    assert result.engine == "a+b"


@pytest.mark.parametrize(
    ("text", "other", "merged"),
    [
        # between a word and a number, after punctuation: taken; inside a run of letters: refused
        ("NO290, JALANAIR PANAS,", "NO 290, JALAN AIR PANAS,", "NO 290, JALANAIR PANAS,"),
        ("X,U13/X", "X ,U13/x", "X ,U13/X"),  # the first engine's characters, the second's extra space
        ("TEL : 03", "TEL:03", "TEL : 03"),  # a space the first engine saw is kept
        ("RM 64.15", "RM 64. 15", "RM 64.15"),  # never inside a number
        ("TEL: 03-8079", "TEL: 03 - 8079", "TEL: 03-8079"),
        ("SELANGOR", "SELANG OR", "SELANGOR"),
        ("Seksyen 2.5", "Seksyen 25", None),  # different characters: no merge
    ],
)
def test_respace(text: str, other: str, merged: str | None):
    assert respace(text, other) == merged


@pytest.mark.parametrize(
    ("text", "other", "mended"),
    [
        ("TAMAN SRI PUTRA.", "TAMAN SRI PUTRA,", "TAMAN SRI PUTRA,"),
        ("Jalan Kenari 5. Bandar", "Jalan Kenari 5 , Bandar", "Jalan Kenari 5, Bandar"),  # the first's spaces
        ("Taste Of The WorId", "Taste Of The World", "Taste Of The World"),
        ("PERMAS JAYÀ", "PERMAS JAYA", "PERMAS JAYA"),
        ("RM 12.50", "RM 12,50", None),  # inside a number '.' is read right
        ("INVOICE", "lNVOICE", None),  # 'I' starting a capital word is right
        ("IKANO HANDEL", "TKANO HANDEL", None),  # any other difference: no mending
        ("PUTRA. 81200", "PUTRA, 8I200", None),
        ("TOTAL", "total", None),  # case only: nothing to mend
    ],
)
def test_unconfuse(text: str, other: str, mended: str | None):
    assert unconfuse(text, other) == mended


def test_mended_words_still_spell_the_line_so_their_boxes_cover_it():
    first = line("Of The WorId", 0, 0, 120, 10).model_copy(
        update={"words": [word("Of", 0, 0, 20, 10), word("The", 25, 0, 55, 10), word("WorId", 60, 0, 120, 10)]}
    )
    other = OCRPage(
        width=200,
        height=20,
        lines=[
            line("x", 0, 0, 1, 1).model_copy(
                update={"words": [word("Of", 0, 0, 20, 10), word("The", 25, 0, 55, 10), word("World", 60, 0, 120, 10)]}
            )
        ],
    )
    mended = with_alternatives(OCRPage(width=200, height=20, lines=[first]), other).lines[0]
    assert mended.text == "Of The World"
    assert [w.text for w in mended.words] == ["Of", "The", "World"]
    assert [w.box for w in mended.words] == [w.box for w in first.words]
    assert respell(first.words[:1], "Of The World") == first.words[:1]  # words short of the text: unchanged


def test_respace_splits_letters_where_the_first_engines_words_split():
    first = line("PERNIAGAAN GINKEE", 0, 0, 100, 10).model_copy(
        update={"words": [word("PERNIAGAAN", 0, 0, 50, 10), word("GIN", 55, 0, 70, 10), word("KEE", 75, 0, 100, 10)]}
    )
    assert word_starts(first) == {0, 10, 13}
    assert respace(first.text, "PERNIAGAAN GIN KEE", word_starts(first)) == "PERNIAGAAN GIN KEE"
    assert word_starts(line("AB", 0, 0, 10, 10).model_copy(update={"words": [word("X", 0, 0, 5, 10)]})) == set()


def test_combined_engine_runs_both_and_keeps_the_first_engines_boxes():
    first = FixedOCR(FIRST, "first")
    second = FixedOCR(second_page().lines, "second")
    engine = CombinedEngine(first, second)
    assert isinstance(engine, OCREngine)
    result = engine.read(np.full((400, 600, 3), 255, np.uint8), page=2)
    assert (first.calls, second.calls) == (1, 1)
    assert result.engine == "first+second" and result.page == 2
    assert result.lines[0].text == "SYARIKAT GIN KEE" and result.lines[2].alternatives == ["T0TAL"]


def test_combined_names_in_the_registry():
    engine = get_engine("rapidocr+tesseract")
    assert isinstance(engine, CombinedEngine) and engine.name == "rapidocr+tesseract"
    assert get_engine("rapidocr+tesseract") is engine
    with pytest.raises(ModelError, match="two names joined by"):
        get_engine("rapidocr+")
    with pytest.raises(ModelError, match="unknown OCR engine"):
        get_engine("rapidocr+nosuch")
    assert is_available("rapidocr+tesseract") == (shutil.which("tesseract") is not None)
    assert not is_available("rapidocr+nosuch")


def test_merged_row_fragments_keep_their_alternatives():
    left = line("TOTAL", 0, 0, 60, 20, ["T0TAL"])
    right = line("12.50", 70, 0, 120, 20)
    merged = merge_row_fragments([left, right], max_gap_ratio=1.0)
    assert [m.text for m in merged] == ["TOTAL 12.50"]
    assert merged[0].alternatives == ["T0TAL 12.50"]


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract binary not installed")
def test_rapidocr_with_tesseract_on_a_rendered_page():
    image, _ = render_page()
    result = ocr_image(image, "rapidocr+tesseract", page=1)
    assert result.engine == "rapidocr+tesseract"
    first = ocr_image(image, "rapidocr", page=1)
    assert ["".join(ln.text.split()) for ln in result.lines] == ["".join(ln.text.split()) for ln in first.lines]
    for ln in result.lines:
        assert ln.box.page == 1
        for alt in ln.alternatives:  # a second reading differs from the first and reads the same words
            assert alt != ln.text
            assert set(alt.lower().split()) & set(ln.text.lower().split()) or len(ln.text) < 4
