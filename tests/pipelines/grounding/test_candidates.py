from decimal import Decimal

import pytest

from ocula.pipelines.grounding.candidates import candidates_for, text_spans
from ocula.pipelines.grounding.lines import DocLine
from ocula.schemas import BBox
from tests.fixtures.lines import line


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


def test_a_name_may_span_lines():
    lines = [line(0, "SWC"), line(1, "ENTERPRISE"), line(2, "SDN"), line(3, "BHD"), line(4, "(1125830-V)")]
    names = [c.text for c in candidates_for("name", lines)]
    assert "SWC ENTERPRISE SDN BHD" in names
    assert not any("1125830" in n for n in names)


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
