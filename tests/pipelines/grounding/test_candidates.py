from datetime import date
from decimal import Decimal

import pytest

from ocula.pipelines.grounding.candidates import DocLine, candidates_for, find_dates, span_box, text_spans, to_decimal
from ocula.schemas import BBox


def line(i: int, text: str) -> DocLine:
    return DocLine(i, 0, text, BBox(x0=0, y0=i * 20, x1=10 * len(text), y1=i * 20 + 15))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DATE: 11/01/2019 12:30", [date(2019, 1, 11), date(2019, 11, 1)]),
        ("2018-03-05", [date(2018, 3, 5)]),
        ("05 MAR 2018", [date(2018, 3, 5)]),
        ("Mar 5, 2018", [date(2018, 3, 5)]),
        ("31.12.19", [date(2019, 12, 31)]),
        ("12-JAN-19 10:00", [date(2019, 1, 12)]),
        ("14/03/20185:57:07PM", [date(2018, 3, 14)]),  # a time printed against a four-digit year
    ],
)
def test_dates_in_many_printed_formats(text, expected):
    found = find_dates(text)
    assert len(found) == 1
    assert found[0][2] == expected


def test_no_false_dates():
    assert find_dates("Invoice 123456 total 45.90") == []
    assert find_dates("32/13/2019") == []
    assert find_dates("1/2/2018123") == []  # digits after the year that are not a time
    assert find_dates("14/03/185:57") == []  # a two-digit year cannot be told from the time


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,234.50", Decimal("1234.50")), ("RM 12.90", Decimal("12.90")), ("8,50", Decimal("8.50")), ("x", None)],
)
def test_to_decimal(text, value):
    assert to_decimal(text) == value


def test_amount_candidates_are_numbers_printed_on_the_page():
    lines = [line(0, "TOTAL: RM 327.00"), line(1, "CASH 1,000.00"), line(2, "Tel 07-1234567")]
    cands = candidates_for("amount", lines)
    assert [(c.text, c.parsed, c.line_ids) for c in cands] == [
        ("327.00", Decimal("327.00"), (0,)),
        ("1,000.00", Decimal("1000.00"), (1,)),
    ]
    assert all(c.text in lines[c.line_ids[0]].text for c in cands)


def test_text_spans_split_at_separators():
    ln = line(0, "SOON HUAT MACHINERY (JM0352019-K)")
    spans = {ln.text[s:e] for s, e in text_spans(ln)}
    assert {"SOON HUAT MACHINERY", "JM0352019-K", ln.text} <= spans


def test_multiline_joins_consecutive_lines_with_union_box():
    lines = [line(0, "NO.53 JALAN PUTRA 1,"), line(1, "81200 JOHOR BAHRU"), line(2, "JOHOR")]
    cands = {c.text: c for c in candidates_for("multiline", lines)}
    joined = cands["NO.53 JALAN PUTRA 1, 81200 JOHOR BAHRU JOHOR"]
    assert joined.line_ids == (0, 1, 2)
    assert joined.box.y0 == 0 and joined.box.y1 == 55


def test_span_box_is_inside_its_line_and_proportional():
    ln = line(0, "TOTAL 10.00")  # 11 chars, 110 px wide
    box = span_box(ln, 6, 11)
    assert box.x0 == pytest.approx(60) and box.x1 == pytest.approx(110)
    assert box.y0 == ln.box.y0 and box.y1 == ln.box.y1


def test_phone_email_url():
    lines = [line(0, "Tel: +60 7-123 4567  info@shop.com.my  www.shop.com.my")]
    assert [c.text for c in candidates_for("phone", lines)] == ["+60 7-123 4567"]
    assert [c.text for c in candidates_for("email", lines)] == ["info@shop.com.my"]
    assert "www.shop.com.my" in [c.text for c in candidates_for("url", lines)]


def test_spans_join_segments_and_keep_brackets_paired():
    ln = line(0, "GARDENIA BAKERIES (KL) SDN BHD (139386 X)")
    spans = {ln.text[s:e] for s, e in text_spans(ln)}
    assert {"GARDENIA BAKERIES (KL) SDN BHD", "GARDENIA BAKERIES", "139386 X"} <= spans
    assert not any(s.count("(") != s.count(")") for s in spans)


@pytest.mark.parametrize("text", ["KING'S CONFECTIONERY S/B 273500-U", "KING'S CONFECTIONERY S/B 273500-U (GKJ)"])
def test_a_trailing_registration_number_is_a_separator(text):
    ln = line(0, text)
    assert "KING'S CONFECTIONERY S/B" in {ln.text[s:e] for s, e in text_spans(ln)}


