"""Value kinds that decide which page text a field may take in grounded decoding.

A field's kind comes from, in order: an explicit `json_schema_extra={"x-ocula-kind": ...}` (or the
annotated types below), its JSON type/format (date, number, integer), then the whole words of its name
(`issue_date` is a date, `fax_number` a phone, `update_reason` and `hotel_name` text; the word -> kind
vocabulary is data, the `kinds` table of the rule packs), and is plain text otherwise. The annotated types
keep the page's raw text as the value (`DateText` keeps "11/01/2019" as printed); parsed forms are in
`FieldResult.parsed`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

if TYPE_CHECKING:
    from ocula.schemas.packs import Rules

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
# (cash rounding: "Rounding 45.35" under "Total 45.34")
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


def name_words(name: str) -> list[str]:
    """The words of a field's name, lower case: snake_case, kebab-case, spaces and camelCase split, digits apart
    (`fax_number` -> fax, number; `VATNumber` -> vat, number; `addressLine1` -> address, line, 1)."""
    words: list[str] = []
    for chunk in re.split(r"[\W_]+", name):
        start = 0
        for i in range(1, len(chunk)):
            prev, ch, nxt = chunk[i - 1], chunk[i], chunk[i + 1 : i + 2]
            camel = prev.islower() and ch.isupper()
            acronym_end = prev.isupper() and ch.isupper() and nxt.islower()
            if camel or acronym_end or prev.isdigit() != ch.isdigit():
                words.append(chunk[start:i])
                start = i
        if chunk:
            words.append(chunk[start:])
    return [w.lower() for w in words]


def kind_from_words(name: str, vocabulary: Mapping[str, Kind]) -> Kind | None:
    """The kind the words of `name` give it: `vocabulary` maps a word, or a phrase of words joined by spaces, to a
    kind. Of the phrases found as whole consecutive words, the one that ends last decides (the head of an
    English compound: `tax_rate` is a rate, `due_date` a date), the longest of those that end there (a phrase
    beats its own words: `vat_number` is a tax id). None when no word matches."""
    words = name_words(name)
    longest = max((len(p.split()) for p in vocabulary), default=0)
    best: tuple[int, int, Kind] | None = None
    for start in range(len(words)):
        for size in range(1, min(longest, len(words) - start) + 1):
            kind = vocabulary.get(" ".join(words[start : start + size]))
            if kind is not None and (best is None or (start + size, size) > best[:2]):
                best = (start + size, size, kind)
    return best[2] if best else None


def kind_of(name: str, node: dict[str, object], rules: Rules) -> Kind:
    """The kind of a JSON-schema leaf `node` named `name`: its explicit `x-ocula-kind`, its JSON type or format,
    else the whole words of its name (the `kinds` vocabulary of the rule packs `rules`, e.g.
    `ocula.schemas.packs.default_rules()`), else text. A number is an amount when its name says so, a plain
    number otherwise."""
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
    by_name = kind_from_words(name, rules.kinds)
    if typ == "number":
        return "amount" if by_name == "amount" else "number"
    return by_name or "text"
