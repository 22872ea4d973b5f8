"""Labels on the page and the values beside them: a generic layout mechanism for forms and receipts alike.

A field's label phrases (`label_words.py`) are found among the OCR lines as whole words, case-insensitive and
tolerant of one OCR slip in a long word ("Subiect"), with a number word or '#' and a colon allowed after them
("Fax No.:", "TO:"). A phrase counts as a label where it starts its line (or a part of it after a separator)
or is followed by a colon; a word inside a sentence is not a label.

A value is taken from one of three places, by its relation to a label:
- `after`: the rest of the label's line, up to the next label printed on that line ("To: Jack Reilly");
- `right`: the nearest line to the right on the same row, up to its first label;
- `below`: the nearest line below in the label's column.
Text that is itself a label (another field's label, or words ending in a colon) is not a value. Each
candidate is scored by its relation, the label's look (a colon, its own line, capitals) and its distance; the
best is decided by the rule when it clearly leads, otherwise the model chooses among the best few.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ocula.pipelines.grounding.lines import Candidate, DocLine, span_box
from ocula.pipelines.grounding.values import Finder
from ocula.schemas import BBox, union_all
from ocula.schemas.kinds import Kind

# Words, '#', and a word of three letters or more glued to a number or a capitalised word after it ("DATE3/17/82",
# "DATEMay 27") apart from it.
_TOKEN = re.compile(r"[^\W\d_]{3,}(?=\d)|[A-Z]{3,}(?=[A-Z][a-z])|[^\W_]+|#")
_SEPARATOR = re.compile(r"[:|;]|\s{2,}")
_AFTER_LABEL = re.compile(r"[\s:;.#\-=_|>]*")
_EDGES = " \t:;,|_-=.>*"
# A word that ends in a colon is a label of its own ("Pages:", "Re:"), not a value (a time "10:30" is not).
_OTHER_LABEL = re.compile(r"(?:^|\s)([^\W\d_][\w.#/&]*\s?:)(?!\d)")
# A word between a label and its colon qualifies it: "Brand Name:" is a brand label, "Date received:" maybe not.
_QUALIFIER = re.compile(r"\s+[^\W\d_][\w.]*(?=\s?:(?!\d))")
FAR_RIGHT = 3.0  # line heights between a column header and the next text on its row
SENTENCE_WORDS = 4  # words after a label without a colon that make its line a sentence
RELATION_SCORE = {"after": 2.8, "right": 2.4, "below": 1.6}
MAX_BELOW_LINES = 3.5  # how far below a label its value may start, in line heights
MAX_RIGHT_GAP = 0.45  # how far right of a label its value may start, as a share of the page's width of text
DECISIVE_MARGIN = 0.6  # the best candidate leads the next by this much: the rule decides
MAX_ASKED = 5  # candidates the model chooses among when the rule does not decide
MAX_MORE_LINES = 8  # lines a text value may run on below its first
MAX_GAP_BELOW = 0.6  # the most space between two lines of one value, in line heights


@dataclass(frozen=True)
class LabelHit:
    """One printed label: its line, the characters of the label (with a trailing number word and colon), the
    phrase it matched and how much it looks like a label."""

    line: DocLine
    start: int
    end: int
    phrase: str
    score: float
    marked: bool = True  # ends in a colon or stands alone on its line: a label for sure, never a value

    @property
    def text(self) -> str:
        return self.line.text[self.start : self.end]

    @property
    def box(self) -> BBox:
        return span_box(self.line, self.start, self.end)


@dataclass
class LabelCandidate:
    candidate: Candidate
    relation: str
    hit: LabelHit
    score: float


@dataclass
class LabelChoice:
    """A field's candidates beside its labels, best first, and whether the rule decides (the first one)."""

    candidates: list[LabelCandidate]
    decided: bool
    among: int = 0  # the distinct values of the field's kind on the page (the label chose among them when > 1)

    @property
    def label(self) -> str:
        return self.candidates[0].hit.text.strip(_EDGES) if self.candidates else ""


# Digits an OCR engine reads for letters in a word ("T0:" for "TO:").
_LOOKALIKE = str.maketrans("015", "ols")


