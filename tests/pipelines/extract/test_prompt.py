"""Extraction prompts: the fixed part before the page, and excerpts of a page around given lines."""

from ocula.pipelines.extract.prompt import GAP, document_text, excerpt_positions, extraction_messages
from ocula.pipelines.grounding.lines import DocLine
from ocula.schemas import BBox
from ocula.schemas.ready import SroieReceipt


def lines(n: int, pages: int = 1) -> list[DocLine]:
    per = n // pages
    return [
        DocLine(i, i // per, f"line {i}", BBox(x0=0, y0=20 * (i % per), x1=60, y1=20 * (i % per) + 15))
        for i in range(n)
    ]


def test_an_excerpt_keeps_the_lines_around_the_given_ones_and_marks_what_it_leaves_out():
    page = lines(30)
    shown = excerpt_positions(page, {10, 11, 25}, context=2)
    assert shown == {8, 9, 10, 11, 12, 13, 23, 24, 25, 26, 27}
    text = document_text(page, shown=shown).split("\n")
    assert text == [GAP, *[f"line {i}" for i in range(8, 14)], GAP, *[f"line {i}" for i in range(23, 28)], GAP]


def test_an_excerpt_keeps_page_headers_and_line_numbers():
    page = lines(20, pages=2)
    text = document_text(page, numbered=True, shown=excerpt_positions(page, {2, 15}, context=1)).split("\n")
    assert text == [
        "--- page 1 ---", GAP, "[1] line 1", "[2] line 2", "[3] line 3", GAP,
        "--- page 2 ---", GAP, "[14] line 14", "[15] line 15", "[16] line 16", GAP,
    ]  # fmt: skip


def test_a_prompt_around_lines_shares_its_fixed_part_and_shows_only_the_excerpt():
    page = lines(60)
    whole = extraction_messages(SroieReceipt, page)
    around = extraction_messages(SroieReceipt, page, around={30})
    fixed = whole[-1].text.split("Document:")[0]
    assert around[0] == whole[0] and around[-1].text.startswith(fixed)  # the cached prefix is the same
    assert "line 30" in around[-1].text and "line 28" in around[-1].text and "line 27" not in around[-1].text
    document = around[-1].text.split("Document:")[1]
    assert len(document) < len(whole[-1].text.split("Document:")[1]) / 4


def test_a_prompt_around_lines_that_would_leave_nothing_out_is_the_whole_page():
    page = lines(5)
    assert extraction_messages(SroieReceipt, page, around={2}) == extraction_messages(SroieReceipt, page)
