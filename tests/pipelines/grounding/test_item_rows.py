from ocula.pipelines.grounding.item_rows import item_rows
from ocula.pipelines.grounding.rows import group_rows
from ocula.pipelines.grounding.tables import table_regions, table_words
from ocula.schemas.packs import default_rules
from tests.fixtures.table_page import table_lines

WORDS = table_words(default_rules())


def items(rows):
    regions = table_regions(group_rows(table_lines(rows)), WORDS)
    return [it for region in regions for it in item_rows(region, "amount", WORDS, width=500)]


def texts(it):
    return [r.text for r in it.texts]


def test_values_first_descriptions_follow_their_row():
    found = items(
        [
            [(0, "ITEM"), (200, "QTY"), (400, "AMOUNT")],
            [(0, "1072"), (200, "1"), (400, "80.00")],
            [(0, "REPAIR ENGINE SPRAYER")],
            [(0, "WORKMANSHIP & SERVICE")],
            [(0, "1071"), (200, "1"), (400, "17.00")],
            [(0, "ENGINE OIL")],
            [(0, "TOTAL"), (400, "97.00")],
        ]
    )
    assert [texts(it) for it in found] == [["REPAIR ENGINE SPRAYER", "WORKMANSHIP & SERVICE"], ["ENGINE OIL"]]


def test_text_first_descriptions_stand_above_their_row():
    found = items(
        [
            [(0, "QTY"), (100, "DESCRIPTION"), (400, "AMOUNT")],
            [(0, "WALL'S TOPTEN CHOCOLATE")],
            [(0, "1"), (400, "1.60")],
            [(0, "MAGNUM ALMOND 90ML")],
            [(0, "1"), (400, "4.50")],
            [(0, "TOTAL"), (400, "6.10")],
        ]
    )
    assert [texts(it) for it in found] == [["WALL'S TOPTEN CHOCOLATE"], ["MAGNUM ALMOND 90ML"]]


def test_a_detail_row_left_of_the_totals_joins_the_item_above():
    found = items(
        [
            [(0, "ITEM"), (250, "QTY"), (400, "AMOUNT")],
            [(0, "GARDENIA WHOLEMEAL"), (250, "2"), (400, "6.20")],
            [(40, "@ 3.10")],
            [(0, "DUTCH LADY UHT 1L"), (250, "1"), (400, "6.45")],
            [(40, "@ 6.45")],
            [(0, "TOTAL"), (400, "12.65")],
        ]
    )
    assert len(found) == 2
    assert [[r.text for r in it.details] for it in found] == [["@ 3.10"], ["@ 6.45"]]


def test_headings_labels_and_totals_describe_no_item():
    found = items(
        [
            [(150, "TAX INVOICE")],
            [(0, "PYEDRAIN CLOG FREE 1000ML")],
            [(0, "WA05 - 12")],  # a code between the name and the values is stepped over
            [(0, "9556268000210"), (200, "3 X 15.00"), (400, "45.00")],
            [(0, "ITEM COUNT")],
            [(0, "TOTAL"), (400, "45.00")],
        ]
    )
    (item,) = found
    assert texts(item) == ["PYEDRAIN CLOG FREE 1000ML"]


def test_discounts_are_labelled_candidates():
    found = items(
        [
            [(0, "CANON CAL GREY"), (400, "29.90")],
            [(0, "Member Discount"), (400, "-2.99")],
            [(0, "TOTAL"), (400, "26.91")],
        ]
    )
    assert [(it.label, it.negative) for it in found] == [(None, False), ("skip", True)]
