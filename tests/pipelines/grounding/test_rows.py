from decimal import Decimal

from ocula.pipelines.grounding.lines import DocLine
from ocula.pipelines.grounding.rows import group_rows, line_cells
from ocula.schemas import BBox
from tests.fixtures.table_page import table_lines


def cells(text: str) -> list[tuple[str, str, Decimal | None, str | None]]:
    line = DocLine(0, 0, text, BBox(x0=0, y0=0, x1=10 * len(text), y1=20))
    return [(c.text, c.kind, c.value, c.role) for c in line_cells(line)]


def test_lines_of_one_band_make_one_row_left_to_right():
    lines = table_lines(
        [[(0, "MILO 3IN1"), (300, "1"), (400, "13.90")], [(40, "@ 13.90")], [(0, "TOTAL"), (400, "13.90")]]
    )
    rows = group_rows(lines)
    assert [r.text for r in rows] == ["MILO 3IN1 1 13.90", "@ 13.90", "TOTAL 13.90"]
    assert [c.kind for c in rows[0].cells] == ["text", "number", "amount"]
    assert rows[0].box.x1 == 450 and rows[1].line_ids == (3,)


def test_a_line_that_starts_left_of_the_one_before_starts_a_row():
    lines = [
        DocLine(0, 0, "THAI", BBox(x0=160, y0=0, x1=200, y1=20)),
        DocLine(1, 0, "7", BBox(x0=100, y0=5, x1=110, y1=25)),
    ]
    assert len(group_rows(lines)) == 2


def test_quantity_times_unit_price_patterns():
    assert cells("2 PC @ 6.90") == [
        ("2", "number", Decimal(2), "quantity"),
        ("6.90", "amount", Decimal("6.90"), "unit_price"),
    ]
    assert cells("3X8.00 24.00")[:2] == [
        ("3", "number", Decimal(3), "quantity"),
        ("8.00", "amount", Decimal("8.00"), "unit_price"),
    ]
    assert cells("@ 13.90") == [("13.90", "amount", Decimal("13.90"), "unit_price")]
    assert ("1", "number", Decimal(1), "quantity") in cells("Liquid Medicine RM33.90 x1 RM33.90")
    # a size is no quantity: "4*6*320ML" stays text
    assert cells("CARLSBERG CAN 4*6*320ML") == [("CARLSBERG CAN 4*6*320ML", "text", None, None)]


def test_numbers_at_the_ends_of_text_are_cells_and_numbers_inside_stay_text():
    assert cells("483 CARLSBERG CAN 106.50") == [
        ("483", "number", Decimal(483), None),
        ("CARLSBERG CAN", "text", None, None),
        ("106.50", "amount", Decimal("106.50"), None),
    ]
    assert cells("GIANT 606 OVERFLOW ASSY") == [("GIANT 606 OVERFLOW ASSY", "text", None, None)]
    assert cells("Gel pens, black (pack of 12)") == [("Gel pens, black (pack of 12)", "text", None, None)]


def test_signs_labels_and_amounts_against_a_tax_code():
    assert cells("Member Discount -0.24")[-1][2] == Decimal("-0.24")
    assert ("11.25", "amount", Decimal("11.25"), None) in cells("1x 000001048211 11.25SR")
    line = DocLine(0, 0, "ITEM NO. : 30001640", BBox(x0=0, y0=0, x1=190, y1=20))
    label, number = line_cells(line)
    assert label.label and not label.is_word and number.value == Decimal(30001640)


def test_words_are_descriptions_not_codes_or_units():
    for text in ("GTG02", "SR", "pc"):  # a code, a tax code, a unit
        line = DocLine(0, 0, text, BBox(x0=0, y0=0, x1=10 * len(text), y1=20))
        assert not any(c.is_word for c in line_cells(line)), text
    line = DocLine(0, 0, "Kopi (B)", BBox(x0=0, y0=0, x1=80, y1=20))
    assert [c.is_word for c in line_cells(line)] == [True]


def test_lines_in_an_engines_own_order_are_read_in_rows_first():
    lines = table_lines([[(0, "Alabama"), (200, "18,870")], [(0, "Alaska"), (200, "209")]])
    shuffled = [lines[2], lines[0], lines[3], lines[1]]  # detection order: a column, then another
    assert [r.text for r in group_rows(shuffled)] == ["Alabama 18,870", "Alaska 209"]
