"""OCR export: plain text, hOCR (parsed back as XML), Markdown."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ocula.schemas import BBox, Line, OCRPage, Word
from ocula.schemas.ocr_export import to_hocr, to_markdown, to_text

XHTML = "{http://www.w3.org/1999/xhtml}"


def make_line(text: str, x0: float, y0: float, x1: float, y1: float, words: bool = True) -> Line:
    box = BBox(x0=x0, y0=y0, x1=x1, y1=y1)
    ws: list[Word] = []
    if words:
        step = (x1 - x0) / max(len(text.split()), 1)
        ws = [
            Word(text=t, box=BBox(x0=x0 + i * step, y0=y0, x1=x0 + (i + 1) * step, y1=y1), confidence=0.875)
            for i, t in enumerate(text.split())
        ]
    return Line(text=text, box=box, confidence=0.9, words=ws)


def receipt_page(page: int = 0) -> OCRPage:
    return OCRPage(
        page=page,
        width=600,
        height=400,
        engine="test",
        lines=[
            make_line("Fish & Chips <large>", 10, 10, 200, 30),
            make_line("9.90", 500, 12, 560, 30),
            make_line("# not a heading *x*", 10, 40, 300, 60, words=False),
            make_line("TOTAL \x07 RM 9.90", 10, 200, 300, 220),
        ],
    )


def test_to_text_one_line_per_line_and_page_break() -> None:
    page = receipt_page()
    assert to_text(page).split("\n") == [ln.text for ln in page.lines]
    two = to_text([receipt_page(0), receipt_page(1)])
    assert two.count("\f") == 1
    assert two.split("\f")[1] == to_text(page)


def test_hocr_parses_as_xml_with_pages_lines_words() -> None:
    pages = [receipt_page(0), receipt_page(1)]
    root = ET.fromstring(to_hocr(pages, title="doc & co", image="a.png"))
    assert root.find(f"{XHTML}head/{XHTML}title").text == "doc & co"
    page_divs = [e for e in root.iter(f"{XHTML}div") if e.get("class") == "ocr_page"]
    assert len(page_divs) == 2
    assert page_divs[1].get("title") == 'image "a.png"; bbox 0 0 600 400; ppageno 1'
    lines = [e for e in page_divs[0].iter(f"{XHTML}span") if e.get("class") == "ocr_line"]
    assert len(lines) == 4
    assert lines[1].get("title") == "bbox 500 12 560 30"
    words = [e for e in lines[0] if e.get("class") == "ocrx_word"]
    assert [w.text for w in words] == ["Fish", "&", "Chips", "<large>"]
    assert words[0].get("title").endswith("; x_wconf 88")
    # A line without words becomes one word with the line box and the line confidence.
    lone = [e for e in lines[2] if e.get("class") == "ocrx_word"]
    assert len(lone) == 1 and lone[0].text == "# not a heading *x*"
    assert lone[0].get("title") == "bbox 10 40 300 60; x_wconf 90"
    # The bell character XML 1.0 forbids is dropped with the word it formed; the rest is kept.
    assert [w.text for w in lines[3]] == ["TOTAL", "RM", "9.90"]


def test_hocr_ids_are_unique() -> None:
    root = ET.fromstring(to_hocr([receipt_page(0), receipt_page(1)]))
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) == 2 + 2 * (4 + 9)  # pages + lines + words (4 + 1 + 1 + 3)


def test_markdown_rows_paragraphs_and_escaping() -> None:
    md = to_markdown([receipt_page()])
    lines = md.splitlines()
    assert lines[0] == "## Page 1"
    # Label and amount of one row share a line; the next line follows after a hard break.
    assert "Fish & Chips \\<large\\> 9.90\\" in lines
    assert "\\# not a heading \\*x\\*" in lines
    # The far-away TOTAL line opens a new paragraph (blank line before it).
    total = lines.index("TOTAL RM 9.90")  # the control character is dropped
    assert lines[total - 1] == ""


def test_markdown_page_headings() -> None:
    md = to_markdown([receipt_page(0), receipt_page(1)])
    assert md.count("## Page ") == 2
    assert "## Page 2" in md


def test_empty_page() -> None:
    empty = OCRPage(width=10, height=10)
    assert to_text(empty) == ""
    ET.fromstring(to_hocr(empty))
    assert to_markdown(empty).strip() == "## Page 1"
