"""The document's lines: spans' boxes and each OCR engine's reading."""

import pytest

from ocula.pipelines.grounding.lines import doc_lines, span_box
from ocula.schemas import BBox, Line, OCRPage
from tests.fixtures.lines import line


def test_span_box_is_inside_its_line_and_proportional():
    ln = line(0, "TOTAL 10.00")  # 11 chars, 110 px wide
    box = span_box(ln, 6, 11)
    assert box.x0 == pytest.approx(60) and box.x1 == pytest.approx(110)
    assert box.y0 == ln.box.y0 and box.y1 == ln.box.y1


def test_doc_lines_carry_alternatives_that_differ_from_the_text():
    box = BBox(x0=0, y0=0, x1=10, y1=10)
    page = OCRPage(width=20, height=20, lines=[Line(text="A  B", box=box, alternatives=["A B", "A8", "A8"])])
    assert doc_lines([page])[0].alternatives == ("A8",)
