"""Consistency checks of a list of items against each other and against the page: each item's quantity times its
unit price is its line total, and the line totals add up to a total printed on the page, give or take the rows
that explain a difference (tax, rounding, discounts, service charges). A check that fails says why, in words
that can be fed back to the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations, product
from typing import Any

from ocula.pipelines.grounding.item_fields import ItemShape, consistent_product
from ocula.pipelines.grounding.rows import Row
from ocula.pipelines.grounding.tables import TableWords, row_label

SUM_TOLERANCE = Decimal("0.02")
MAX_ADJUSTMENTS = 3  # tax, rounding and discount rows a difference may be made of


@dataclass
class PageTotals:
    """Amounts printed on rows labelled as totals (what the items may add up to) and on rows of tax, rounding,
    discounts and service charges (what may stand between the two)."""

    totals: list[Decimal] = field(default_factory=list)
    adjustments: list[Decimal] = field(default_factory=list)


def page_totals(rows: Sequence[Row], words: TableWords) -> PageTotals:
    out = PageTotals()
    for row in rows:
        label = row_label(row, words)
        amounts = [c.value for c in row.amounts if c.value is not None]
        if not amounts:
            continue
        if label == "total":
            out.totals += [a for a in amounts if a not in out.totals]
        elif label == "skip" or (label is None and amounts[-1] < 0):  # a discount line is negative
            out.adjustments.append(amounts[-1])
    return out


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def product_errors(items: Sequence[dict[str, Any]], shape: ItemShape) -> list[str]:
    """One error per item whose quantity x unit price is not its line total."""
    roles = {r: shape.by_role(r) for r in ("quantity", "unit_price", "amount")}
    if not all(roles.values()):
        return []
    q, u, a = (roles[r].name for r in ("quantity", "unit_price", "amount"))  # type: ignore[union-attr]
    out = []
    for i, item in enumerate(items):
        qv, uv, av = (_decimal(item.get(k)) for k in (q, u, a))
        if not consistent_product(qv, uv, av):
            out.append(f"{shape.name}/{i}: {q} {qv} x {u} {uv} is {qv * uv}, not the {a} {av}")  # type: ignore[operator]
    return out


def explains(total: Decimal, target: Decimal, adjustments: Sequence[Decimal]) -> bool:
    """Whether `total` plus or minus at most `MAX_ADJUSTMENTS` of the adjustments is `target`."""
    if abs(total - target) <= SUM_TOLERANCE:
        return True
    for n in range(1, min(MAX_ADJUSTMENTS, len(adjustments)) + 1):
        for chosen in combinations(adjustments, n):
            for signs in product((1, -1), repeat=n):
                if abs(total + sum(s * a for s, a in zip(signs, chosen, strict=True)) - target) <= SUM_TOLERANCE:
                    return True
    return False


def sum_errors(items: Sequence[dict[str, Any]], shape: ItemShape, page: PageTotals) -> list[str]:
    """An error when the items' line totals add up to no total of the page, with or without the rows that may
    explain a difference; none when the page prints no total or an item has no line total."""
    amount = shape.by_role("amount")
    if amount is None or not items or not page.totals:
        return []
    values = [_decimal(item.get(amount.name)) for item in items]
    if any(v is None for v in values):
        return []
    added = sum(values, Decimal(0))  # type: ignore[arg-type]
    if any(explains(added, t, page.adjustments) for t in page.totals):
        return []
    printed = ", ".join(str(t) for t in page.totals[:4])
    return [
        f"{shape.name}: the {len(items)} line totals add up to {added}, which is no total printed on the page "
        f"({printed}), even with its tax, rounding or discount rows"
    ]


def check_items(items: Sequence[dict[str, Any]], shape: ItemShape, page: PageTotals) -> list[str]:
    """Every consistency error of the list (empty when it is consistent)."""
    return product_errors(items, shape) + sum_errors(items, shape, page)


__all__ = ["PageTotals", "check_items", "explains", "page_totals", "product_errors", "sum_errors"]
