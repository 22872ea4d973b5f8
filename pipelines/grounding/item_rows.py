"""Candidate items of a table: each row that holds the item's values (its anchor), with the rows of text that
continue its description and the rows of detail under it ("@ 13.90", "2 PC @ 1.15" printed apart from the line
total), each row used once, in page order.

A table's descriptions run one way: below the row of values (a code and the amounts, then the name) or above it
(the name, then the quantity and the amounts). The first row under the header says which (text first or values
first); with no header, the row after the last row of values does (text there continues it). A description is at
most `MAX_TEXT_ROWS` rows, each within `MAX_GAP` row heights of the next; a row of only a label ("ITEM NO. :
30001640") is not description and breaks it. A row of values whose amounts all stand left of the line-total
column is a detail row of the item above.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median
from typing import Literal

from ocula.pipelines.grounding.rows import Cell, Row
from ocula.pipelines.grounding.tables import TableRegion, TableWords, row_label
from ocula.schemas import BBox, union_all

MAX_TEXT_ROWS = 3
MAX_GAP = 1.5  # row heights between two rows of one description
DETAIL_OFFSET = 0.2  # share of the page's text width a detail row's amounts stand left of the line-total column
Anchor = Literal["amount", "number", "cells"]


@dataclass
class ItemRows:
    """One candidate item: its anchor row (the values), its description rows and detail rows; `label` is the
    row label that says it is not an item (`skip`: a discount, a tax) and `region` the table it is in."""

    anchor: Row
    region: TableRegion
    texts: list[Row] = field(default_factory=list)
    details: list[Row] = field(default_factory=list)
    label: str | None = None

    @property
    def rows(self) -> list[Row]:
        return sorted([self.anchor, *self.texts, *self.details], key=lambda r: (r.page, r.box.y0))

    @property
    def box(self) -> BBox:
        return union_all([r.box for r in self.rows])

    @property
    def line_ids(self) -> tuple[int, ...]:
        return tuple(i for r in self.rows for i in r.line_ids)

    @property
    def text(self) -> str:
        return " ".join(r.text for r in self.rows)

    @property
    def negative(self) -> bool:
        return any(c.value is not None and c.value < 0 for c in self.anchor.amounts)


def is_anchor(row: Row, anchor: Anchor) -> bool:
    if anchor == "amount":
        return bool(row.amounts)
    if anchor == "number":
        return bool(row.values)
    return len(row.cells) >= 2


def own_words(row: Row, region: TableRegion) -> list[Cell]:
    """Word cells of a row of values that stand left of its amounts (or of its last value) and under no column
    of other values: the item's name as printed on that row, not its unit nor a tax code after the total."""
    stop = min((c.box.x0 for c in row.amounts), default=max((c.box.x0 for c in row.values), default=float("inf")))
    return [c for c in row.words if c.box.x1 <= stop and not region.foreign(c.box)]


def _is_text(row: Row, anchor: Anchor) -> bool:
    return bool(row.words) and not is_anchor(row, anchor)


def _line_total_x(region: TableRegion, anchors: Sequence[Row], width: float) -> tuple[float, float]:
    """Where the line totals stand (x of their right edge) and how far left of it a detail row's amounts start."""
    header = [c for c in region.columns if c.role == "amount"]
    if header:
        col = header[-1]
        return col.x1, col.x1 - max(col.lo, col.x0 - width * DETAIL_OFFSET)
    ends = [max(c.box.x1 for c in r.amounts) for r in anchors if r.amounts]
    return (max(ends), width * DETAIL_OFFSET) if ends else (float("inf"), 0.0)


def item_rows(region: TableRegion, anchor: Anchor, words: TableWords, width: float) -> list[ItemRows]:
    """The candidate items of a table region (see the module docstring); `width` is the page's text width."""
    rows = region.rows
    anchors = [r for r in rows if is_anchor(r, anchor)]
    if not anchors:
        return []
    x_total, offset = _line_total_x(region, anchors, width) if anchor == "amount" else (float("inf"), 0.0)
    items: list[ItemRows] = []
    kinds: list[str] = []  # per row: anchor | detail | text | other
    for row in rows:
        if is_anchor(row, anchor):
            detail = (
                anchor == "amount"
                and max(c.box.x1 for c in row.amounts) < x_total - offset
                and not own_words(row, region)
            )
            kinds.append("detail" if detail and items else "anchor")
            if kinds[-1] == "anchor":
                items.append(ItemRows(row, region, label=row_label(row, words)))
        elif _is_text(row, anchor):  # a row of text that names a total or a count ("Item Count") describes no item
            kinds.append("text" if row_label(row, words) not in ("total", "payment") else "other")
        else:  # a row of codes (a barcode between a name and its values) neither describes nor breaks
            kinds.append("code" if row.cells and not any(c.label for c in row.cells) else "other")
    by_anchor = {id(it.anchor): it for it in items}
    heights = [r.box.height for r in rows]
    gap = MAX_GAP * (median(heights) if heights else 0.0)
    # detail rows join the item above them
    current: ItemRows | None = None
    for row, kind in zip(rows, kinds, strict=True):
        if kind == "anchor":
            current = by_anchor[id(row)]
        elif kind == "detail" and current is not None:
            current.details.append(row)
    _attach_texts(rows, kinds, by_anchor, _text_first(region, rows, kinds), gap)
    return items


