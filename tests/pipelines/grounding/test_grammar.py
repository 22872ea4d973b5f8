from datetime import date as Date
from decimal import Decimal

from pydantic import BaseModel, Field

from ocula.pipelines.grounding.grammar import grounded_schema
from ocula.pipelines.grounding.lines import DocLine
from ocula.schemas import BBox
from ocula.schemas.constraints import bounded_schema
from ocula.schemas.kinds import DateText, MultilineText


class R(BaseModel):
    company: str
    date: DateText | None = None
    address: MultilineText | None = None
    total: Decimal | None = Field(default=None, ge=0, le=1000)
    when: Date | None = None


LINES = [
    DocLine(i, 0, t, BBox(x0=0, y0=i * 20, x1=200, y1=i * 20 + 15))
    for i, t in enumerate(["ACME STORE", "1 MAIN ST", "SPRINGFIELD", "11/01/2019", "TOTAL 12.50", "CASH 5000.00"])
]


def test_leaves_become_page_enums_of_their_kind():
    g = grounded_schema(bounded_schema(R).schema, LINES)
    props = g.schema["properties"]
    assert "ACME STORE" in props["company"]["enum"]
    dates = next(a for a in props["date"]["anyOf"] if "enum" in a)["enum"]
    assert dates == ["11/01/2019"]
    totals = next(a for a in props["total"]["anyOf"] if "enum" in a)["enum"]
    assert totals == [12.5]  # 5000.00 is out of the field's bounds
    iso = next(a for a in props["when"]["anyOf"] if "enum" in a)["enum"]
    assert iso == ["2019-01-11", "2019-11-01"]  # both readings of an ambiguous date
    addresses = next(a for a in props["address"]["anyOf"] if "enum" in a)["enum"]
    assert "1 MAIN ST SPRINGFIELD" in addresses
    # every string value in the grammar is printed on the page (or a join of consecutive lines)
    page_text = " ".join(ln.text for ln in LINES)
    assert all(v in page_text for v in props["company"]["enum"])


def test_lookup_maps_values_back_to_lines():
    g = grounded_schema(bounded_schema(R).schema, LINES)
    (cand,) = g.lookup(g.kinds["total"], 12.5)
    assert cand.line_ids == (4,) and cand.box.y0 == 80
    assert g.lookup(g.kinds["address"], "1 MAIN ST SPRINGFIELD")[0].line_ids == (1, 2)


def test_grounding_never_leaves_a_free_leaf_while_the_page_has_text():
    g = grounded_schema(bounded_schema(R).schema, LINES[:1])
    assert g.ungrounded == []
    assert g.schema["properties"]["total"]["anyOf"] == [{"type": "null"}]


def test_layout_hints_narrow_candidates():
    from ocula.schemas.kinds import EXCLUDE_KEY, LABELS_KEY, TOP_KEY

    class H(BaseModel):
        company: str = Field(json_schema_extra={TOP_KEY: 1})
        total: Decimal | None = Field(default=None, json_schema_extra={LABELS_KEY: ["total"], EXCLUDE_KEY: ["cash"]})

    lines = [
        DocLine(0, 0, "ACME STORE", BBox(x0=0, y0=0, x1=100, y1=15)),
        DocLine(1, 0, "SUB 9.00", BBox(x0=0, y0=20, x1=100, y1=35)),
        DocLine(2, 0, "TOTAL", BBox(x0=0, y0=40, x1=50, y1=55)),
        DocLine(3, 0, "12.50", BBox(x0=150, y0=41, x1=200, y1=54)),  # same row as TOTAL
        DocLine(4, 0, "CASH TOTAL 20.00", BBox(x0=0, y0=60, x1=150, y1=75)),
    ]
    g = grounded_schema(bounded_schema(H).schema, lines)
    assert g.schema["properties"]["company"]["enum"] == ["ACME STORE"]
    totals = next(a for a in g.schema["properties"]["total"]["anyOf"] if "enum" in a)["enum"]
    assert totals == [12.5]


