"""Item tables of a page: the header row found by its labels, the positions of its columns, and the rows between
the header and the first row that closes the table (a total, a payment).

The words are data: the rule packs' item-table vocabularies (column labels by role, the labels of rows that are
not items; `ocula/schemas/packs/data/*.toml`), and a schema's own field names (a column headed "Long Gun" is the
field `long_gun`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from ocula.pipelines.grounding.lines import span_box
from ocula.pipelines.grounding.rows import Row
from ocula.pipelines.grounding.values import alternation
from ocula.schemas import BBox
from ocula.schemas.packs import Rules

ColumnRole = Literal["description", "quantity", "unit_price", "amount", "other"]
ROLES: tuple[ColumnRole, ...] = ("description", "quantity", "unit_price", "amount", "other")
RowLabel = Literal["total", "payment", "skip"]
# Roles that name what the items are; an item table's header has one ("GST Rate | Amount" heads no items).
NAMING_ROLES = frozenset({"description", "quantity", "text", "number", "cells"})
TEXT_ROLES = frozenset({"description", "text", "cells"})
COVER = 0.6  # share of a word's width under a column for the word to belong to it
LABEL_SHARE = 0.3  # of a header's printed characters, at least this share are labels of its columns
# Rule-pack vocabularies that say a row closes the item table, or stands among the items without being one.
PACK_TOTAL = ("total", "subtotal", "amount_due")
PACK_SKIP = ("tax", "rounding")


@dataclass(frozen=True)
class TableWords:
    """Column labels by role (a field name's words may be a role of their own: the field's name), and the
    labels of rows that are not items."""

    header: dict[str, tuple[str, ...]]
    total: tuple[str, ...]
    payment: tuple[str, ...]
    skip: tuple[str, ...]
    # a field's role (`field:<name>`) -> the column role it stands for (`description`, `quantity`, ...)
    base: dict[str, str] = field(default_factory=dict)

    def with_fields(self, names: dict[str, tuple[str, Iterable[str]]]) -> TableWords:
        """These words plus one role per field (`field:<name>` -> its column role and the words that name it: its
        name's words and its title)."""
        header = dict(self.header)
        base = dict(self.base)
        for name, (role, phrases) in names.items():
            header[name] = tuple(dict.fromkeys(p.lower() for p in phrases if p.strip()))
            base[name] = role
        return TableWords(header, self.total, self.payment, self.skip, base)

    @property
    def end(self) -> tuple[str, ...]:
        return self.total + self.payment

    def base_role(self, role: str) -> str:
        return self.base.get(role, role)


@lru_cache(maxsize=32)
def table_words(rules: Rules) -> TableWords:
    """The item-table words of the rule packs: column labels by role (`item_<role>`), the labels of rows that
    close a table (`item_total`, with the packs' total and subtotal labels; `item_payment`) and of rows among
    the items that are not items (`item_skip`, with the packs' tax and rounding labels)."""
    header = {role: _unique(rules.vocabulary(f"item_{role}")) for role in ROLES}
    total = [*rules.vocabulary("item_total"), *(w for v in PACK_TOTAL for w in rules.vocabulary(v))]
    skip = [*rules.vocabulary("item_skip"), *(w for v in PACK_SKIP for w in rules.vocabulary(v))]
    return TableWords(header, _unique(total), _unique(rules.vocabulary("item_payment")), _unique(skip))


def _unique(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w.lower() for w in words))


@lru_cache(maxsize=256)
def _phrases(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"(?<![^\W_])(?:{alternation(words)})(?![^\W_])", re.I) if words else re.compile(r"(?!)")


def row_label(row: Row, words: TableWords) -> RowLabel | None:
    """`total` or `payment` when the row names a label that closes an item table (a total or a count; what was
    paid), `skip` when it names one of a row among the items that is not an item (a discount, a tax), else None."""
    text = row.text
    for label, phrases in (("total", words.total), ("payment", words.payment), ("skip", words.skip)):
        if _phrases(phrases).search(text):
            return label  # type: ignore[return-value]
    return None


@dataclass(frozen=True)
class Column:
    """A column named by a header label: its role (or a field's name), its label and its extent on the page;
    `lo`..`hi` is the zone whose cells belong to it (halfway to the neighbouring columns)."""

    role: str
    label: str
    x0: float
    x1: float
    lo: float = float("-inf")
    hi: float = float("inf")
    base: str = ""  # the column role a field's column stands for ("description" for `field:name`)

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2

    def holds(self, box: BBox) -> bool:
        centre = (box.x0 + box.x1) / 2
        return self.lo <= centre < self.hi

    def covers(self, box: BBox) -> bool:
        """Most of the box lies under this column's label, give or take half the label's width (a word under the
        column, not a description that runs across it)."""
        pad = (self.x1 - self.x0) / 2
        lo, hi = max(self.lo, self.x0 - pad), min(self.hi, self.x1 + pad)
        width = max(box.x1 - box.x0, 1e-6)
        return min(box.x1, hi) - max(box.x0, lo) >= COVER * width


