"""Labels as a generic mechanism: a field's label words, where a page prints them, and the value beside them."""

import json

from pydantic import BaseModel, Field

from ocula.adapters.models.base import Capabilities, Message, ModelAdapter
from ocula.pipelines.extract.ocr_llm import schema_constraint
from ocula.pipelines.grounding.grammar import grounded_schema
from ocula.pipelines.grounding.label_words import ALIASES_KEY, field_labels
from ocula.pipelines.grounding.labels import find_labels
from ocula.pipelines.grounding.lines import DocLine
from ocula.pipelines.grounding.rank import rank_fields
from ocula.schemas import BBox
from ocula.schemas.kinds import EXCLUDE_KEY, LABELS_KEY
from ocula.schemas.packs import default_rules, vocab


def at(i: int, text: str, x: float, y: float) -> DocLine:
    """A line whose box starts at (x, y): 10 px per character, 15 px high."""
    return DocLine(i, 0, text, BBox(x0=x, y0=y, x1=x + 10 * len(text), y1=y + 15))


def page(*items: tuple[str, float, float]) -> list[DocLine]:
    return [at(i, text, x, y) for i, (text, x, y) in enumerate(items)]


class Memo(BaseModel):
    to: str | None = Field(None, description="Who the document is addressed to (the 'To' field)")
    from_: str | None = Field(None, description="Who the document is from (the 'From' field)")
    date: str | None = Field(None, description="The date of the document (the 'Date' field)")
    fax: str | None = Field(None, description="The fax number (the 'Fax' field)")
    cc: str | None = Field(None, description="Who receives a copy of the document (the 'cc' field)")


def choices(lines, schema=Memo):
    grounded = grounded_schema(schema_constraint(schema).schema, lines)
    return grounded, {
        name: (choice.decided, [(c.candidate.text, c.relation) for c in choice.candidates])
        for name, choice in grounded.labels.items()
    }


def test_a_fields_label_words_come_from_its_name_description_aliases_hint_and_packs():
    rules = default_rules()
    assert field_labels("fax_number", {}, rules)[:2] == ("fax number", "fax")
    assert "telephone" in field_labels("phone", {}, rules)  # the packs' words for a field named phone
    described = field_labels("sender", {"description": "Who it is from (the 'From' field), the company's name"}, rules)
    assert described == ("sender", "from")  # a quote, not an apostrophe
    assert "attn" in field_labels("to", {ALIASES_KEY: ["Attn"]}, rules)
    assert "grand total" in field_labels("amount", {LABELS_KEY: [vocab("total")]}, rules)


def test_the_value_after_the_label_on_its_line_stops_at_the_next_label():
    _, found = choices(page(("ACME MEMO", 100, 0), ("TO: Jack Reilly FROM: Joe Smith", 0, 40)))
    assert found["to"] == (True, [("Jack Reilly", "after")])
    assert found["from_"] == (True, [("Joe Smith", "after")])


def test_the_value_right_of_the_label_on_its_row_and_of_the_fields_kind():
    lines = page(("DATE", 0, 40), ("12/03/98", 150, 41), ("Printed 01/01/99 at the head office", 0, 200))
    grounded, found = choices(lines)
    assert found["date"] == (True, [("12/03/98", "right")])
    assert grounded.schema["properties"]["date"]["anyOf"][0]["enum"] == ["12/03/98"]


def test_the_value_below_the_label_in_its_column():
    _, found = choices(page(("Fax #", 0, 40), ("555-123-4567", 4, 60), ("Other 555-999-0000", 400, 100)))
    assert found["fax"] == (True, [("555-123-4567", "below")])


def test_a_label_is_not_a_value():
    _, found = choices(page(("cc:", 0, 40), ("From:", 0, 60), ("Ann Lee", 0, 80)))
    assert "cc" not in found  # the line below the cc label is the From label, not a copy's recipient
    assert found["from_"] == (True, [("Ann Lee", "below")])


def test_labels_are_found_whatever_their_case_and_an_ocr_slip_but_not_inside_a_sentence():
    lines = page(("SUBIECT: Budget review", 0, 0), ("Sent from the head office", 0, 40), ("tO: Ann", 0, 80))
    hits = find_labels(lines, ["subject", "from", "to"])
    assert [(h.line.id, h.phrase) for h in hits] == [(0, "subject"), (2, "to")]


def test_a_field_with_a_layout_rule_of_its_own_keeps_it():
    class Receipt(BaseModel):
        date: str | None = Field(None, json_schema_extra={EXCLUDE_KEY: ["expiry"]})

    _, found = choices(page(("Date: 01/02/2020", 0, 0)), Receipt)
    assert found == {}


