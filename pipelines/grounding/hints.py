"""Layout hints that narrow a field's candidates: the first lines of a page, the row of a wanted label (and not
of an excluded one), one value picked by size or position, and the total after cash rounding.

Label lists reach this module already expanded (a schema's "@name" vocabulary references are resolved against
the active rule packs by the grounded grammar), so it holds no words of its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from ocula.pipelines.grounding.lines import Candidate, DocLine
from ocula.schemas import BBox


def _same_row(a: BBox, b: BBox) -> bool:
    if a.page != b.page:
        return False
    ca = (a.y0 + a.y1) / 2
    cb = (b.y0 + b.y1) / 2
    return b.y0 <= ca <= b.y1 or a.y0 <= cb <= a.y1


def _row_text(cand: Candidate, lines: Sequence[DocLine], with_next: bool) -> str:
    """Text of the candidate's lines and every line on the same row (and the line before, for labels above)."""
    ids = set(cand.line_ids)
    first = min(cand.line_ids)
    texts = [ln.text for ln in lines if ln.id in ids or _same_row(ln.box, cand.box)]
    if with_next and first > 0 and lines[first - 1].page == cand.page:
        texts.append(lines[first - 1].text)
    return " ".join(texts).lower()


def _phrase(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z]){re.escape(phrase.lower())}(?![a-z])")


def has_label(text: str, labels: Sequence[str]) -> bool:
    return any(_phrase(label).search(text) for label in labels)


# What may stand between a label and its qualifier: punctuation and a rate ("Total 6% supplies").
_RATE = re.compile(r"^[\s:.\-]*(?:\d+(?:\.\d+)?\s*%\s*)?")


def _labelled(text: str, labels: Sequence[str], exclude: Sequence[str]) -> bool:
    """A label on the row that is neither part of an excluded phrase ("total" in "sub total") nor qualified
    by one right before or after it ("cash total", "total tax", "total 6% supplies")."""
    inside = [m.span() for x in exclude for m in _phrase(x).finditer(text)]
    for label in labels:
        for m in _phrase(label).finditer(text):
            if any(s <= m.start() and m.end() <= e for s, e in inside):
                continue
            after = _RATE.sub("", text[m.end() :])
            before = text[: m.start()].rstrip(" :.-")
            if any(_phrase(x).match(after) or re.search(rf"{_phrase(x).pattern}$", before) for x in exclude):
                continue
            return True
    return False


def apply_hints(
    cands: list[Candidate],
    lines: Sequence[DocLine],
    *,
    top: int | None = None,
    labels: Sequence[str] = (),
    exclude: Sequence[str] = (),
    pick: str | None = None,
    rounded: Sequence[str] = (),
    trace: list[tuple[str, list[Candidate]]] | None = None,
) -> list[Candidate]:
    """Narrow candidates by layout hints; a hint that would leave nothing is ignored.

    `top` keeps the first lines of a page; `exclude` drops values on a row that names an excluded label
    and no wanted one ("Sub Total", "Cash", but not "Total (incl. VAT)"); `labels` keeps values on a row
    with a wanted label, or, failing that, on the line after one; `pick` then keeps one value: the
    largest or smallest (by parsed value), or the first or last in reading order. A picked amount then gives
    way to one on a row labelled `rounded` that is less than 0.10 away (the total after cash rounding).
    `trace`, when given, gains (hint, the candidates before it) for every hint that narrowed them.
    """
    out = cands

    def step(name: str, kept: list[Candidate]) -> list[Candidate]:
        if trace is not None and kept and len(kept) < len(out):
            trace.append((name, out))
        return kept or out

    if top:
        first_ids: set[int] = set()
        for page in {ln.page for ln in lines}:
            first_ids |= {ln.id for ln in [ln for ln in lines if ln.page == page][:top]}
        out = step("top", [c for c in out if set(c.line_ids) <= first_ids])
    if exclude:
        kept = []
        for c in out:
            row = _row_text(c, lines, with_next=False)
            if not has_label(row, exclude) or _labelled(row, labels, exclude):
                kept.append(c)
        out = step("exclude", kept)
    if labels:
        kept = [c for c in out if _labelled(_row_text(c, lines, with_next=False), labels, exclude)]
        if not kept:
            kept = [c for c in out if _labelled(_row_text(c, lines, with_next=True), labels, exclude)]
        out = step("labels", kept)
    if pick and out:
        out = step("pick", _pick(out, pick))
    if rounded and out:
        rounded_out = _rounded(out, cands, lines, rounded)
        if trace is not None and rounded_out:
            trace.append(("rounded", out))
        out = rounded_out or out
    return out


ROUNDING_STEP = Decimal("0.10")


def _rounded(
    picked: list[Candidate], cands: list[Candidate], lines: Sequence[DocLine], labels: Sequence[str]
) -> list[Candidate]:
    values = {c.parsed for c in picked}
    if len(values) != 1 or not isinstance(value := next(iter(values)), Decimal):
        return []
    return [
        c
        for c in cands
        if isinstance(c.parsed, Decimal)
        and 0 < abs(c.parsed - value) < ROUNDING_STEP < c.parsed
        and has_label(_row_text(c, lines, with_next=False), labels)
    ]


def _pick(cands: list[Candidate], how: str) -> list[Candidate]:
    if how in ("first", "last"):
        return [cands[0] if how == "first" else cands[-1]]
    if how not in ("max", "min"):
        raise ValueError(f"unknown pick {how!r}: use max, min, first or last")
    valued = [c for c in cands if isinstance(c.parsed, Decimal | int | float)]
    if not valued:
        return cands
    best = (max if how == "max" else min)(c.parsed for c in valued)
    return [c for c in valued if c.parsed == best]
