"""Lists of objects decoded as a choice of table rows, in the extraction pipeline: values spliced into the JSON
pass's answer, boxes per item and per cell, the consistency checks, the retry with the error fed back, the flag."""

import json
from decimal import Decimal

import pytest
from pydantic import BaseModel, ConfigDict, Field

from ocula.adapters.models.base import Capabilities, Generation, GenerationRequest, ModelAdapter
from ocula.pipelines.extract.lists import dumps, list_fields
from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor, schema_constraint
from ocula.schemas import Line, OCRPage
from ocula.schemas.ready import Invoice, Receipt
from tests.fixtures.table_page import table_lines


def page(rows) -> list[OCRPage]:
    lines = [Line(text=ln.text, box=ln.box) for ln in table_lines(rows)]
    return [OCRPage(page=0, width=600, height=40 * len(rows), lines=lines)]


class Writer(ModelAdapter):
    """Writes `answer` for the JSON pass (the fields the pass is asked for) and scores a row's text as an item
    by whether it holds one of `items` words; after a retry message, by `after` instead."""

    name = "writer"
    backend = "test"
    capabilities = Capabilities(constraints=frozenset({"json_schema"}))

    def __init__(self, answer: dict, items: set[str], after: set[str] | None = None, scores: bool = True) -> None:
        self.answer = answer
        self.items = items
        self.after = after
        self.scores = scores
        self.requests: list[GenerationRequest] = []
        self.prompts: list[str] = []

    @property
    def can_score(self) -> bool:
        return self.scores

    def render(self, messages, assistant_prefix: str = "") -> str:
        return "\n".join(m.text for m in messages) + assistant_prefix

    def token_logprobs(self, prompt, continuations):
        self.prompts.append(prompt)
        liked = self.after if self.after is not None and "add up to" in prompt else self.items
        as_item = '{"items":' in prompt
        return [[0.0 if any(w in json.loads(t) for w in liked) == as_item else -4.0] for t in continuations]

    def generate(self, request: GenerationRequest) -> Generation:
        self.requests.append(request)
        return Generation(text=json.dumps(self.answer))


SHOP = {"company": "KEDAI MAJU SDN BHD", "date": None, "address": None, "total": 20.1}
RECEIPT = [
    [(0, "KEDAI MAJU SDN BHD")],
    [(0, "ITEM"), (300, "QTY"), (420, "AMOUNT")],
    [(0, "MILO 3IN1 ACTIV-GO"), (300, "1"), (420, "13.90")],
    [(0, "GARDENIA WHOLEMEAL"), (300, "2"), (420, "6.20")],
    [(40, "@ 3.10")],
    [(0, "TOTAL"), (420, "20.10")],
    [(0, "CASH"), (420, "50.00")],
]


def run(model, rows, schema=Receipt, **options):
    return OcrLlmExtractor(model, None, ExtractOptions(decoding="json", **options)).run_on_pages(page(rows), schema)


def test_the_list_is_the_table_rows_each_once_with_boxes_per_item_and_cell():
    model = Writer(SHOP, set())
    result = run(model, RECEIPT)
    assert [i.model_dump() for i in result.value.items] == [
        {"description": "MILO 3IN1 ACTIV-GO", "quantity": Decimal(1), "unit_price": None, "amount": Decimal("13.90")},
        {
            "description": "GARDENIA WHOLEMEAL",
            "quantity": Decimal(2),
            "unit_price": Decimal("3.10"),
            "amount": Decimal("6.20"),
        },
    ]
    # the JSON pass was not asked for the list; the attempt records the answer with it
    grammar = json.loads(model.requests[0].constraint.spec)
    assert "items" not in grammar["properties"]
    assert json.loads(result.attempts[0].raw)["items"][1]["unit_price"] == 3.10
    milo, cell = result.fields["items/0"], result.fields["items/1/unit_price"]
    assert list(milo.value) == ["description", "quantity", "amount"]  # in the schema's order
    assert milo.box.y0 == 56 and milo.source.line_ids == [4, 5, 6] and milo.confidence == 1.0
    assert cell.value == 3.1 and cell.parsed == "3.10" and cell.box.x0 > 40 and cell.source.line_ids == [10]
    assert result.errors == [] and "items" not in result.fields


def test_an_empty_list_is_an_answer():
    result = run(Writer(SHOP, set()), [[(0, "KEDAI MAJU SDN BHD")], [(0, "THANK YOU")]])
    assert result.value.items == [] and result.errors == []