def header_columns(rows: Sequence[Row], words: TableWords) -> list[Column]:
    """The columns a row names (labels of the roles, found as whole words, the longest first); empty when the
    row is no header: it holds a value, or names fewer than two roles besides `other`, or no column that names
    the items (a description or a quantity: "Amount | Tax" heads a tax summary, not items), or its labels are a
    small part of its text (a sentence)."""
    if any(r.values for r in rows):
        return []
    found: list[Column] = []
    by_phrase = {p.lower(): role for role, phrases in words.header.items() for p in phrases}
    pattern = _phrases(tuple(by_phrase))
    for row in rows:
        for line in row.lines:
            for m in pattern.finditer(line.text):
                box = span_box(line, m.start(), m.end())
                role = by_phrase[m.group(0).lower()]
                found.append(Column(role, m.group(0), box.x0, box.x1, base=words.base_role(role)))
    labelled = list(found)
    roles = {words.base_role(c.role) for c in labelled} - {"other"}
    if len(roles) < 2 or not roles & NAMING_ROLES:
        return []
    printed = sum(len(ln.text.replace(" ", "")) for r in rows for ln in r.lines)
    if sum(len(c.label.replace(" ", "")) for c in labelled) < LABEL_SHARE * printed:
        return []  # a sentence that happens to use the words ("... the state permit of a handgun ...")
    for row in rows:  # the header's other words head columns too ("Iss Exc", "D Sale"), of no known role
        for cell in row.cells:
            if not any(min(cell.box.x1, c.x1) > max(cell.box.x0, c.x0) for c in labelled):
                found.append(Column("other", cell.text, cell.box.x0, cell.box.x1, base="other"))
    return _zones(_merged(found))


def _merged(columns: list[Column]) -> list[Column]:
    """Labels that stand one above the other (a header on two lines: "UNIT" over "PRICE") make one column, of
    the first label's role unless the second one is more specific than `other`."""
    out: list[Column] = []
    for col in sorted(columns, key=lambda c: c.x0):
        prev = out[-1] if out else None
        if prev is not None and min(prev.x1, col.x1) - max(prev.x0, col.x0) > 0.5 * min(
            prev.x1 - prev.x0, col.x1 - col.x0
        ):
            role = prev.role if prev.role != "other" else col.role
            base = prev.base if prev.role != "other" else col.base
            out[-1] = Column(role, f"{prev.label} {col.label}", min(prev.x0, col.x0), max(prev.x1, col.x1), base=base)
        else:
            out.append(col)
    return out


def _zones(columns: list[Column]) -> list[Column]:
    out = []
    for i, col in enumerate(columns):
        lo = (columns[i - 1].x1 + col.x0) / 2 if i else float("-inf")
        hi = (col.x1 + columns[i + 1].x0) / 2 if i + 1 < len(columns) else float("inf")
        out.append(Column(col.role, col.label, col.x0, col.x1, lo, hi, col.base))
    return out


@dataclass
class TableRegion:
    """The rows of one item table on one page: below its header (if it has one), above the row that closes it."""

    page: int
    rows: list[Row]
    header: list[Row] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    end: Row | None = None

    def column_of(self, box: BBox) -> Column | None:
        return next((c for c in self.columns if c.holds(box)), None)

    def foreign(self, box: BBox) -> bool:
        """Whether text in `box` stands under a column that holds no description (a unit, a tax code)."""
        return any(c.base not in TEXT_ROLES and c.covers(box) for c in self.columns)


def table_regions(rows: Sequence[Row], words: TableWords) -> list[TableRegion]:
    """The item tables of the rows, page by page. A table starts below a header row (two header rows in a row
    are one header) or, on a page with no header, at the top of the page; it ends before the first row that
    holds a value and an `end` label, and a header further down starts another one."""
    out: list[TableRegion] = []
    for page in dict.fromkeys(r.page for r in rows):
        on_page = [r for r in rows if r.page == page]
        region: TableRegion | None = None
        i = 0
        starts = [j for j in range(len(on_page)) if header_columns([on_page[j]], words)]
        if not starts:
            region = TableRegion(page, [])
        while i < len(on_page):
            row = on_page[i]
            if i in starts:
                header = [row]
                below = on_page[i + 1 : i + 2]
                if below and len(header_columns([row, *below], words)) > len(header_columns(header, words)):
                    header.append(on_page[i + 1])
                    i += 1
                if region is not None and region.rows:
                    out.append(region)
                region = TableRegion(page, [], header, header_columns(header, words))
            elif region is not None:
                if row.amounts and row_label(row, words) in ("total", "payment"):
                    region.end = row
                    out.append(region)
                    region = None
                else:
                    region.rows.append(row)
            i += 1
        if region is not None and region.rows:
            out.append(region)
    return out


__all__ = [
    "Column",
    "ColumnRole",
    "TableRegion",
    "TableWords",
    "header_columns",
    "row_label",
    "table_regions",
    "table_words",
]
