"""The fields of a list's item model and which cells of a table row fill them.

Each field of the item model gets a role from its type, kind and name: the first text field is the description,
a number named like a quantity is the quantity, an amount named like a price is the unit price and the other
amount the line total; a list of strings takes every cell of the row. A header column that names the field
(its name's words or title: a column "Long Gun" for `long_gun`) or its role decides which cell fills it; without
one, position does: text left of the values is the description, the rightmost amount the line total, the amount
before it the unit price, a number left of the amounts the quantity ("2 x 6.90" says both). Numbers must fit the
field's type and bounds; a value no cell spells is left empty (null), never made up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ocula.pipelines.grounding.item_rows import ItemRows, own_words
from ocula.pipelines.grounding.rows import Cell, Row
from ocula.pipelines.grounding.tables import Column, TableRegion, TableWords
from ocula.schemas.kinds import Kind, kind_of, name_words
from ocula.schemas.packs import Rules

TEXT_KINDS = ("text", "multiline", "name")
NUMERIC = ("number", "integer")
PRODUCT_TOLERANCE = Decimal("0.011")
# Numeric fields are filled in this order: the line total first, so the unit price is looked for left of it.
FILL_ORDER = {
    "amount": 0,
    "unit_price": 1,
    "quantity": 2,
    "number": 3,
    "cells": 4,
    "description": 5,
}  # quantity x unit price against the line total, per unit of quantity


@dataclass(frozen=True)
class ItemField:
    """A field of the item model: its role in a table row, JSON schema, kind, whether it is required, and the
    header words that name it (its name's words and its title)."""

    name: str
    role: str  # description | text | quantity | unit_price | amount | number | cells | other
    node: dict[str, Any]
    kind: Kind
    required: bool
    words: tuple[str, ...]

    @property
    def numeric(self) -> bool:
        return self.node.get("type") in NUMERIC


@dataclass(frozen=True)
class ItemShape:
    """A `list[Model]` field: its name, description, bound and the item model's fields."""

    name: str
    description: str
    fields: tuple[ItemField, ...]
    max_items: int | None = None

    @property
    def anchor(self) -> str:
        """What makes a row a candidate item: an amount (a model with a price or total), a number, or cells."""
        roles = {f.role for f in self.fields}
        if roles & {"amount", "unit_price"}:
            return "amount"
        if roles & {"quantity", "number"} or any(f.numeric for f in self.fields):
            return "number"
        return "cells"

    def by_role(self, role: str) -> ItemField | None:
        return next((f for f in self.fields if f.role == role), None)

    def field_words(self) -> dict[str, tuple[str, list[str]]]:
        """Per field role (`field:<name>`, see `TableWords.with_fields`): its column role and header words."""
        return {f"field:{f.name}": (f.role, list(f.words)) for f in self.fields}


def _leaf(node: dict[str, Any]) -> dict[str, Any]:
    """The non-null alternative of an Optional field (its hints kept)."""
    for alt in node.get("anyOf", []):
        if alt.get("type") != "null":
            return {**{k: v for k, v in node.items() if k != "anyOf"}, **alt}
    return node


def _says(words: Sequence[str], vocabulary: Sequence[str]) -> bool:
    text = " ".join(words)
    return any(f" {p} " in f" {text} " for p in vocabulary)


def item_shape(name: str, node: dict[str, Any], defs: dict[str, Any], rules: Rules, words: TableWords) -> ItemShape:
    """The item shape of the list field `name` (an array of objects in a bounded JSON schema)."""
    items = node["items"]
    if "$ref" in items:
        items = defs[items["$ref"].rsplit("/", 1)[-1]]
    required = set(items.get("required", []))
    fields: list[ItemField] = []
    seen_text = False
    for key, sub in items.get("properties", {}).items():
        leaf = _leaf(sub)
        kind = kind_of(key, leaf, rules)
        said = name_words(key)
        typ = leaf.get("type")
        if typ == "array" and leaf.get("items", {}).get("type") == "string":
            role = "cells"
        elif typ == "string" and kind in TEXT_KINDS:
            role = "text" if seen_text else "description"
            seen_text = True
        elif typ in NUMERIC and _says(said, words.header["quantity"]):
            role = "quantity"
        elif typ in NUMERIC and _says(said, words.header["unit_price"]) and not _says(said, words.header["amount"]):
            role = "unit_price"
        elif typ in NUMERIC and kind == "amount":
            role = "amount"
        elif typ in NUMERIC:
            role = "number"
        else:
            role = "other"
        title = leaf.get("title", "")
        phrases = (" ".join(said), title.lower()) if title.lower() != " ".join(said) else (" ".join(said),)
        fields.append(ItemField(key, role, leaf, kind, key in required, tuple(p for p in phrases if p)))
    amounts = [f for f in fields if f.role == "amount"]
    if len(amounts) > 1 and not any(f.role == "unit_price" for f in fields):
        first = amounts[0]
        fields[fields.index(first)] = ItemField(
            first.name, "unit_price", first.node, first.kind, first.required, first.words
        )
    return ItemShape(name, node.get("description", ""), tuple(fields), node.get("maxItems"))


# --- cells -> values ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filled:
    """A field's value and the cells that spell it."""

    value: Any
    cells: tuple[Cell, ...]


def field_columns(shape: ItemShape, region: TableRegion) -> dict[str, Column]:
    """The header column of each field: the column named by the field itself, else the column of its role (the
    rightmost amount column for the line total, the leftmost of the others); a column serves one field."""
    out: dict[str, Column] = {}
    used: set[int] = set()
    for f in shape.fields:
        named = [i for i, c in enumerate(region.columns) if c.role == f"field:{f.name}" and i not in used]
        if named:
            out[f.name] = region.columns[named[0]]
            used.add(named[0])
    for f in shape.fields:
        if f.name in out:
            continue
        fits = [i for i, c in enumerate(region.columns) if c.role == f.role and i not in used]
        if fits:
            pick = fits[-1] if f.role == "amount" else fits[0]
            out[f.name] = region.columns[pick]
            used.add(pick)
    return out


def _fits(f: ItemField, value: Decimal | None) -> bool:
    if value is None:
        return False
    if f.node.get("type") == "integer" and value != value.to_integral_value():
        return False
    lo, hi = f.node.get("minimum"), f.node.get("maximum")
    return not ((lo is not None and value < Decimal(str(lo))) or (hi is not None and value > Decimal(str(hi))))


def _number(f: ItemField, cell: Cell) -> Filled:
    value: Any = cell.value
    if f.node.get("type") == "integer":
        value = int(cell.value)  # type: ignore[arg-type]
    return Filled(value, (cell,))


def _text(f: ItemField, cells: Sequence[Cell]) -> Filled | None:
    """Cells joined as one string, cut to the field's length by dropping whole cells from the end."""
    limit = f.node.get("maxLength")
    kept = list(cells)
    while kept and limit is not None and len(" ".join(c.text for c in kept)) > limit:
        kept.pop()
    if not kept:
        return None
    return Filled(" ".join(c.text for c in kept), tuple(kept))


def fill_item(item: ItemRows, shape: ItemShape, region: TableRegion) -> dict[str, Filled] | None:
    """The values of one item's fields from its rows' cells; None when a required field has no cell."""
    columns = field_columns(shape, region)
    desc = shape.by_role("description")
    foreign = [c for name, c in columns.items() if desc is None or name != desc.name]
    foreign += [c for c in region.columns if c.role == "other"]
    anchor = item.anchor
    values = [c for c in anchor.values] + [c for r in item.details for c in r.values]
    out: dict[str, Filled] = {}
    taken: set[int] = set()

    def in_column(cell: Cell, f: ItemField) -> bool:
        col = columns.get(f.name)
        return col is not None and col.holds(cell.box)

    def described(cell: Cell) -> bool:
        return id(cell) not in taken and not any(col.covers(cell.box) for col in foreign)

    def options(f: ItemField) -> list[Cell]:
        """The cells that may fill a numeric field, best first."""
        pool = [c for c in values if id(c) not in taken and _fits(f, c.value)]
        if f.name not in columns:
            return _by_position(f, pool, anchor, out, shape)
        col = columns[f.name]
        found = sorted(
            (c for c in pool if col.holds(c.box)),
            key=lambda c: (f.role == "amount" and c.kind != "amount", abs(c.centre - col.centre)),
        )
        # a header label misread or set off its column: the line total is still the rightmost amount
        return found or (_by_position(f, pool, anchor, out, shape) if f.role == "amount" else [])

    preset: dict[str, Cell] = {}
    for f in sorted(shape.fields, key=lambda f: FILL_ORDER.get(f.role, len(FILL_ORDER))):
        filled: Filled | None = None
        if f.role == "cells":
            filled = Filled([c.text for c in anchor.cells], tuple(anchor.cells))
        elif f.numeric and f.name in preset:
            filled = _number(f, preset[f.name])
        elif f.numeric:
            pool = options(f)
            quantity = shape.by_role("quantity")
            if f.role == "unit_price" and quantity is not None and pool:
                unit, count = _consistent_pair(pool, options(quantity), out, shape)
                pool = [unit]
                if count is not None:
                    preset[quantity.name] = count
            filled = _number(f, pool[0]) if pool else None
        elif f.role == "description":
            above = [c for r in item.texts if r.box.y1 <= anchor.box.y0 + 1 for c in r.words]
            below = [c for r in item.texts if r.box.y1 > anchor.box.y0 + 1 for c in r.words]
            filled = _text(f, [c for c in [*above, *own_words(anchor, region), *below] if described(c)])
        else:
            filled = _text(f, [c for c in anchor.cells if in_column(c, f) and id(c) not in taken])
        if filled is None and f.required and f.node.get("type") == "string":
            rest = [c for c in anchor.cells if id(c) not in taken]
            filled = _text(f, rest[:1])
        if filled is None:
            if f.required:
                return None
            continue
        out[f.name] = filled
        taken |= {id(c) for c in filled.cells}
    return {f.name: out[f.name] for f in shape.fields if f.name in out}  # in the schema's order


def _by_position(f: ItemField, pool: list[Cell], row: Row, filled: dict[str, Filled], shape: ItemShape) -> list[Cell]:
    """Candidate cells of a numeric field with no column, best first: the rightmost amount is the line total, a
    price a pattern says ("@ 13.90") or else the amount left of the line total is the unit price, a quantity a
    pattern says ("2 x") or else the number between the description and the amounts is the quantity."""
    amounts = [c for c in pool if c.kind == "amount"]
    if f.role == "amount":
        plain = [c for c in amounts if c.role is None and c in row.cells] or [c for c in amounts if c.role is None]
        return sorted(plain, key=lambda c: -c.box.x1)
    said = [c for c in pool if c.role == f.role]
    if f.role == "unit_price":
        if said:
            return said
        total_field = shape.by_role("amount")
        total = filled[total_field.name].cells[0] if total_field and total_field.name in filled else None
        if total is None:
            return []
        left = [c for c in amounts if c in row.cells and c.box.x1 <= total.box.x0]
        return sorted(left, key=lambda c: -c.box.x1)
    if f.role == "quantity":
        if said:
            return said
        first = min((c.box.x0 for c in row.amounts), default=None)
        if first is None:
            return []
        last_word = max((c.box.x1 for c in row.words if c.box.x1 <= first), default=float("-inf"))
        between = [c for c in pool if c.kind == "number" and c in row.cells and last_word <= c.box.x0 < first]
        return sorted(between, key=lambda c: -c.box.x1)
    return []


def _consistent_pair(
    units: list[Cell], counts: list[Cell], filled: dict[str, Filled], shape: ItemShape
) -> tuple[Cell, Cell | None]:
    """The unit price and quantity cells, the likeliest pair whose product is the line total (when one is);
    else the likeliest of each."""
    total_field = shape.by_role("amount")
    total = filled[total_field.name].value if total_field and total_field.name in filled else None
    for unit in units:
        for count in counts:
            if id(count) != id(unit) and consistent_product(count.value, unit.value, total):
                return unit, count
    return units[0], (counts[0] if counts else None)


def consistent_product(quantity: Decimal | None, unit: Decimal | None, amount: Decimal | None) -> bool:
    """quantity x unit price = line total, within a cent per unit (or any of them missing)."""
    if quantity is None or unit is None or amount is None:
        return True
    return abs(quantity * unit - amount) <= PRODUCT_TOLERANCE * max(Decimal(1), abs(quantity))


__all__ = ["Filled", "ItemField", "ItemShape", "consistent_product", "field_columns", "fill_item", "item_shape"]
