"""Type-aware grounded candidates: which page text a field of each kind may take.

Every candidate is text that is printed on the page (a line, a span of a line, or consecutive lines), with the
ids of the lines it comes from, its box, and a parsed form where the kind has one (ISO date, Decimal). The
grounded grammar lets a field take only its kind's candidates. Kinds with a format are found by the finders of
`values.py`; text, multiline values and names are spans of lines and runs of whole lines. Locale knowledge
comes from the active rule packs (`rules`; the default packs when None).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ocula.pipelines.grounding.lines import Candidate, DocLine, group_readings, span_box
from ocula.pipelines.grounding.names import MAX_NAME_LINES, is_name
from ocula.pipelines.grounding.values import Finder, finders
from ocula.schemas import union_all
from ocula.schemas.kinds import Kind
from ocula.schemas.packs import Rules, default_rules

# Where a line splits into fields: runs of spaces, colons, brackets, bars, " - ", and before a trailing
# registration number ("KING'S CONFECTIONERY S/B 273500-U", "... S/B 273500-U (GKJ)").
_SPLIT = re.compile(
    r"\s{2,}|\s*:\s+|(?<=[A-Za-z])\s*:\s*|\s*\|\s*|\s+-\s+|\s*\(|\)|\s+(?=[A-Z]{0,3}\d{5,}-?[A-Z]?(?:\s*\([^()]*\))?$)"
)
MAX_JOINED_LINES = 5


def _segments(text: str) -> list[tuple[int, int]]:
    """The pieces of `text` between separators, stripped of brackets and spaces."""
    bounds = [0]
    for m in _SPLIT.finditer(text):
        if m.end() > m.start():
            bounds += [m.start(), m.end()]
    bounds.append(len(text))
    out = []
    for i in range(0, len(bounds), 2):
        s, e = bounds[i], bounds[i + 1]
        seg = text[s:e].strip(" ()")
        if seg:
            off = text.find(seg, s)
            out.append((off, off + len(seg)))
    return out


def text_spans(line: DocLine) -> list[tuple[int, int]]:
    """The whole line, its segments split at separators (':', '(', runs of spaces, ' - ', a trailing
    registration number), and every run of consecutive segments (so "ACME CO. (UK) LTD" comes out of
    "ACME CO. (UK) LTD (126926-H)")."""
    text = line.text
    spans = {(0, len(text))}
    segments = _segments(text)
    for i in range(len(segments)):
        for j in range(i, len(segments)):
            spans.add((segments[i][0], _close_bracket(text, segments[i][0], segments[j][1])))
    return sorted((s, e) for s, e in spans if _is_value(text[s:e]))


def _close_bracket(text: str, start: int, end: int) -> int:
    """`end`, moved past a closing bracket whose opening one is inside the span ("(EUROPE) GMBH")."""
    if text[end : end + 1] == ")" and text[start:end].count("(") > text[start:end].count(")"):
        return end + 1
    return end


def _is_value(text: str) -> bool:
    """Text that can be a value: has a letter or digit and no unpaired bracket ("UK) LTD")."""
    depth = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0 and any(ch.isalnum() for ch in text)


def _from_matches(lines: Iterable[DocLine], kind: Kind, finder: Finder) -> list[Candidate]:
    out = []
    for line in lines:  # the first engine's reading only: it reads digits better, and a misread amount
        for s, e, parsed in finder(line.text):  # would be a wrong candidate for `pick: max`
            text = line.text[s:e].strip()
            if text:
                out.append(Candidate(text, (line.id,), span_box(line, s, e), kind, parsed, line.confidence))
    return out


def _joined(group: Sequence[DocLine], kind: Kind) -> list[Candidate]:
    """Consecutive lines read as one value: the whole lines, and the whole lines up to a separator of the
    last one (a name that ends mid-line, before its registration number)."""
    head = " ".join(ln.text for ln in group[:-1])
    last = group[-1]
    conf = min((ln.confidence for ln in group if ln.confidence is not None), default=None)
    ids = tuple(ln.id for ln in group)
    ends = {len(last.text)} | {_close_bracket(last.text, 0, e) for _, e in _segments(last.text)}
    out = []
    for end in sorted(ends, reverse=True):
        if not _is_value(last.text[:end]):
            continue
        box = union_all([*(ln.box for ln in group[:-1]), span_box(last, 0, end)])
        out.append(Candidate(f"{head} {last.text[:end]}", ids, box, kind, None, conf))
    return out


def _text_candidates(lines: Sequence[DocLine], kind: Kind, rules: Rules) -> list[Candidate]:
    out = []
    for line in (reading for ln in lines for reading in ln.readings()):
        for s, e in text_spans(line):
            out.append(Candidate(line.text[s:e], (line.id,), span_box(line, s, e), kind, None, line.confidence))
    joined = {"multiline": MAX_JOINED_LINES, "name": MAX_NAME_LINES}.get(kind, 1)
    for i in range(len(lines)):
        for n in range(2, joined + 1):
            group = lines[i : i + n]
            if len(group) < n or len({ln.page for ln in group}) > 1:
                break
            for reading in group_readings(group):
                out.extend(_joined(reading, kind))
    if kind == "name":
        out = [c for c in out if is_name(c.text, rules)]
    return out


def candidates_for(kind: Kind, lines: Sequence[DocLine], rules: Rules | None = None) -> list[Candidate]:
    """All page text a field of `kind` may take, in reading order; the same text on several lines is kept once
    per line, so layout hints can choose the occurrence on the right row."""
    rules = rules or default_rules()
    if kind in ("text", "multiline", "name"):
        found = _text_candidates(lines, kind, rules)
    else:
        found = _from_matches(lines, kind, finders(rules)[kind])
    seen: dict[tuple[str, tuple[int, ...]], Candidate] = {}
    for cand in found:
        seen.setdefault((cand.text, cand.line_ids), cand)
    return list(seen.values())
