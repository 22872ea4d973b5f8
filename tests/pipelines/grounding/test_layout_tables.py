from ocula.pipelines.grounding.item_choice import candidates
from ocula.pipelines.grounding.item_fields import item_shape
from ocula.pipelines.grounding.layout_tables import bound_rows, page_tables
from ocula.pipelines.grounding.rows import group_rows
from ocula.pipelines.grounding.tables import table_words
from ocula.schemas import BBox, Detection, OCRPage
from ocula.schemas.packs import default_rules
from tests.fixtures.table_page import ROW, table_lines

# a page: a heading with a number, a table of three items, a total, then a footer with a phone number
PAGE = [
    [(0, "Order 12345")],
    [(0, "ITEM"), (300, "QTY"), (400, "AMOUNT")],
    [(0, "Apple"), (300, "2"), (400, "3.00")],
    [(0, "Pear"), (300, "1"), (400, "1.50")],
    [(0, "Plum"), (300, "4"), (400, "2.00")],
    [(0, "TOTAL"), (400, "6.50")],
    [(0, "Call 555 0100"), (400, "7.25")],
]


def table(first: int, last: int, page: int = 0) -> BBox:
    """A table region over rows `first` to `last` of the page."""
    return BBox(x0=0, y0=first * ROW, x1=480, y1=last * ROW + 20, page=page)


def texts(rows):
    return [r.text for r in rows]


def test_rows_are_bounded_by_the_page_tables_with_the_header_just_above():
    rows = group_rows(table_lines(PAGE))
    kept = bound_rows(rows, {0: [table(2, 4)]})  # the model left the header row out of the table
    assert texts(kept) == ["ITEM QTY AMOUNT", "Apple 2 3.00", "Pear 1 1.50", "Plum 4 2.00"]


def test_pages_without_a_table_or_with_no_values_in_it_keep_all_their_rows():
    rows = group_rows(table_lines(PAGE)) + group_rows(table_lines(PAGE, page=1, first_id=100))
    assert bound_rows(rows, {}) == rows
    kept = bound_rows(rows, {1: [table(2, 4, page=1)]})
    assert [r for r in kept if r.page == 0] == [r for r in rows if r.page == 0]
    assert len([r for r in kept if r.page == 1]) == 4
    # a "table" beside the text holds no row of values: it bounds nothing
    assert bound_rows(rows[:7], {0: [BBox(x0=600, y0=0, x1=700, y1=200)]}) == rows[:7]


def test_page_tables_are_the_table_regions_of_each_page():
    regions = [Detection(label="table", box=table(1, 4)), Detection(label="header", box=table(0, 0))]
    pages = [OCRPage(page=3, width=500, height=300, regions=regions), OCRPage(page=4, width=500, height=300)]
    assert page_tables(pages) == {3: [table(1, 4, page=3)]}


def test_a_row_outside_the_table_is_no_candidate_item():
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "quantity": {"type": "integer"}, "amount": {"type": "number"}},
    }
    rules = default_rules()
    shape = item_shape("items", {"type": "array", "items": schema}, {}, rules, table_words(rules))
    lines = table_lines([*PAGE[1:5], [(0, "Call 555 0100"), (400, "7.25")], [(0, "TOTAL"), (400, "6.50")]])
    loose, _ = candidates(lines, shape, rules)
    bounded, _ = candidates(lines, shape, rules, {0: [table(0, 3)]})
    assert "Call 555 0100 7.25" in [c.item.text for c in loose]
    assert [c.item.text for c in bounded] == ["Apple 2 3.00", "Pear 1 1.50", "Plum 4 2.00"]
