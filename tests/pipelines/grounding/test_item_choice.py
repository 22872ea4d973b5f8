"""Which rows are items: the rules' decisions, the model's for the rest, and the choices a retry offers."""

import json
from decimal import Decimal

from ocula.adapters.models.base import Capabilities, Generation, Message, ModelAdapter
from ocula.pipelines.grounding.item_choice import RowCandidate, candidates, decide, selections, settle_by_sum
from ocula.pipelines.grounding.item_fields import item_shape
from ocula.pipelines.grounding.tables import table_words
from ocula.schemas.constraints import bounded_schema
from ocula.schemas.packs import default_rules
from ocula.schemas.ready import Receipt
from tests.fixtures.table_page import table_lines

RULES = default_rules()
JS = bounded_schema(Receipt).schema
SHAPE = item_shape("items", JS["properties"]["items"], JS["$defs"], RULES, table_words(RULES))
MESSAGES = [Message("system", "extract"), Message("user", "Document: ...")]


class Scores(ModelAdapter):
    """Scores a row's text higher as an item the more of `items` words it holds, lower as a non-item row."""

    name = "scores"
    backend = "test"
    capabilities = Capabilities(constraints=frozenset({"json_schema"}))

    def __init__(self, items: set[str]) -> None:
        self.items = items
        self.prompts: list[str] = []

    def generate(self, request):  # pragma: no cover - not used
        return Generation(text="{}")

    def render(self, messages, assistant_prefix: str = "") -> str:
        return messages[-1].text + assistant_prefix

    def token_logprobs(self, prompt, continuations):
        self.prompts.append(prompt)
        as_item = '{"items":' in prompt
        out = []
        for text in continuations:
            liked = any(word in json.loads(text) for word in self.items)
            out.append([0.0 if liked == as_item else -3.0])
        return out


def test_rows_under_a_header_and_labelled_rows_are_decided_by_rules():
    lines = table_lines(
        [
            [(0, "ITEM"), (300, "QTY"), (400, "AMOUNT")],
            [(0, "MILO 3IN1"), (300, "1"), (400, "13.90")],
            [(0, "Member Discount"), (400, "-1.00")],
            [(0, "TOTAL"), (400, "12.90")],
        ]
    )
    cands, totals = candidates(lines, SHAPE, RULES)
    assert [(c.rule, c.chosen) for c in cands] == [("table", True), ("label", False)]
    assert totals.totals and cands[0].values["amount"].value == Decimal("13.90")
    model = Scores({"MILO"})
    decide(model, MESSAGES, SHAPE, cands)
    assert model.prompts == []  # nothing left to ask


def test_the_model_decides_rows_no_rule_decides():
    lines = table_lines(
        [
            [(0, "CARLSBERG CAN"), (400, "106.50")],
            [(0, "POINTS EARNED"), (400, "12.00")],
            [(0, "Rounding"), (400, "0.01")],
            [(0, "TOTAL"), (400, "106.51")],
            [(0, "CASH"), (400, "120.00")],
        ]
    )
    cands, _ = candidates(lines, SHAPE, RULES)
    assert [c.rule for c in cands] == [None, None, "label"]
    decide(Scores({"CARLSBERG"}), MESSAGES, SHAPE, cands)
    assert [c.chosen for c in cands] == [True, False, False]


def test_a_model_that_cannot_score_keeps_the_undecided_rows():
    lines = table_lines([[(0, "CARLSBERG CAN"), (400, "106.50")], [(0, "TOTAL"), (400, "106.50")]])
    cands, _ = candidates(lines, SHAPE, RULES)
    decide(None, MESSAGES, SHAPE, cands)
    assert [c.chosen for c in cands] == [True]


def test_a_retry_tells_the_model_the_error_and_scores_every_row():
    lines = table_lines(
        [
            [(0, "ITEM"), (300, "QTY"), (400, "AMOUNT")],
            [(0, "MILO 3IN1"), (300, "1"), (400, "13.90")],
            [(0, "TOTAL"), (400, "13.90")],
        ]
    )
    cands, _ = candidates(lines, SHAPE, RULES)
    model = Scores({"MILO"})
    decide(model, MESSAGES, SHAPE, cands, ["items: the line totals add up to 13.90"])
    assert model.prompts and all("add up to 13.90" in p for p in model.prompts if '{"items":' in p)
    assert cands[0].chosen and 0.5 < cands[0].probability <= 1.0


def test_selections_offer_the_likeliest_choice_then_the_nearest_ones():
    cands = [RowCandidate(None, {}, probability=p) for p in (0.9, 0.55, 0.2)]  # type: ignore[arg-type]
    choices = list(selections(cands))
    assert choices[0] == [True, True, False]
    assert choices[1] == [True, False, False]  # the least certain row flipped first
    assert len(choices) == len({tuple(c) for c in choices})


def test_rows_that_add_up_to_the_total_are_settled_without_the_model():
    lines = table_lines(
        [
            [(0, "CARLSBERG CAN"), (400, "106.50")],
            [(0, "CARLSBERG SMOOTH"), (400, "106.50")],
            [(0, "TOTAL SALES"), (400, "213.00")],
        ]
    )
    cands, totals = candidates(lines, SHAPE, RULES)
    settle_by_sum(cands, SHAPE, totals)
    assert [(c.rule, c.chosen) for c in cands] == [("sum", True), ("sum", True)]
    model = Scores(set())
    decide(model, MESSAGES, SHAPE, cands)
    assert model.prompts == []
    lines = table_lines(
        [[(0, "CARLSBERG CAN"), (400, "106.50")], [(0, "POINTS"), (400, "12.00")], [(0, "TOTAL"), (400, "106.50")]]
    )
    cands, totals = candidates(lines, SHAPE, RULES)
    settle_by_sum(cands, SHAPE, totals)
    assert [c.rule for c in cands] == [None, None]  # they do not add up: the model decides
