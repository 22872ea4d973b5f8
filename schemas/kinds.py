"""Value kinds that decide which page text a field may take in grounded decoding.

A field's kind comes from, in order: an explicit `json_schema_extra={"x-ocula-kind": ...}` (or the
annotated types below), its JSON type/format (date, number, integer), then its name (`*date*`, `*phone*`,
`*email*`, `*total*`...), and is plain text otherwise. The annotated types keep the page's raw text as the
value (`DateText` keeps "11/01/2019" as printed); parsed forms are in `FieldResult.parsed`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field

Kind = Literal[
    "text",
    "multiline",
    "name",
    "date",
    "amount",
    "number",
    "integer",
    "percent",
    "phone",
    "email",
    "url",
    "postcode",
    "tax_id",
]
KIND_KEY = "x-ocula-kind"
# Layout hints a schema may give a field (json_schema_extra), used to narrow its page candidates:
TOP_KEY = "x-ocula-top"  # int: only the first N lines of a page
LABELS_KEY = "x-ocula-labels"  # list[str]: prefer values on the row of (or the line after) one of these labels
EXCLUDE_KEY = "x-ocula-exclude"  # list[str]: never values on the row of one of these labels
AFTER_KEY = "x-ocula-after"  # str: a multiline value is the block of lines right after this field's lines
PICK_KEY = "x-ocula-pick"  # "max" | "min" | "first" | "last": how to choose among the candidates the hints left
# list[str]: an amount on the row of one of these labels, less than 0.10 from the picked one, replaces it
# (cash rounding: "Rounding RM 45.35" under "Total 45.34")
ROUNDED_KEY = "x-ocula-rounded"
HINT_KEYS = (KIND_KEY, TOP_KEY, LABELS_KEY, EXCLUDE_KEY, AFTER_KEY, PICK_KEY, ROUNDED_KEY)


def kind_field(kind: Kind) -> dict[str, str]:
    return {KIND_KEY: kind}


DateText = Annotated[str, Field(json_schema_extra=kind_field("date"))]
AmountText = Annotated[str, Field(json_schema_extra=kind_field("amount"))]
MultilineText = Annotated[str, Field(json_schema_extra=kind_field("multiline"))]
# An organisation's or person's name: a line, part of one, or up to four lines, with letters in it and no
# registration number, phone, date or amount (those are printed beside names, not part of them).
NameText = Annotated[str, Field(json_schema_extra=kind_field("name"))]
PhoneText = Annotated[str, Field(json_schema_extra=kind_field("phone"))]
EmailText = Annotated[str, Field(json_schema_extra=kind_field("email"))]

# Name fragments -> kind, tried in order on string fields with no explicit kind.
NAME_KINDS: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (re.compile(r"e_?mail"), "email"),
    (re.compile(r"phone|tel|fax|mobile"), "phone"),
    (re.compile(r"url|website|web"), "url"),
    (re.compile(r"date|dob|expiry|issued"), "date"),
    (re.compile(r"total|amount|price|subtotal|tax|vat|balance|due"), "amount"),
    (re.compile(r"percent|rate"), "percent"),
    (re.compile(r"postcode|postal|zip"), "postcode"),
    (re.compile(r"address"), "multiline"),
)


def kind_of(name: str, node: dict[str, object]) -> Kind:
    """The kind of a JSON-schema leaf `node` named `name`."""
    explicit = node.get(KIND_KEY)
    if isinstance(explicit, str):
        return explicit  # type: ignore[return-value]
    typ, fmt = node.get("type"), node.get("format")
    if fmt in ("date", "date-time"):
        return "date"
    if fmt == "email":
        return "email"
    if typ == "integer":
        return "integer"
    if typ == "number":
        return "amount" if any(p.search(name.lower()) for p, k in NAME_KINDS if k == "amount") else "number"
    lowered = name.lower()
    for pattern, kind in NAME_KINDS:
        if pattern.search(lowered):
            return kind
    return "text"