def test_a_list_that_does_not_add_up_is_retried_with_the_error_then_right():
    rows = [
        [(0, "KEDAI MAJU SDN BHD")],
        [(0, "CARLSBERG CAN"), (420, "106.50")],
        [(0, "POINTS EARNED"), (420, "12.00")],
        [(0, "TOTAL"), (420, "106.50")],
    ]
    # first the model takes both rows for items; told they add up to 118.50, it keeps the beer only
    model = Writer({**SHOP, "total": 106.5}, {"CARLSBERG", "POINTS"}, after={"CARLSBERG"})
    result = run(model, rows)
    assert [i.description for i in result.value.items] == ["CARLSBERG CAN"]
    assert result.errors == [] and any("add up to 118.50" in p for p in model.prompts)


def test_a_list_still_inconsistent_is_kept_and_flagged():
    rows = [
        RECEIPT[0],
        RECEIPT[1],
        [(0, "MILO 3IN1"), (300, "2"), (420, "13.90")],
        [(40, "@ 6.00")],
        [(0, "TOTAL"), (420, "13.90")],
    ]
    result = run(Writer({**SHOP, "total": 13.9}, set()), rows)
    assert len(result.value.items) == 1  # kept, not dropped
    (error,) = result.errors
    assert "items/0: quantity 2 x unit_price 6.00 is 12.00, not the amount 13.90" in error
    assert result.fields["items"].valid is False and result.fields["items"].error == error


class Line_(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product: str = Field(max_length=60)
    price: Decimal | None = None


class Order(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer: str | None = Field(default=None, max_length=60)
    lines: list[Line_] = Field(max_length=10)


def test_a_user_schema_with_a_required_list_of_a_nested_model():
    assert list_fields(schema_constraint(Order).schema) == ["lines"]
    rows = [
        [(0, "Ann Lee")],
        [(0, "Product"), (420, "Price")],
        [(0, "Tea"), (420, "3.00")],
        [(0, "Cake"), (420, "4.50")],
    ]
    result = run(Writer({"customer": "Ann Lee"}, set(), scores=False), rows, schema=Order)
    assert [(x.product, x.price) for x in result.value.lines] == [("Tea", Decimal("3.00")), ("Cake", Decimal("4.50"))]
    assert result.fields["lines/1/price"].box is not None


class Lines(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[Line_] = Field(max_length=10)


def test_a_schema_of_lists_only_asks_the_model_to_write_nothing():
    rows = [[(0, "Product"), (420, "Price")], [(0, "Tea"), (420, "3.00")]]
    model = Writer({}, set())
    result = run(model, rows, schema=Lines)
    assert [x.product for x in result.value.lines] == ["Tea"] and model.requests == []


def test_decimals_are_written_as_printed():
    assert dumps({"a": [Decimal("13.90"), None, "x"]}) == '{"a":[13.90,null,"x"]}'


@pytest.mark.slow
def test_sample_invoice_items_on_the_bundled_model(samples_dir, bundled_llm):
    import ocula

    truth = json.loads((samples_dir / "invoice.truth.json").read_text())["fields"]
    result = ocula.extract(samples_dir / "invoice.png", schema=Invoice, model=bundled_llm)
    assert result.errors == [] and result.attempts[-1].errors == []  # the sum validator passed
    assert len(result.value.items) == 5
    for i, item in enumerate(result.value.items):
        for key in ("description", "quantity", "unit_price", "amount"):
            want = truth[f"items[{i}].{key}"]["value"]
            got = getattr(item, key)
            assert (got == Decimal(want)) if key != "description" else got == want, (i, key)
            assert result.fields[f"items/{i}/{key}"].box is not None


class StateRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: str = Field(max_length=40, description="State or territory")
    permit: int | None = Field(default=None, ge=0)
    handgun: int | None = Field(default=None, ge=0)
    long_gun: int | None = Field(default=None, ge=0)
    totals: int | None = Field(default=None, ge=0)


class BackgroundChecks(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rows: list[StateRow] = Field(default_factory=list, max_length=80, description="One row per state")


@pytest.mark.slow
def test_a_pdf_table_gives_one_item_per_row_with_boxes(bundled_llm):
    """The NICS table (55 states and territories, a dense landscape page): one item per row, each once, in page
    order, its cells from the columns its field names head, each with its box."""
    import ocula
    from tests.conftest import SHARED_DATA

    pdf = SHARED_DATA / "pdfs" / "nics-background-checks-2015-11.pdf"
    if not pdf.exists():
        pytest.skip("the shared development PDFs are not here")
    result = ocula.extract(pdf, schema=BackgroundChecks, model=bundled_llm)
    rows = result.value.rows
    states = [r.state for r in rows]
    assert len(states) == 55 == len(set(states)) and states[0] == "Alabama" and states[-1] == "Wyoming"
    assert (rows[0].permit, rows[0].handgun, rows[0].long_gun, rows[0].totals) == (18870, 23022, 22650, 71137)
    tops = [result.fields[f"rows/{i}"].box.y0 for i in range(len(rows))]
    assert tops == sorted(tops)
    assert all(result.fields[f"rows/{i}/state"].box is not None for i in range(len(rows)))
