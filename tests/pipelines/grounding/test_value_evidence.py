"""The value's own evidence for calibration: the OCR confidence of its lines, whether its text is well formed."""

from ocula.pipelines.grounding.lines import DocLine
from ocula.pipelines.grounding.value_evidence import ocr_confidence, well_formed
from ocula.schemas import BBox


def line(i: int, text: str, confidence: float | None) -> DocLine:
    return DocLine(id=i, page=0, text=text, box=BBox(x0=0, y0=10 * i, x1=100, y1=10 * i + 8), confidence=confidence)


def test_the_lowest_confidence_of_the_values_lines():
    lines = [line(0, "To:", 0.99), line(1, "Jack", 0.91), line(2, "Reilly", 0.97), line(3, "x", None)]
    assert ocr_confidence([1, 2], lines) == 0.91
    assert ocr_confidence([3], lines) is None
    assert ocr_confidence([], lines) is None


def test_a_date_is_well_formed_only_when_read_whole():
    for text in ("9/3/92", "September 21, 1976", "10-NOV-1986", "15.03.2000", "05 Mar 2018"):
        assert well_formed("date", text) is True, text
    for text in ("8", "APRIT, 1, 1957", "Ocotber 9, 1968"):
        assert well_formed("date", text) is False, text


def test_text_with_stray_symbols_is_not_well_formed():
    assert well_formed("text", "Dr. Don Leyden, Dept. Scientific Affairs") is True
    assert well_formed("name", "SALEM (RJR)") is True
    assert well_formed("text", "S. WILLINGER (3)√ RESEARCH") is False
    assert well_formed("text", "RICHLAND 100*s") is False
    assert well_formed("amount", "12.50") is None  # no check for amounts
    assert well_formed("text", None) is None