def test_excluded_words_drop_a_row_only_when_no_wanted_label_stands_on_its_own():
    from ocula.schemas.kinds import EXCLUDE_KEY, LABELS_KEY

    class T(BaseModel):
        total: Decimal | None = Field(
            default=None,
            json_schema_extra={LABELS_KEY: ["total"], EXCLUDE_KEY: ["sub total", "gst", "qty", "cash", "supplies"]},
        )

    rows = [
        "Sub Total 40.00",
        "Total GST 2.40",
        "Total Qty 3.00",
        "Total 0% supplies: 139.01",  # the qualifier may follow a rate
        "Total Sales (Inclusive of GST) 42.40",
        "Cash 50.00",
    ]
    lines = [DocLine(i, 0, text, BBox(x0=0, y0=20 * i, x1=300, y1=20 * i + 15)) for i, text in enumerate(rows)]
    g = grounded_schema(bounded_schema(T).schema, lines)
    totals = next(a for a in g.schema["properties"]["total"]["anyOf"] if "enum" in a)["enum"]
    assert totals == [42.4]


def test_optional_field_with_nothing_of_its_kind_can_only_be_null():
    no_dates = [ln for ln in LINES if "/" not in ln.text]
    g = grounded_schema(bounded_schema(R).schema, no_dates)
    assert g.schema["properties"]["date"]["anyOf"] == [{"type": "null"}]


def test_required_field_with_nothing_of_its_kind_falls_back_to_page_lines():
    class Need(BaseModel):
        phone: str

    g = grounded_schema(bounded_schema(Need).schema, LINES)
    assert g.schema["properties"]["phone"]["enum"][0] == "ACME STORE"
    assert "phone" not in g.ungrounded


def test_receipt_date_is_not_a_card_expiry_date():
    from ocula.schemas.ready.receipt import Receipt

    rows = ["ACME STORE SDN BHD", "27/02/18 21:22", "Card Expiry: 31/05/18", "TOTAL 12.50"]
    lines = [DocLine(i, 0, text, BBox(x0=0, y0=20 * i, x1=300, y1=20 * i + 15)) for i, text in enumerate(rows)]
    g = grounded_schema(bounded_schema(Receipt).schema, lines)
    dates = next(a for a in g.schema["properties"]["date"]["anyOf"] if "enum" in a)["enum"]
    assert dates == ["27/02/18"]


def test_receipt_total_is_the_amount_after_cash_rounding():
    from ocula.schemas.ready.receipt import Receipt

    def totals(rows: list[str]) -> list[float]:
        lines = [DocLine(i, 0, text, BBox(x0=0, y0=20 * i, x1=300, y1=20 * i + 15)) for i, text in enumerate(rows)]
        g = grounded_schema(bounded_schema(Receipt).schema, lines)
        return next(a for a in g.schema["properties"]["total"]["anyOf"] if "enum" in a)["enum"]

    rows = ["ACME STORE SDN BHD", "Total Sales (Inclusive GST) RM 45.34", "Rounding Adjustment RM 0.01"]
    assert totals(rows) == [45.34]  # the adjustment is not the total
    assert totals([*rows, "Rounding RM 45.35", "CREDIT RM 45.35"]) == [45.35]
    assert totals([*rows, "Rounding RM 48.35"]) == [45.34]  # too far from the total to be its rounding


def test_required_field_with_no_text_on_the_page_can_only_be_null():
    """No candidate at all (a blank page): the grammar offers null, never a free string the model could invent."""

    class Need(BaseModel):
        company: str
        tags: list[str] = Field(min_length=1)
        total: Decimal

    g = grounded_schema(bounded_schema(Need).schema, [])
    props = g.schema["properties"]
    assert props["company"] == {"title": "Company", "type": "null"}
    assert all(alt == {"type": "null"} for alt in props["total"]["anyOf"])  # a Decimal: one alternative or two
    assert props["tags"]["maxItems"] == 0 and "minItems" not in props["tags"]
    assert set(g.ungrounded) == {"company", "tags", "total"}


def test_a_dict_on_the_grounded_engine_is_refused_naming_its_field():
    import pytest

    from ocula.pipelines.grounding.grammar import free_text_fields, refuse_free_text
    from ocula.schemas.errors import SchemaError

    class Inner(BaseModel):
        counts: dict[str, int]

    class Outer(BaseModel):
        name: str
        inner: Inner | None = None

    bounded = bounded_schema(Outer).schema
    assert free_text_fields(bounded) == ["inner.counts"]
    with pytest.raises(SchemaError, match="keys would be written by the model") as err:
        refuse_free_text(bounded)
    assert err.value.field == "inner.counts"
    refuse_free_text(bounded_schema(R).schema)  # no dict: nothing to refuse
