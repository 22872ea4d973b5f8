"""A field's label vocabulary: the words a page prints beside its value ("To:", "Fax #", "Total").

Built from the field itself and the active rule packs, never from a list of one document type: the words of
its name (`fax_number` -> "fax number", and "fax" since "number" is one of the packs' `label_number` words,
which a label may also carry after it: "Fax No.", "Telephone#"), its title when short, the text its
title or description quotes ("Who it is from (the 'From' field)" -> "from"), its aliases (`x-ocula-aliases`),
its `x-ocula-labels` hint (with "@name" vocabularies expanded), and the packs' vocabulary named like the field
(`total` -> the packs' total words, `phone` -> "tel", "telephone").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ocula.schemas.kinds import LABELS_KEY, name_words
from ocula.schemas.packs import Rules

ALIASES_KEY = "x-ocula-aliases"  # list[str]: other names of a field that a page may print as its label
NUMBER_VOCAB = "label_number"  # the packs' words for "number" in a label ("no", "#")
MAX_TITLE_WORDS = 4  # a longer title is a sentence, not a label
# Text in quotes inside a title or description: "the 'From' field", 'the "Fax No" box'. A quote opens after a
# space or bracket and closes before one or punctuation, so an apostrophe ("company's") is not a quote.
_QUOTED = re.compile(r"(?:^|(?<=[\s(\[]))[\"'‘“]([^\"'’”\n]{1,40}?)[\"'’”](?=[\s).,;:!?\]]|$)")


def normalise(phrase: str) -> str:
    """A label as matched: lower case, '#' kept as a word, other punctuation and repeated spaces dropped."""
    text = phrase.lower().replace("#", " # ")
    return " ".join(re.sub(r"[^\w#]+", " ", text).replace("_", " ").split())


def _texts(node: Mapping[str, Any], key: str) -> list[str]:
    value = node.get(key)
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list | tuple) else []


def field_labels(name: str, node: Mapping[str, Any], rules: Rules) -> tuple[str, ...]:
    """The normalised label phrases of the field `name` whose JSON-schema node is `node` (see the module
    docstring), the field's own words first."""
    numbers = set(rules.vocabulary(NUMBER_VOCAB))
    phrases: list[str] = [" ".join(name_words(name))]
    titles = _texts(node, "title")
    phrases += [t for t in titles if len(t.split()) <= MAX_TITLE_WORDS]
    for text in titles + _texts(node, "description"):
        phrases += [m.group(1) for m in _QUOTED.finditer(text)]
    phrases += _texts(node, ALIASES_KEY)
    phrases += rules.phrases(_texts(node, LABELS_KEY))
    out = [p for p in (normalise(p) for p in phrases) if p]
    for phrase in list(out):
        words = phrase.split()
        if len(words) > 1 and words[-1] in numbers:  # "fax number" is printed "Fax" (+ "No.", "#")
            out.append(" ".join(words[:-1]))
    for phrase in list(out):
        out += [normalise(p) for p in rules.vocabulary(phrase.replace(" ", "_"))]
    return tuple(dict.fromkeys(p for p in out if p and p not in numbers))


def all_labels(fields: Iterable[tuple[str, Mapping[str, Any]]], rules: Rules) -> dict[str, tuple[str, ...]]:
    """Each field's label phrases (`field_labels`), for the fields of one object."""
    return {name: field_labels(name, node, rules) for name, node in fields}


__all__ = ["ALIASES_KEY", "NUMBER_VOCAB", "all_labels", "field_labels", "normalise"]