class Prefers(ModelAdapter):
    """Scores a value by how many of `liked`'s words it holds; keeps the prompts it was asked."""

    name = "prefers"
    backend = "test"
    capabilities = Capabilities(constraints=frozenset({"json_schema"}))

    def __init__(self, liked: str) -> None:
        self.liked = set(liked.split())
        self.prompts: list[str] = []

    def render(self, messages, assistant_prefix: str = "") -> str:
        return "\n".join(m.text for m in messages) + assistant_prefix

    def token_logprobs(self, prompt, continuations):
        self.prompts.append(prompt)
        return [[-1.0 + 0.9 * len(self.liked & set(json.loads(t).split()))] for t in continuations]

    def generate(self, request):  # pragma: no cover - ranking only
        raise NotImplementedError


def test_the_rule_decides_a_clear_label_and_the_model_chooses_with_the_label_named_when_it_is_not():
    class Letter(BaseModel):
        to: str | None = Field(None, description="Who the letter is addressed to")
        date: str | None = None

    # two "To" labels alike: the rule cannot tell them apart
    lines = page(("To: Ann Lee", 0, 0), ("Date: 01/02/2020", 0, 40), ("To: Bob Ray", 0, 300), ("12/12/2012", 0, 500))
    bounded = schema_constraint(Letter)
    grounded = grounded_schema(bounded.schema, lines)
    model = Prefers("Bob")
    ranking = rank_fields(model, lambda _: [Message("user", "doc")], bounded.schema, grounded, lines)
    assert ranking.fields["date"].value == "01/02/2020" and ranking.fields["date"].rule == "label"
    assert ranking.fields["date"].probability == 1.0
    assert ranking.fields["to"].value == "Bob Ray" and ranking.fields["to"].candidates == 2
    assert ranking.fields["to"].probability < 1.0  # the model chose
    assert 'beside the label "To"' in model.prompts[0]


def test_a_value_runs_on_over_the_lines_of_its_block_but_not_into_the_next_rows_label():
    lines = page(
        ("cc:", 0, 0),
        ("RSS", 50, 0),
        ("RDC", 50, 15),
        ("Records Leader", 50, 30),
        ("Brand:", 0, 100),
        ("PHOENIX", 70, 100),
        ("Style:", 0, 114),
        ("HLB - KS", 70, 114),
    )
    _, found = choices(lines, Memo)
    assert found["cc"] == (True, [("RSS RDC Records Leader", "right")])

    class Product(BaseModel):
        brand: str | None = Field(None, description="The brand (the 'Brand' field)")

    _, found = choices(lines, Product)
    assert found["brand"] == (True, [("PHOENIX", "right")])  # "HLB - KS" is the Style's value


def test_a_label_glued_to_its_value_qualified_or_with_a_plural_mark_is_still_its_label():
    class Product(BaseModel):
        brand: str | None = None
        date: str | None = None

    _, found = choices(page(("Brand(s): Camel", 0, 0), ("DATE3/17/82", 0, 100)), Product)
    assert found == {"brand": (True, [("Camel", "after")]), "date": (True, [("3/17/82", "after")])}
    _, found = choices(page(("BRAND NAME: PALL MALL", 0, 0)), Product)
    assert found["brand"] == (True, [("PALL MALL", "after")])


def test_a_column_heading_takes_the_value_under_it_and_a_row_label_the_value_right_of_it():
    class Sheet(BaseModel):
        brand: str | None = None
        subject: str | None = None
        fax: str | None = None

    headings = page(("BRAND", 0, 0), ("MEDIUM", 150, 0), ("LUCKY STRIKE", 0, 16), ("Outdoor", 150, 16))
    assert choices(headings, Sheet)[1]["brand"] == (True, [("LUCKY STRIKE", "below")])
    rows = page(("Brand", 0, 0), ("OLD GOLD", 150, 0), ("Length", 0, 16), ("85 mm", 150, 16))
    assert choices(rows, Sheet)[1]["brand"] == (True, [("OLD GOLD", "right")])
    # a value may begin with another field's label word when that word is not marked as a label
    _, found = choices(page(("Subject:", 0, 0), ("Fax Received", 100, 0)), Sheet)
    assert found["subject"] == (True, [("Fax Received", "right")])


def test_a_field_named_like_a_packs_vocabulary_takes_that_locales_label_words():
    from decimal import Decimal

    class Bill(BaseModel):
        total: Decimal | None = None

    lines = page(("Artikel 3,20", 0, 0), ("SUMME 12,50", 0, 20), ("Gegeben 20,00", 0, 40))
    grounded = grounded_schema(schema_constraint(Bill).schema, lines, ["de"])
    choice = grounded.labels["total"]
    assert choice.decided and choice.label == "SUMME"
    assert grounded.schema["properties"]["total"]["anyOf"][0]["enum"] == [12.5]


def test_labels_are_for_the_documents_own_fields_not_a_nested_objects_or_a_rows():
    class Item(BaseModel):
        attn: str | None = Field(None, description="the 'To' field")

    class Sheet(BaseModel):
        items: list[Item] = []
        sender: Item | None = None
        to: str | None = None

    _, found = choices(page(("To: Ann Lee", 0, 0), ("Bob Ray", 0, 200)), Sheet)
    assert found == {"to": (True, [("Ann Lee", "after")])}