def _similar(a: str, b: str) -> bool:
    """Equal (a digit read for a look-alike letter in a word counts as it), or (words of five letters or more)
    one letter changed, added or dropped."""
    if any(ch.isalpha() for ch in b):
        b = b.translate(_LOOKALIKE)
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def find_labels(lines: Sequence[DocLine], phrases: Iterable[str], numbers: Iterable[str] = ()) -> list[LabelHit]:
    """Every place a line prints one of the (normalised) `phrases` as a label (see the module docstring)."""
    wanted = [p.split() for p in dict.fromkeys(phrases) if p]
    number_words = set(numbers)
    hits: list[LabelHit] = []
    for line in lines:
        text = line.text
        tokens = [(m.group().lower(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        taken: list[tuple[int, int]] = []
        for words in sorted(wanted, key=len, reverse=True):
            for i in range(len(tokens) - len(words) + 1):
                if not all(_similar(w, tokens[i + k][0]) for k, w in enumerate(words)):
                    continue
                start, end = tokens[i][1], tokens[i + len(words) - 1][2]
                if any(s < end and start < e for s, e in taken):
                    continue
                j = i + len(words)
                while j < len(tokens) and tokens[j][0] in number_words and not text[end : tokens[j][1]].strip(" ."):
                    end = tokens[j][2]
                    j += 1
                plural = re.match(r"\(\w{1,3}\)", text[end:])  # "Brand(s)"
                end += plural.end() if plural else 0
                qualified = _QUALIFIER.match(text[end:])  # "Brand Name:", "Date received:": a label still
                end += qualified.end() if qualified else 0
                rest = text[end:]
                colon = re.match(r"\s*[.#]?\s*[:;]", rest)
                before = text[:start]
                starts = not before.strip() or bool(_SEPARATOR.search(before[-3:] if before else ""))
                if not (starts or colon):
                    continue
                if colon:
                    end += colon.end()
                exact = all(w == tokens[i + k][0] for k, w in enumerate(words))
                alone = not text[end:].strip(_EDGES)
                capital = text[start : start + 1].isupper()
                score = 0.2 + 0.6 * bool(colon) + 0.3 * alone + 0.2 * capital + 0.2 * exact + 0.8 * starts
                score -= 0.8 * bool(qualified)  # but another field's, maybe
                if not colon:  # a longer label ("Date Made 11/3/61") or a sentence ("TO US AT THE ABOVE ADDRESS")
                    after = _TOKEN.findall(text[end:])
                    score -= 0.4 * bool(after and after[0].isalpha()) + 0.6 * (len(after) >= SENTENCE_WORDS)
                taken.append((start, end))
                hits.append(LabelHit(line, start, end, " ".join(words), score, bool(colon) or alone))
    return hits


def _value_end(text: str, start: int, stops: Sequence[LabelHit], line_id: int) -> int:
    """Where a value that starts at `start` ends: before the next label on its line."""
    end = len(text)
    for hit in stops:
        if hit.line.id == line_id and start < hit.start < end:
            end = hit.start
    other = _OTHER_LABEL.search(text, start)
    if other and other.start(1) > start:
        end = min(end, other.start(1))
    return end


def _is_label(line: DocLine, start: int, stops: Sequence[LabelHit]) -> bool:
    """The text of `line` from `start` begins with a label (another field's with a colon or on a line of its own,
    or words ending in a colon)."""
    lead = len(line.text) - len(line.text[start:].lstrip(_EDGES))
    if any(h.line.id == line.id and h.start <= lead < h.end and h.marked for h in stops):
        return True
    other = _OTHER_LABEL.match(line.text[lead:])
    return bool(other and other.start(1) <= 1)


def _region(line: DocLine, start: int, stops: Sequence[LabelHit]) -> tuple[int, int] | None:
    """The value's characters in `line` from `start`: edges trimmed, up to the next label; None if empty."""
    end = _value_end(line.text, start, stops, line.id)
    piece = line.text[start:end]
    s = start + len(piece) - len(piece.lstrip(_EDGES))
    e = start + len(piece.rstrip(_EDGES))
    if e <= s or not any(ch.isalnum() for ch in line.text[s:e]):
        return None
    return s, e


def _confidences(lines: Sequence[DocLine]) -> list[float]:
    return [ln.confidence for ln in lines if ln.confidence is not None]


def _same_row(a: BBox, b: BBox) -> bool:
    ca, cb = (a.y0 + a.y1) / 2, (b.y0 + b.y1) / 2
    return a.page == b.page and (b.y0 <= ca <= b.y1 or a.y0 <= cb <= a.y1)


def _headings(hit: LabelHit, right: DocLine) -> bool:
    """A label and the next text on its row look like the headings of two columns: no colon, one word right of
    it, both in capitals."""
    label, other = hit.text.strip(), right.text.strip()
    return not label.endswith(":") and len(other.split()) == 1 and label.isupper() and other.isupper()


def _places(
    hit: LabelHit, lines: Sequence[DocLine], stops: Sequence[LabelHit], width: float
) -> list[tuple[str, DocLine, int, int, float]]:
    """(relation, line, start, end, distance in line heights) of the text beside a label."""
    out = []
    box = hit.box
    height = max(box.height, 1.0)
    after = _region(hit.line, hit.end, stops)
    if after:
        out.append(("after", hit.line, *after, 0.0))
    right = [
        ln
        for ln in lines
        if ln.id != hit.line.id
        and _same_row(ln.box, box)
        and ln.box.x0 >= box.x1 - height / 2
        and ln.box.x0 - box.x1 <= MAX_RIGHT_GAP * width
    ]
    if out:
        return out
    if right:
        nearest = min(right, key=lambda ln: ln.box.x0)
        if not _is_label(nearest, 0, stops) and (found := _region(nearest, 0, stops)):
            out.append(("right", nearest, *found, (nearest.box.x0 - box.x1) / height))
    below = [
        ln
        for ln in lines
        if ln.page == box.page
        and ln.box.y0 >= box.y1 - height / 3
        and ln.box.y0 - box.y1 <= MAX_BELOW_LINES * height
        and (min(ln.box.x1, hit.line.box.x1) > max(ln.box.x0, box.x0) or abs(ln.box.x0 - box.x0) < 2 * height)
        and not _same_row(ln.box, box)
    ]
    if below:
        nearest = min(below, key=lambda ln: (ln.box.y0, abs(ln.box.x0 - box.x0)))
        gap = max(nearest.box.y0 - box.y1, 0.0) / height
        if not _is_label(nearest, 0, stops) and (found := _region(nearest, 0, stops)):
            # a value right of the label wins, unless the label heads a column: no colon, the next text on its
            # row far off and like another heading (one word, capitals as the label's), a value close under it
            header = out and gap < 1 and out[0][4] > FAR_RIGHT and _headings(hit, out[0][1])
            out = [("below", nearest, *found, gap)] if not out or header else out
    return out


def _continued(
    line: DocLine, start: int, lines: Sequence[DocLine], stops: Sequence[LabelHit], label: DocLine
) -> list[DocLine]:
    """The lines that carry a text value on below its first line: each starts in the value's column, close under
    the one before (less than `MAX_GAP_BELOW` of a line's height), is no label, and has nothing left of it on
    its row (that would be the next row's label) nor close right of it (a row of items, not a value's line)."""
    x0 = span_box(line, start, len(line.text)).x0
    out: list[DocLine] = []
    last = line
    while len(out) < MAX_MORE_LINES:
        height = max(last.box.height, 1.0)
        below = [
            ln
            for ln in lines
            if ln.page == last.page
            and ln.id != last.id
            and ln not in out
            and ln.box.y0 > last.box.y0 + height / 3
            and ln.box.y0 - last.box.y1 <= MAX_GAP_BELOW * height
            and abs(ln.box.x0 - x0) <= height
        ]
        if not below:
            break
        nearest = min(below, key=lambda ln: ln.box.y0)
        beside = any(
            _same_row(ln.box, nearest.box)
            and (ln.box.x1 <= nearest.box.x0 or 0 <= ln.box.x0 - nearest.box.x1 < nearest.box.height)
            for ln in lines
            if ln not in (nearest, label)
        )
        if (
            beside
            or _is_label(nearest, 0, stops)
            or _region(nearest, 0, stops) != (0, len(nearest.text.rstrip(_EDGES)))
        ):
            break
        out.append(nearest)
        last = nearest
    return out


def label_candidates(
    kind: Kind,
    lines: Sequence[DocLine],
    hits: Sequence[LabelHit],
    stops: Sequence[LabelHit],
    finder: Finder | None,
) -> LabelChoice:
    """The candidates beside the field's label `hits`, scored (`stops` are every field's labels, where a value
    ends; `finder` finds values of `kind` in a region, None for text, where the region itself is the value)."""
    width = max((ln.box.x1 for ln in lines), default=1.0) - min((ln.box.x0 for ln in lines), default=0.0)
    scored: dict[str, LabelCandidate] = {}
    for hit in hits:
        for relation, line, start, end, distance in _places(hit, lines, stops, width):
            if finder is None:
                found = [(start, end, None)]
            else:
                found = [(s, e, p) for s, e, p in finder(line.text) if s >= start and e <= end]
            for order, (s, e, parsed) in enumerate(found):
                text = line.text[s:e].strip()
                cand = Candidate(text, (line.id,), span_box(line, s, e), kind, parsed, line.confidence)
                more = (
                    _continued(line, s, lines, stops, hit.line)
                    if finder is None and e == len(line.text.rstrip(_EDGES))
                    else []
                )
                if more:  # the first line's own punctuation stays (a comma before the next line)
                    text = " ".join([line.text[s:].strip(), *(ln.text.strip(_EDGES) for ln in more)])
                    box = union_all([cand.box, *(ln.box for ln in more)])
                    ids = (line.id, *(ln.id for ln in more))
                    cand = Candidate(text, ids, box, kind, None, min(_confidences([line, *more]), default=None))
                score = RELATION_SCORE[relation] + hit.score - 0.1 * min(distance, 10.0) - 2 * DECISIVE_MARGIN * order
                if text not in scored or score > scored[text].score:
                    scored[text] = LabelCandidate(cand, relation, hit, score)
    ranked = sorted(scored.values(), key=lambda c: -c.score)
    decided = len(ranked) == 1 or (len(ranked) > 1 and ranked[0].score - ranked[1].score >= DECISIVE_MARGIN - 1e-9)
    return LabelChoice(ranked[:1] if decided else ranked[:MAX_ASKED], decided)


__all__ = ["LabelCandidate", "LabelChoice", "LabelHit", "find_labels", "label_candidates"]
