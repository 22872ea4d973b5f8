from decimal import Decimal

from ocula.pipelines.grounding.item_checks import PageTotals, check_items, explains, page_totals
from ocula.pipelines.grounding.item_fields import item_shape
from ocula.pipelines.grounding.rows import group_rows
from ocula.pipelines.grounding.tables import table_words
from ocula.schemas.constraints import bounded_schema
from ocula.schemas.packs import default_rules
from ocula.schemas.ready import Invoice
from tests.fixtures.table_page import table_lines

RULES = default_rules()
JS = bounded_schema(Invoice).schema
SHAPE = item_shape("items", JS["properties"]["items"], JS["$defs"], RULES, table_words(RULES))


def item(q, u, a):
    return {"description": "x", "quantity": q, "unit_price": u, "amount": a}


def test_quantity_times_unit_price_is_the_line_total():
    assert check_items([item("2", "3.10", "6.20"), item(None, None, "4.20")], SHAPE, PageTotals()) == []
    (error,) = check_items([item("4", "6.90", "13.80")], SHAPE, PageTotals())
    assert error.startswith("items/0:") and "27.60" in error


def test_line_totals_add_up_to_a_total_with_the_rows_that_explain_a_difference():
    lines = table_lines(
        [
            [(0, "Member Discount"), (400, "-0.78")],
            [(0, "Rounding"), (400, "0.01")],
            [(0, "TOTAL"), (400, "9.03")],
            [(0, "CASH"), (400, "20.00")],
        ]
    )
    totals = page_totals(group_rows(lines), table_words(RULES))
    assert totals.totals == [Decimal("9.03")] and totals.adjustments == [Decimal("-0.78"), Decimal("0.01")]
    assert check_items([item(None, None, "2.00"), item(None, None, "7.80")], SHAPE, totals) == []
    (error,) = check_items([item(None, None, "2.00"), item(None, None, "7.90")], SHAPE, totals)
    assert "add up to 9.90" in error and "9.03" in error


def test_no_total_on_the_page_no_sum_check():
    assert check_items([item(None, None, "5.00")], SHAPE, PageTotals()) == []
    assert explains(Decimal("50.55"), Decimal("53.41"), [Decimal("2.86"), Decimal("0.00")])
