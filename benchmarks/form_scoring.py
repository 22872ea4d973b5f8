"""The forms benchmark's pure parts: which FUNSD questions become fields, the user's schema, and the scores.

A field is a question entity whose text, lower-cased with punctuation dropped, is one of a common label's
spellings (`LABELS`), linked to exactly one non-empty answer entity; a label asked twice on a form is left out
there (its truth would be ambiguous). The answer entity's text is the truth.

Scores: exact match after upper-casing, dropping all white space and stripping punctuation at the ends (FUNSD's
word tokens put spaces around punctuation: `12 /10 /98` is `12/10/98`); token F1 over runs of letters and
digits, upper-cased. A missing prediction scores 0 against a truth.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, create_model


@dataclass(frozen=True)
class Label:
    """A common form label: the field a user would name for it, its spellings on forms, a plain description."""

    field: str
    spellings: tuple[str, ...]
    description: str


# The listed labels and their obvious variants (abbreviations, "No"/"Number"/"#", plural, "Telephone").
# Spellings are compared after `question_key` (lower case, punctuation other than '#' dropped).
LABELS: tuple[Label, ...] = (
    Label("to", ("to",), "Who the document is addressed to (the 'To' field)"),
    Label("from_", ("from",), "Who the document is from (the 'From' field)"),
    Label("date", ("date",), "The date of the document (the 'Date' field)"),
    Label("company", ("company",), "The company named on the form (the 'Company' field)"),
    Label(
        "fax",
        ("fax", "fax no", "fax number", "fax #", "fax no #"),
        "The fax number (the 'Fax' field)",
    ),
    Label(
        "phone",
        (
            "phone",
            "phone no",
            "phone number",
            "phone #",
            "telephone",
            "telephone no",
            "telephone number",
            "telephone #",
            "tel",
            "tel no",
        ),
        "The telephone number (the 'Phone' field)",
    ),
    Label("subject", ("subject",), "What the document is about (the 'Subject' field)"),
    Label("cc", ("cc",), "Who receives a copy of the document (the 'cc' field)"),
    Label("division", ("division",), "The division (the 'Division' field)"),
    Label("region", ("region",), "The region (the 'Region' field)"),
    Label("brand", ("brand", "brands", "brand s", "brand name"), "The brand (the 'Brand' field)"),
    Label("manufacturer", ("manufacturer",), "The manufacturer (the 'Manufacturer' field)"),
)
LABEL_ORDER = {label.field: i for i, label in enumerate(LABELS)}
_BY_FIELD = {label.field: label for label in LABELS}


def question_key(text: str) -> str:
    """A question's text as its label spelling: lower case, '#' kept as a word, other punctuation dropped."""
    text = text.lower().replace("#", " # ")
    return " ".join(re.sub(r"[^\w#]+", " ", text).replace("_", " ").split())


_SPELLINGS = {question_key(s): label.field for label in LABELS for s in label.spellings}


def label_of(question: str) -> str | None:
    """The field a question's text names, or None when it is not one of the common labels."""
    return _SPELLINGS.get(question_key(question))


@dataclass(frozen=True)
class FormField:
    field: str
    question: str
    truth: str
    question_id: int
    answer_id: int


def form_fields(annotation: dict[str, Any]) -> list[FormField]:
    """The benchmark's fields of one FUNSD annotation (`{"form": [entities]}`), in `LABELS` order."""
    entities = {e["id"]: e for e in annotation["form"]}
    links: dict[int, set[int]] = {}
    for entity in annotation["form"]:
        for a, b in entity.get("linking", []):  # links are listed on either end, or both
            links.setdefault(a, set()).add(b)
            links.setdefault(b, set()).add(a)
    asked: dict[str, list[dict[str, Any]]] = {}
    for entity in annotation["form"]:
        field = label_of(entity["text"]) if entity["label"] == "question" else None
        if field:
            asked.setdefault(field, []).append(entity)
    out = []
    for field, questions in asked.items():
        if len(questions) != 1:
            continue
        question = questions[0]
        answers = [
            entities[i]
            for i in sorted(links.get(question["id"], ()))
            if i in entities and entities[i]["label"] == "answer" and entities[i]["text"].strip()
        ]
        if len(answers) == 1:
            answer = answers[0]
            out.append(FormField(field, question["text"], answer["text"].strip(), question["id"], answer["id"]))
    return sorted(out, key=lambda f: LABEL_ORDER[f.field])


def build_schema(fields: list[FormField] | list[str], name: str = "Form") -> type[BaseModel]:
    """The schema a user would write for these fields: each `str | None`, default None, a plain description."""
    names = [f.field if isinstance(f, FormField) else f for f in fields]
    definitions: dict[str, Any] = {
        n: (str | None, Field(default=None, description=_BY_FIELD[n].description)) for n in names
    }
    return create_model(name, **definitions)


_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")
_TOKEN = re.compile(r"[^\W_]+")


def norm_exact(value: Any) -> str:
    """Upper case, every white space dropped, punctuation stripped at the ends."""
    text = "".join(str(value if value is not None else "").upper().split())
    return _EDGE_PUNCT.sub("", text)


def tokens(value: Any) -> list[str]:
    """Runs of letters and digits, upper-cased (punctuation and FUNSD's spacing around it do not count)."""
    return _TOKEN.findall(str(value if value is not None else "").upper())


def exact_match(predicted: Any, truth: Any) -> bool:
    expected = norm_exact(truth)
    return predicted is not None and bool(expected) and norm_exact(predicted) == expected


def token_f1(predicted: Any, truth: Any) -> float:
    """Token-overlap F1 (multiset), as in SQuAD; 0 for a missing prediction or an empty side."""
    if predicted is None:
        return 0.0
    pred, gold = Counter(tokens(predicted)), Counter(tokens(truth))
    common = sum((pred & gold).values())
    if not common:
        return 0.0
    precision, recall = common / sum(pred.values()), common / sum(gold.values())
    return 2 * precision * recall / (precision + recall)
