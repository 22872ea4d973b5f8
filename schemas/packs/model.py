"""What a rule pack holds, and the rules several packs make together.

A pack is locale or document knowledge written as data (a TOML file, see `data/`): currency markers, number
formats, month names, legal forms, postcode patterns, address layout, label vocabularies and the words of field
names that say a field's kind. The generic grounding modules hold only mechanisms; they read these through
`Rules`, the composition of the packs that apply to a document (`compose`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ocula.schemas.kinds import Kind

# A hint list entry "@name" stands for the vocabulary `name` of the active packs ("@total").
VOCAB_PREFIX = "@"


def vocab(name: str) -> str:
    """The hint entry that stands for the vocabulary `name` of the active packs: `vocab("total")` is "@total"."""
    return f"{VOCAB_PREFIX}{name}"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Currency(_Frozen):
    """Currency symbols and codes printed against an amount: before it ("RM 12.90", "$5") or after it ("5 €")."""

    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


class NumberFormat(_Frozen):
    """How an amount is printed: its decimal mark (two decimals follow it) and the mark that groups thousands,
    if any ("1,234.56": decimal ".", group ",")."""

    decimal: Literal[".", ","] = "."
    group: Literal[",", ".", " ", "'"] | None = None


class AddressLayout(_Frozen):
    """How a postal address is laid out on a page, for the block of lines a multiline address takes."""

    # The address ends at the line with its postcode (and the town after it, or on the line below).
    postcode_last: bool = False
    # A one-word line below the postcode line (a state or a country) still belongs to the address.
    region_below: bool = False


class Pack(_Frozen):
    """One named rule pack. Every list is optional; composing packs joins them (see `compose`)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    description: str = ""
    currency: Currency = Currency()
    # Number formats tried in order (an amount must match one of them).
    numbers: tuple[NumberFormat, ...] = ()
    # Twelve lists of month names (January first), lower case: full names and abbreviations.
    months: tuple[tuple[str, ...], ...] = ()
    ordinals: tuple[str, ...] = ()  # suffixes a day may carry ("1st", "2nd")
    # Words that may join a day, its month name and the year ("3 de marzo de 2020"), lower case.
    date_joiners: tuple[str, ...] = ()
    legal_forms: tuple[str, ...] = ()  # that end an organisation's name, lower case ("ltd", "gmbh")
    postcodes: tuple[str, ...] = ()  # regular expressions of a postal code
    street_numbers: tuple[str, ...] = ()  # words before a house or lot number ("no", "lot"), lower case
    web_domains: tuple[str, ...] = ()  # endings of a web address written without "www." ("com", "de")
    address: AddressLayout = AddressLayout()
    # Named label vocabularies, lower case; a schema hint refers to one as "@name".
    labels: dict[str, tuple[str, ...]] = {}
    # Words (or phrases of words) of a field's name -> the kind they give it ("phone": phone, "tax id": tax_id).
    kinds: dict[str, Kind] = {}
    # Words a page in this pack's language or country prints besides its labels, month names, legal forms and
    # currency markers ("danke", "straße"), lower case: more evidence for detecting the page's locale.
    detect: tuple[str, ...] = ()

    @field_validator("months")
    @classmethod
    def _twelve_months(cls, months: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        if months and len(months) != 12:
            raise ValueError(f"months holds twelve lists of names (January first), not {len(months)}")
        return tuple(tuple(name.lower() for name in names) for names in months)

    @field_validator("postcodes")
    @classmethod
    def _patterns(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as err:
                raise ValueError(f"postcode pattern {pattern!r} is not a regular expression: {err}") from err
        return patterns

    @field_validator("legal_forms", "street_numbers", "web_domains", "ordinals", "date_joiners", "detect")
    @classmethod
    def _lower(cls, words: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(w.lower() for w in words)

    @field_validator("labels")
    @classmethod
    def _lower_labels(cls, labels: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        return {name: tuple(p.lower() for p in phrases) for name, phrases in labels.items()}

    @field_validator("kinds")
    @classmethod
    def _name_words(cls, kinds: dict[str, Kind]) -> dict[str, Kind]:
        return {" ".join(words.lower().replace("_", " ").split()): kind for words, kind in kinds.items()}


def _joined(lists: Iterable[Iterable[str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for items in lists for item in items))


@dataclass(frozen=True, eq=False)
class Rules:
    """The rules of several packs together. Lists are joined in pack order without repeats; a later pack's
    kind word overrides an earlier one's; month names keep the first pack's month. Hashed by identity (the
    grounding modules cache compiled patterns per `Rules`)."""

    packs: tuple[str, ...]
    currency_before: tuple[str, ...] = ()
    currency_after: tuple[str, ...] = ()
    numbers: tuple[NumberFormat, ...] = ()
    months: Mapping[str, int] = field(default_factory=dict)
    ordinals: tuple[str, ...] = ()
    date_joiners: tuple[str, ...] = ()
    legal_forms: tuple[str, ...] = ()
    postcodes: tuple[str, ...] = ()
    street_numbers: tuple[str, ...] = ()
    web_domains: tuple[str, ...] = ()
    # postcodes of the packs whose addresses end at the postcode line, and whether a region line may follow it
    address_postcodes: tuple[str, ...] = ()
    region_below: bool = False
    labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    kinds: Mapping[str, Kind] = field(default_factory=dict)
    # vocabulary names of every pack known when these rules were made (a hint may name one the active packs lack)
    known_vocabularies: frozenset[str] = frozenset()

    def vocabulary(self, name: str) -> tuple[str, ...]:
        """The phrases of the vocabulary `name` in these packs (empty when none of them has it)."""
        return self.labels.get(name, ())

    def phrases(self, items: str | Sequence[str] | None) -> tuple[str, ...]:
        """A hint's label list with each "@name" replaced by that vocabulary's phrases (none when these packs
        lack it). A name that no known pack defines is a mistake: ValueError."""
        if not items:
            return ()
        if isinstance(items, str):
            items = [items]
        out: list[str] = []
        for item in items:
            if item.startswith(VOCAB_PREFIX):
                name = item[len(VOCAB_PREFIX) :]
                if name not in self.labels and name not in self.known_vocabularies:
                    raise ValueError(f"unknown label vocabulary {item!r} (packs {', '.join(self.packs)})")
                out.extend(self.vocabulary(name))
            else:
                out.append(item)
        return tuple(dict.fromkeys(out))


def compose(packs: Sequence[Pack], known: Iterable[Pack] = ()) -> Rules:
    """The rules of `packs` applied together, in this order (a pack named twice counts once). `known` are the
    other packs there are, whose vocabulary names a hint may use though the active packs lack them."""
    unique: list[Pack] = []
    for pack in packs:
        if all(pack.name != p.name for p in unique):
            unique.append(pack)
    months: dict[str, int] = {}
    for pack in unique:
        for number, names in enumerate(pack.months, start=1):
            for name in names:
                months.setdefault(name, number)
    labels: dict[str, tuple[str, ...]] = {}
    for pack in unique:
        for name, phrases in pack.labels.items():
            labels[name] = _joined([labels.get(name, ()), phrases])
    kinds: dict[str, Kind] = {}
    for pack in unique:
        kinds.update(pack.kinds)
    return Rules(
        packs=tuple(p.name for p in unique),
        currency_before=_joined(p.currency.before for p in unique),
        currency_after=_joined(p.currency.after for p in unique),
        numbers=tuple(dict.fromkeys(f for p in unique for f in p.numbers)),
        months=MappingProxyType(months),
        ordinals=_joined(p.ordinals for p in unique),
        date_joiners=_joined(p.date_joiners for p in unique),
        legal_forms=_joined(p.legal_forms for p in unique),
        postcodes=_joined(p.postcodes for p in unique),
        street_numbers=_joined(p.street_numbers for p in unique),
        web_domains=_joined(p.web_domains for p in unique),
        address_postcodes=_joined(p.postcodes for p in unique if p.address.postcode_last),
        region_below=any(p.address.region_below for p in unique),
        labels=MappingProxyType(labels),
        kinds=MappingProxyType(kinds),
        known_vocabularies=frozenset(labels) | {name for p in known for name in p.labels},
    )
