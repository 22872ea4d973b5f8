"""Which candidate rows of a page are items of a `list[Model]` field: layout rules where they are sure, the model
where they are not; each row is used once and the list keeps the page's order, so its length comes from the page.

Rules first: a row of values under a table's header is an item (`table`); a row that names a tax, a discount, a
rounding or a service charge, or whose line total is negative, is not (`label`); rows of values on a page whose
table has no header are items when with them the list adds up to a total printed on the page (`sum`). The model
decides the rest: under the extraction prompt, each row's text is scored (token log-probs) as the first item of
the list and as a row that is not an item (a total, a tax, a payment); the difference, measured against the same
difference of the rows the rules decided on the page, says item or not.

When the chosen list fails a consistency check, `decide` is asked again with the error in the prompt and scores
every row; `selections` then offers the model's most likely list first and the lists one or two uncertain rows
away from it after it, for the caller to check in turn.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from statistics import mean
from typing import Any

from ocula.adapters.models.base import Message, ModelAdapter
from ocula.pipelines.grounding.item_checks import PageTotals, page_totals, sum_errors
from ocula.pipelines.grounding.item_fields import Filled, ItemShape, fill_item
from ocula.pipelines.grounding.item_rows import ItemRows, item_rows
from ocula.pipelines.grounding.layout_tables import bound_rows
from ocula.pipelines.grounding.lines import DocLine
from ocula.pipelines.grounding.rows import group_rows
from ocula.pipelines.grounding.tables import table_regions, table_words
from ocula.schemas import BBox
from ocula.schemas.packs import Rules

# The model's item-minus-other score above which a row is an item when no row of the page was decided by a
# rule to compare with (measured on the bundled model: items scored -1.0 and above, totals and payments -1.4
# and below, on the sample receipt).
DEFAULT_THRESHOLD = -1.2
MARGIN = 0.5  # log-prob a row must score above (below) the known non-items (items) to count as one (not)
RULE_WEIGHT = 0.5  # on a retry, how much a rule's decision counts against the model's
MAX_FLIPS = 2
FLIP_POOL = 6  # uncertain rows whose decisions a retry may change
MAX_SELECTIONS = 24


@dataclass
class RowCandidate:
    """A candidate item: its rows, the values its cells give the item's fields, the rule that decided it (None:
    the model decides) and the probability that it is an item."""

    item: ItemRows
    values: dict[str, Filled]
    rule: str | None = None
    probability: float = 0.5

    @property
    def chosen(self) -> bool:
        return self.probability >= 0.5

    @property
    def text(self) -> str:
        desc = next((v.value for v in self.values.values() if isinstance(v.value, str)), None)
        return desc or self.item.text


def candidates(
    lines: Sequence[DocLine], shape: ItemShape, rules: Rules, tables: Mapping[int, Sequence[BBox]] | None = None
) -> tuple[list[RowCandidate], PageTotals]:
    """The candidate items of the page for `shape`, in page order, with the rules' decisions, and the page's
    totals (for the consistency checks). `tables`: the table regions a layout model found, by page; they bound
    the rows looked at for items (`layout_tables.bound_rows`), not those looked at for totals."""
    words = table_words(rules).with_fields(shape.field_words())
    rows = group_rows(lines, rules)
    widths = {}
    for page in {ln.page for ln in lines}:
        on_page = [ln.box for ln in lines if ln.page == page]
        widths[page] = max(b.x1 for b in on_page) - min(b.x0 for b in on_page)
    out: list[RowCandidate] = []
    for region in table_regions(bound_rows(rows, tables) if tables else rows, words):
        for item in item_rows(region, shape.anchor, words, widths[region.page]):
            values = fill_item(item, shape, region)
            if values is None:
                continue
            if item.label is not None or item.negative:
                out.append(RowCandidate(item, values, "label", 0.0))
            elif region.header:
                out.append(RowCandidate(item, values, "table", 1.0))
            else:
                out.append(RowCandidate(item, values))
    return out, page_totals(rows, words)


def settle_by_sum(cands: list[RowCandidate], shape: ItemShape, totals: PageTotals) -> None:
    """Rows no rule decided are items when, with them, the list adds up to a total printed on the page (give or
    take its tax, rounding and discount rows): the arithmetic settles them and the model is not asked."""
    undecided = [c for c in cands if c.rule is None]
    if not undecided or not totals.totals or shape.by_role("amount") is None:
        return
    items = [{k: v.value for k, v in c.values.items()} for c in cands if c.rule is None or c.chosen]
    if items and not sum_errors(items, shape, totals):
        for c in undecided:
            c.rule, c.probability = "sum", 1.0


def _ask(messages: Sequence[Message], text: str) -> list[Message]:
    """The extraction prompt with `text` added to its last message (the document stays where it was, so the
    prompt's cache is shared with the fields ranked before)."""
    *head, last = messages
    return [*head, Message(last.role, last.text + text, last.images)]


def _key(shape: ItemShape) -> str:
    desc = shape.by_role("description") or shape.by_role("text")
    return desc.name if desc is not None else "text"


def _scores(
    model: ModelAdapter, messages: Sequence[Message], shape: ItemShape, texts: list[str], errors: Sequence[str]
) -> list[float]:
    """Per text: log-prob as the list's first item minus log-prob as a row that is not an item."""
    key = _key(shape)
    about = f" ({shape.description})" if shape.description else ""
    told = "".join(f"\n{e}" for e in errors)
    item_ask = _ask(messages, f'\nOnly the field "{shape.name}"{about}.{told}')
    other_ask = _ask(messages, f"\nOnly the rows that are not {shape.name}: totals, taxes, discounts, payments.")
    continuations = [json.dumps(t, ensure_ascii=False) for t in texts]
    as_item = model.token_logprobs(model.render(item_ask, '{"' + shape.name + '":[{"' + key + '":'), continuations)
    as_other = model.token_logprobs(model.render(other_ask, '{"other_rows":[{"' + key + '":'), continuations)
    return [sum(a) - sum(b) for a, b in zip(as_item, as_other, strict=True)]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))


