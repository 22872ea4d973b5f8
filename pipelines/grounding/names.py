"""Names of organisations and people: which text can be a name, and the preference for an organisation's full
name, the one that ends in a legal form (the legal forms come from the active rule packs)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ocula.pipelines.grounding.lines import Candidate
from ocula.pipelines.grounding.values import EMAIL, PHONE, alternation, find_dates, has_amount, street_number
from ocula.schemas.packs import Rules, default_rules

MAX_NAME_LINES = 4
_BRACKETED_ID = re.compile(r"\([^()]*\d{4,}[^()]*\)")
_TRAILING_ID = re.compile(r"\s[A-Z]{0,3}\d{5,}-?[A-Z]?$")


@dataclass(frozen=True)
class _NamePatterns:
    legal_end: re.Pattern[str]  # a legal form that ends the text
    legal_word: re.Pattern[str]  # a legal form anywhere, as a word
    # What addresses and opening hours look like: a long number (postcode, lot, time), a street number
    # ("7/4"), a house or lot number at the start ("No. 8").
    not_in_name: re.Pattern[str]


@lru_cache(maxsize=32)
def _patterns(rules: Rules) -> _NamePatterns:
    never = re.compile(r"(?!)")
    legal = rf"(?<![a-z])(?:{alternation(rules.legal_forms)})\.?" if rules.legal_forms else None
    numbered = street_number(rules)
    not_in_name = r"\d{4,}|\d+\s*/\s*\d+" + (rf"|^{numbered}\d" if numbered else "")
    return _NamePatterns(
        re.compile(rf"{legal}$", re.I) if legal else never,
        re.compile(rf"{legal}(?![a-z])", re.I) if legal else never,
        re.compile(not_in_name, re.I),
    )


def _bare_name(text: str, rules: Rules) -> str:
    """The name without its legal forms and bracketed parts ("ACME BOOKS" of "ACME BOOKS CO. (UK) LTD")."""
    return _patterns(rules).legal_word.sub(" ", re.sub(r"\([^()]*\)", " ", text)).strip(" .,&-/")


def prefer_legal_names(cands: list[Candidate], rules: Rules | None = None) -> list[Candidate]:
    """Names that end in a legal form ("... LTD", "... GmbH") when there are any: an organisation's full name,
    not the first line of it nor its brand. A name must have more than legal forms ("CO. (UK) LTD" is the tail
    of a name), and one that a longer name extends only by legal forms ("ACME TRADING" of "ACME TRADING CO
    LTD") gives way to it."""
    rules = rules or default_rules()
    legal_end = _patterns(rules).legal_end
    kept = [c for c in cands if legal_end.search(c.text) and _bare_name(c.text, rules)]
    fuller = [
        c
        for c in kept
        if not any(
            len(o.text) > len(c.text) and o.text.startswith(c.text) and not _bare_name(o.text[len(c.text) :], rules)
            for o in kept
        )
    ]
    return fuller or kept or cands


def is_name(text: str, rules: Rules | None = None) -> bool:
    """Text that can be a name: mostly letters, no registration number in brackets or at its end, nothing
    that looks like part of an address, and no phone number, date or amount in it."""
    rules = rules or default_rules()
    letters = sum(ch.isalpha() for ch in text)
    alnum = sum(ch.isalnum() for ch in text)
    if letters < 3 or letters < alnum / 2:
        return False
    if _BRACKETED_ID.search(text) or _TRAILING_ID.search(text) or _patterns(rules).not_in_name.search(text):
        return False
    return not (find_dates(text, rules) or PHONE.search(text) or has_amount(text, rules) or EMAIL.search(text))
