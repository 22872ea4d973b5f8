"""How close another results file comes to the reviewed values: field accuracy against the corrections.

The reviewed documents (those with a correction or marked done) are the reference; another run over the same
documents (say, with a fine-tuned adapter) is matched by document and scored field by field. Values are equal
when they are the same number, or the same text up to white space.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocula.pipelines.batch.records import flatten
from ocula.review.results import matches, read_results
from ocula.review.session import ReviewSession

_INDEX = re.compile(r"^p\d+\.|\.\d+(?=\.|$)")  # page prefixes and list indices: one column per field


@dataclass
class FieldScore:
    right: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


@dataclass
class Comparison:
    """Per-field counts of another results file against the reviewed values."""

    path: Path
    documents: int = 0
    missing: int = 0
    fields: dict[str, FieldScore] = field(default_factory=dict)

    @property
    def right(self) -> int:
        return sum(s.right for s in self.fields.values())

    @property
    def total(self) -> int:
        return sum(s.total for s in self.fields.values())

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


def same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return " ".join(str(a).split()) == " ".join(str(b).split())


def _leaves(value: Any) -> dict[str, Any]:
    if isinstance(value, list):  # a per-page run: p1., p2., ...
        out: dict[str, Any] = {}
        for n, page in enumerate(value, 1):
            out.update({f"p{n}.{k}": v for k, v in _leaves(page).items()})
        return out
    return flatten(value) if isinstance(value, dict) else {}


def compare(session: ReviewSession, other: Path, only: Sequence[str] | None = None) -> Comparison:
    """Score `other`'s values against the reviewed documents' corrected values (matched by file); `only`:
    globs the reviewed documents' sources must match (a held-out split, say)."""
    theirs = {}
    for document in read_results(other).documents:
        theirs[str(document.path) if document.path else document.source] = document.record
    out = Comparison(other)
    for document in session.results.documents:
        if not matches(document, only):
            continue
        state = session.state(document.id)
        if not (state.changed or state.done):
            continue
        out.documents += 1
        record = theirs.get(str(document.path) if document.path else document.source)
        if record is None:
            out.missing += 1
        gold = _leaves(state.value)
        got = _leaves(record.get("value")) if record else {}
        for path, value in gold.items():
            score = out.fields.setdefault(_INDEX.sub("", path), FieldScore())
            score.total += 1
            score.right += record is not None and same(value, got.get(path))
    return out


def table(comparisons: list[Comparison]) -> str:
    """A plain-text table: one row per results file, one column per field, then all fields."""
    names = sorted({name for c in comparisons for name in c.fields})
    header = ["results", "documents", *names, "all"]
    rows = [
        [
            c.path.name,
            f"{c.documents}" + (f" ({c.missing} missing)" if c.missing else ""),
            *(f"{c.fields[n].accuracy:.2f}" if n in c.fields else "-" for n in names),
            f"{c.accuracy:.3f}",
        ]
        for c in comparisons
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in [header, *rows])
