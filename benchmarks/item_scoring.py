"""Scoring of extracted line items against hand-labelled ones (`items_truth.json`).

Predicted items are matched one to one to true items (greedily, the best pairs first: the same amount counts
most, then the description's similarity); a pair needs the same amount or a matching description. Then:
- count exact: the number of predicted items is the number of true items;
- amount precision / recall / F1: matched pairs with the same line total (as a number with two decimals), over
  the predicted and the true items;
- description precision / recall / F1: matched pairs whose descriptions match, over the predicted and true items
  that have one (a true item with no printed name is left out, and so is the prediction matched to it);
- quantity accuracy: over matched pairs whose true item prints a quantity.
Descriptions are compared on their letters and digits, upper-case: they match when they are at least
`SIMILARITY` alike (difflib ratio), or the true name is inside the predicted one and the prediction is at most
`EXTRA_CHARS` longer (a code printed before the name).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from typing import Any

SIMILARITY = 0.8
EXTRA_CHARS = 20


def norm_desc(value: Any) -> str:
    return re.sub(r"[\W_]+", "", str(value or "").upper())


def norm_amount(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return f"{Decimal(str(value).replace(',', '')):.2f}"
    except InvalidOperation:
        return None


def desc_match(predicted: Any, truth: Any) -> bool:
    want, got = norm_desc(truth), norm_desc(predicted)
    if not want or not got:
        return False
    if SequenceMatcher(None, want, got).ratio() >= SIMILARITY:
        return True
    return want in got and len(got) - len(want) <= EXTRA_CHARS


def _same(a: Any, b: Any) -> bool:
    x, y = norm_amount(a), norm_amount(b)
    return x is not None and x == y


def match_items(predicted: Sequence[dict[str, Any]], truth: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
    """(predicted index, true index) pairs, each item in at most one pair."""
    scored = []
    for i, p in enumerate(predicted):
        for j, t in enumerate(truth):
            amount = _same(p.get("amount"), t.get("amount"))
            desc = desc_match(p.get("description"), t.get("description"))
            if amount or desc:
                sim = SequenceMatcher(None, norm_desc(p.get("description")), norm_desc(t.get("description"))).ratio()
                scored.append((2 * amount + desc + sim, -abs(i - j), i, j))
    pairs, used_p, used_t = [], set(), set()
    for _, _, i, j in sorted(scored, reverse=True):
        if i not in used_p and j not in used_t:
            pairs.append((i, j))
            used_p.add(i)
            used_t.add(j)
    return sorted(pairs)


@dataclass
class ItemScore:
    documents: int = 0
    count_exact: int = 0
    predicted: int = 0
    true: int = 0
    amount_hits: int = 0
    desc_predicted: int = 0
    desc_true: int = 0
    desc_hits: int = 0
    quantity_true: int = 0
    quantity_hits: int = 0
    per_document: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, key: str, predicted: Sequence[dict[str, Any]], truth: Sequence[dict[str, Any]]) -> dict[str, Any]:
        pairs = match_items(predicted, truth)
        no_name = {j for j, t in enumerate(truth) if not t.get("description")}
        amount = sum(_same(predicted[i].get("amount"), truth[j].get("amount")) for i, j in pairs)
        desc = sum(desc_match(predicted[i].get("description"), truth[j].get("description")) for i, j in pairs)
        quantity_pairs = [(i, j) for i, j in pairs if truth[j].get("quantity") is not None]
        quantity = sum(_same(predicted[i].get("quantity"), truth[j].get("quantity")) for i, j in quantity_pairs)
        self.documents += 1
        self.count_exact += len(predicted) == len(truth)
        self.predicted += len(predicted)
        self.true += len(truth)
        self.amount_hits += amount
        self.desc_true += len(truth) - len(no_name)
        self.desc_predicted += len(predicted) - sum(j in no_name for _, j in pairs)
        self.desc_hits += desc
        self.quantity_true += len(quantity_pairs)
        self.quantity_hits += quantity
        row = {"predicted": len(predicted), "true": len(truth), "amount_hits": amount, "desc_hits": desc}
        self.per_document[key] = row
        return row

    def summary(self) -> dict[str, float]:
        def f1(hits: int, predicted: int, true: int) -> tuple[float, float, float]:
            p = hits / predicted if predicted else 0.0
            r = hits / true if true else 0.0
            return p, r, (2 * p * r / (p + r) if p + r else 0.0)

        ap, ar, af = f1(self.amount_hits, self.predicted, self.true)
        dp, dr, df = f1(self.desc_hits, self.desc_predicted, self.desc_true)
        return {
            "documents": self.documents,
            "count_exact": self.count_exact / self.documents if self.documents else 0.0,
            "amount_precision": ap,
            "amount_recall": ar,
            "amount_f1": af,
            "description_precision": dp,
            "description_recall": dr,
            "description_f1": df,
            "quantity_accuracy": self.quantity_hits / self.quantity_true if self.quantity_true else 0.0,
        }


__all__ = ["ItemScore", "desc_match", "match_items", "norm_amount", "norm_desc"]