def decide(
    model: ModelAdapter | None,
    messages: Sequence[Message],
    shape: ItemShape,
    cands: list[RowCandidate],
    errors: Sequence[str] = (),
) -> None:
    """Set each candidate's probability of being an item (see the module docstring): the rules' decisions stay,
    the model decides the others; with `errors` (a retry) the model scores every row, told what was wrong."""
    asked = list(cands) if errors else [c for c in cands if c.rule is None]
    if not asked or model is None or not model.can_score:
        return
    refs = [] if errors else [c for c in cands if c.rule is not None]
    scored = asked + refs
    scores = dict(zip(map(id, scored), _scores(model, messages, shape, [c.text for c in scored], errors), strict=True))
    items = [scores[id(c)] for c in scored if c.rule in ("table", "sum")]
    others = [scores[id(c)] for c in scored if c.rule == "label"]
    if items and others:
        threshold = (mean(items) + mean(others)) / 2
    elif others:  # above the most item-like of the rows known not to be items
        threshold = max(others) + MARGIN
    elif items:
        threshold = min(items) - MARGIN
    else:
        threshold = DEFAULT_THRESHOLD
    for c in asked:
        p = _sigmoid(scores[id(c)] - threshold)
        if c.rule is not None:  # a retry: the rule still counts
            p = RULE_WEIGHT * (0.0 if c.rule == "label" else 1.0) + (1 - RULE_WEIGHT) * p
        c.probability = p


def selections(cands: Sequence[RowCandidate]) -> Iterator[list[bool]]:
    """Which candidates are items: the most likely choice first, then choices that differ in one or two of the
    `FLIP_POOL` least certain rows, the likelier first."""
    base = [c.chosen for c in cands]
    yield base
    doubt = sorted(range(len(cands)), key=lambda i: abs(cands[i].probability - 0.5))[:FLIP_POOL]
    flips: list[tuple[float, tuple[int, ...]]] = []
    for n in range(1, MAX_FLIPS + 1):
        for chosen in combinations(doubt, n):
            cost = sum(abs(cands[i].probability - 0.5) for i in chosen)
            flips.append((cost, chosen))
    for _, chosen in sorted(flips)[: MAX_SELECTIONS - 1]:
        yield [(not b) if i in chosen else b for i, b in enumerate(base)]


def chosen_values(cands: Sequence[RowCandidate], picks: Sequence[bool]) -> list[dict[str, Any]]:
    return [{k: v.value for k, v in c.values.items()} for c, keep in zip(cands, picks, strict=True) if keep]


__all__ = ["RowCandidate", "candidates", "chosen_values", "decide", "selections", "settle_by_sum"]