def _text_first(region: TableRegion, rows: Sequence[Row], kinds: Sequence[str]) -> bool:
    """Whether descriptions stand above their values: under a header, the first row says; with none, a row of
    text right after the last row of values says they stand below."""
    if region.header:
        first = next((k for k in kinds if k in ("anchor", "text")), None)
        return first == "text"
    last = max(i for i, k in enumerate(kinds) if k == "anchor")
    after = next((k for k in kinds[last + 1 :] if k != "detail"), None)
    return after != "text"


def _close(a: Row, b: Row, gap: float) -> bool:
    upper, lower = (a, b) if a.box.y0 <= b.box.y0 else (b, a)
    return upper.page == lower.page and lower.box.y0 - upper.box.y1 <= gap


def _attach_texts(
    rows: Sequence[Row], kinds: Sequence[str], by_anchor: dict[int, ItemRows], text_first: bool, gap: float
) -> None:
    """Join runs of text rows (code rows among and after them stepped over) to the item they describe (see the
    module docstring)."""
    codes = {id(r) for r, k in zip(rows, kinds, strict=True) if k == "code"}
    runs: list[tuple[int, int]] = []  # [start, end) of each run of text and code rows that starts with text
    i = 0
    while i < len(rows):
        if kinds[i] == "text":
            j = i
            while j < len(rows) and kinds[j] in ("text", "code"):
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    for start, end in runs:
        run = list(rows[start:end])
        prev = _neighbour(rows, kinds, start - 1, -1)
        nxt = _neighbour(rows, kinds, end, 1)
        prev_item = by_anchor.get(id(prev)) if prev is not None else None
        next_item = by_anchor.get(id(nxt)) if nxt is not None else None
        if text_first:
            if next_item is not None and not own_words(next_item.anchor, next_item.region):
                next_item.texts.extend(_chain(run[::-1], next_item.anchor, gap, codes)[::-1])
            continue
        if (
            prev_item is not None
            and next_item is not None
            and own_words(prev_item.anchor, prev_item.region)
            and not own_words(next_item.anchor, next_item.region)
            and _close(rows[end - 1], next_item.anchor, gap)
        ):
            next_item.texts.extend(_chain(run[::-1], next_item.anchor, gap, codes)[::-1])
        elif prev_item is not None:
            last = prev_item.details[-1] if prev_item.details else prev_item.anchor
            prev_item.texts.extend(_chain(run, last, gap, codes))


def _neighbour(rows: Sequence[Row], kinds: Sequence[str], index: int, step: int) -> Row | None:
    """The anchor row next to a run of text rows (past detail and code rows), if it is the next row of values."""
    while 0 <= index < len(rows) and kinds[index] in ("detail", "code"):
        index += step
    if 0 <= index < len(rows) and kinds[index] == "anchor":
        return rows[index]
    return None


def _aligned(row: Row, last: Row, tolerance: float) -> bool:
    """A row that continues a description starts under a cell of the row before it, or left of all of them (a
    heading centred above the items does not)."""
    starts = [c.box.x0 for c in last.cells] or [last.box.x0]
    x0 = row.box.x0
    return x0 <= min(starts) + tolerance or any(abs(x0 - s) <= tolerance for s in starts)


def _chain(run: Sequence[Row], start: Row, gap: float, codes: set[int]) -> list[Row]:
    """The text rows of `run` (nearest first) that follow each other within `gap` of `start`, each aligned with
    the row before it, at most `MAX_TEXT_ROWS` of them; code rows are stepped over."""
    out: list[Row] = []
    last = start
    for row in run:
        if not _close(last, row, gap) or not _aligned(row, last, gap) or len(out) == MAX_TEXT_ROWS:
            break
        if id(row) not in codes:
            out.append(row)
        last = row
    return out


def non_items(items: Sequence[ItemRows]) -> list[ItemRows]:
    """Candidates the labels say are not items: a discount, a tax, a negative line."""
    return [it for it in items if it.label is not None or it.negative]


def amounts_of(items: Sequence[ItemRows]) -> list[Decimal]:
    return [c.value for it in items for c in it.anchor.amounts[-1:] if c.value is not None]


__all__ = ["ItemRows", "is_anchor", "item_rows", "own_words"]
