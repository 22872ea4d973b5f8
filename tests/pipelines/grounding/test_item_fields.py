from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ocula.pipelines.grounding.item_fields import fill_item, item_shape
from ocula.pipelines.grounding.item_rows import item_rows
from ocula.pipelines.grounding.rows import group_rows
from ocula.pipelines.grounding.tables import table_regions, table_words
from ocula.schemas.constraints import bounded_schema
from ocula.schemas.packs import default_rules
from ocula.schemas.ready import Invoice, Receipt
from tests.fixtures.table_page import table_lines

RULES = default_rules()
WORDS = table_words(RULES)


def shape_of(schema, name="items"):
    js = bounded_schema(schema).schema
    return item_shape(name, js["properties"][name], js.get("$defs", {}), RULES, WORDS)


def filled(schema, rows, name="items"):
    shape = shape_of(schema, name)
    words = WORDS.with_fields(shape.field_words())
    out = []
    for region in table_regions(group_rows(table_lines(rows)), words):
        for it in item_rows(region, shape.anchor, words, width=500):
            values = fill_item(it, shape, region)
            out.append({k: v.value for k, v in (values or {}).items()})
    return out


def test_roles_come_from_type_kind_and_name():
    assert {f.name: f.role for f in shape_of(Invoice).fields} == {
        "description": "description",
        "quantity": "quantity",
        "unit_price": "unit_price",
        "amount": "amount",
    }
    assert shape_of(Receipt).anchor == "amount"


def test_columns_of_a_header_decide():
    rows = [
        [(0, "Description"), (250, "Qty"), (320, "Unit price"), (440, "Amount")],
        [(0, "A4 copier paper (box of 5)"), (270, "6"), (340, "24.50"), (450, "147.00")],
        [(0, "Gel pens, black"), (270, "4"), (350, "8.75"), (460, "35.00")],
        [(320, "Subtotal"), (450, "182.00")],
    ]
    assert filled(Invoice, rows) == [
        {
            "amount": Decimal("147.00"),
            "unit_price": Decimal("24.50"),
            "quantity": Decimal(6),
            "description": "A4 copier paper (box of 5)",
        },
        {
            "amount": Decimal("35.00"),
            "unit_price": Decimal("8.75"),
            "quantity": Decimal(4),
            "description": "Gel pens, black",
        },
    ]


def test_without_a_header_position_decides_and_the_product_picks_the_quantity():
    rows = [[(0, "2"), (40, "pc"), (80, "4"), (200, "6.90"), (400, "13.80")], [(0, "TOTAL"), (400, "13.80")]]
    (item,) = filled(Invoice, rows)
    # "2 pc 4 6.90" (the '@' read as '4'): the quantity whose product with the unit price is the line total
    assert (
        item["quantity"] == Decimal(2) and item["unit_price"] == Decimal("6.90") and item["amount"] == Decimal("13.80")
    )


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: str = Field(max_length=40)
    permit: int | None = Field(default=None, ge=0)
    long_gun: int | None = Field(default=None, ge=0)


class Checks(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rows: list[Row] = Field(default_factory=list, max_length=60)


def test_a_user_model_gets_the_columns_its_field_names_head():
    rows = [
        [(0, "State / Territory"), (200, "Permit"), (300, "Handgun"), (400, "Long Gun")],
        [(0, "Alabama"), (200, "18,870"), (300, "23,022"), (400, "22,650")],
        [(0, "Alaska"), (220, "209"), (300, "3,062"), (400, "3,209")],
    ]
    assert filled(Checks, rows, "rows") == [
        {"state": "Alabama", "permit": 18870, "long_gun": 22650},
        {"state": "Alaska", "permit": 209, "long_gun": 3209},
    ]