def test_multiline_values_may_end_before_a_separator_of_their_last_line():
    lines = [line(0, "POPULAR BOOK"), line(1, "CO. (M) SDN BHD (113825-W)")]
    cands = {c.text: c for c in candidates_for("multiline", lines)}
    name = cands["POPULAR BOOK CO. (M) SDN BHD"]
    assert name.line_ids == (0, 1)
    assert name.box.x1 < lines[1].box.x1  # the box stops where the name does


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("GARDENIA BAKERIES (KL) SDN BHD", True),
        ("99 SPEED MART S/B", True),
        ("(867388-U)", False),
        ("A03018", False),
        ("TEL: 07-1234567", False),
        ("05 Mar 2018 18:24", False),
        ("99 SPEED MART S/B (519537-X)", False),
        ("KING'S CONFECTIONERY S/B 273500-U", False),
        ("TOTAL 12.50", False),
        ("LOT P.T. 2811, JALAN ANGSA", False),
        ("No 2-1 Jalan 3/137B Batu 5", False),
        ("SUN-THU:1000 HRS - 2230 HRS", False),
    ],
)
def test_names_have_letters_and_no_identifiers(text, ok):
    from ocula.pipelines.grounding.candidates import is_name

    assert is_name(text) is ok


def test_a_name_may_span_lines():
    lines = [line(0, "SWC"), line(1, "ENTERPRISE"), line(2, "SDN"), line(3, "BHD"), line(4, "(1125830-V)")]
    names = [c.text for c in candidates_for("name", lines)]
    assert "SWC ENTERPRISE SDN BHD" in names
    assert not any("1125830" in n for n in names)


@pytest.mark.parametrize(
    ("how", "expected"), [("max", "44.73"), ("min", "2.53"), ("first", "42.20"), ("last", "44.73")]
)
def test_pick_keeps_one_candidate(how, expected):
    from ocula.pipelines.grounding.candidates import apply_hints

    lines = [line(0, "Total Sales (Excluding GST) 42.20"), line(1, "Total GST 2.53"), line(2, "Total 44.73")]
    cands = candidates_for("amount", lines)
    if how == "last":
        cands = cands[:1] + cands[2:]
    assert [c.text for c in apply_hints(cands, lines, pick=how)] == [expected]


def test_names_ending_in_a_legal_form_are_preferred():
    from ocula.pipelines.grounding.candidates import prefer_legal_names

    lines = [line(0, "MYDIN MART"), line(1, "PASARAYA BORONG PINTAR"), line(2, "SDN BHD")]
    names = [c.text for c in prefer_legal_names(candidates_for("name", lines))]
    assert "PASARAYA BORONG PINTAR SDN BHD" in names
    assert "SDN BHD" not in names and "MYDIN MART" not in names
    plain = candidates_for("name", [line(0, "THAI DELICIOUS RESTAURANT")])
    assert prefer_legal_names(plain) == plain  # no legal form anywhere: nothing is dropped


@pytest.mark.parametrize(
    ("texts", "full"),
    [
        (["POPULAR BOOK", "CO. (M) SDN BHD (113825-W)"], "POPULAR BOOK CO. (M) SDN BHD"),  # not the legal form alone
        (["SWC", "ENTERPRISE", "SDN", "BHD"], "SWC ENTERPRISE SDN BHD"),  # not cut before its last legal form
    ],
)
def test_the_full_legal_name_is_preferred_to_its_parts(texts, full):
    from ocula.pipelines.grounding.candidates import prefer_legal_names

    names = [c.text for c in prefer_legal_names(candidates_for("name", [line(i, t) for i, t in enumerate(texts)]))]
    assert names == [full]


def test_alternative_readings_give_text_candidates_on_the_same_line():
    lines = [
        DocLine(0, 0, "SYARIKAT GINKEE", BBox(x0=0, y0=0, x1=150, y1=10), alternatives=("SYARIKAT GIN KEE",)),
        DocLine(1, 0, "Date: 20/03/201", BBox(x0=0, y0=20, x1=150, y1=30), alternatives=("Date: 20/03/2018",)),
    ]
    names = {c.text: c for c in candidates_for("name", lines)}
    assert {"SYARIKAT GINKEE", "SYARIKAT GIN KEE"} <= set(names)
    assert names["SYARIKAT GIN KEE"].line_ids == (0,)
    box = names["SYARIKAT GIN KEE"].box
    assert box.x0 >= 0 and box.x1 <= 150  # an alternative's span stays inside its line
    assert candidates_for("date", lines) == []  # kinds with a format read the first engine's text only


def test_consecutive_lines_are_joined_as_each_engine_read_them_not_mixed():
    lines = [
        DocLine(0, 0, "NO290, JALAN", BBox(x0=0, y0=0, x1=100, y1=10), alternatives=("NO 290, JALAN",)),
        DocLine(1, 0, "TAMAN SRI.", BBox(x0=0, y0=20, x1=100, y1=30), alternatives=("TAMAN SRI,",)),
        DocLine(2, 0, "81200 JOHOR", BBox(x0=0, y0=40, x1=100, y1=50)),
    ]
    texts = {c.text for c in candidates_for("multiline", lines) if c.line_ids == (0, 1, 2)}
    assert texts == {"NO290, JALAN TAMAN SRI. 81200 JOHOR", "NO 290, JALAN TAMAN SRI, 81200 JOHOR"}


def test_doc_lines_carry_alternatives_that_differ_from_the_text():
    from ocula.pipelines.grounding.candidates import doc_lines
    from ocula.schemas import Line, OCRPage

    box = BBox(x0=0, y0=0, x1=10, y1=10)
    page = OCRPage(width=20, height=20, lines=[Line(text="A  B", box=box, alternatives=["A B", "A8", "A8"])])
    assert doc_lines([page])[0].alternatives == ("A8",)
