"""The document as the grounding modules see it: its lines in reading order over all pages (with each OCR
engine's reading), the boxes of spans of a line, and the candidate values taken from them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ocula.schemas import BBox, OCRPage, union_all
from ocula.schemas.kinds import Kind


@dataclass(frozen=True)
class DocLine:
    """A line of the document with a global id (its position in reading order over all pages)."""

    id: int
    page: int
    text: str
    box: BBox
    confidence: float | None = None
    word_boxes: tuple[tuple[str, BBox], ...] = ()
    alternatives: tuple[str, ...] = ()

    def readings(self) -> list[DocLine]:
        """The line as each OCR engine read it: itself, then one line per alternative reading (same id and
        box; no word boxes, so spans of an alternative get proportional boxes)."""
        return [self, *(replace(self, text=t, word_boxes=(), alternatives=()) for t in self.alternatives)]


def group_readings(group: Sequence[DocLine]) -> list[list[DocLine]]:
    """Consecutive lines read whole by each engine: as the first engine read them and, when any line has
    an alternative, with every line's first alternative (lines without one as they are). Two readings,
    not every mix, so a block of lines stays one engine's text where both engines saw it."""
    out = [list(group)]
    if any(ln.alternatives for ln in group):
        out.append([ln.readings()[1] if ln.alternatives else ln for ln in group])
    return out


@dataclass
class Candidate:
    """A value a field may take: text printed on the page, the lines it comes from, its box, and its parsed
    form where its kind has one (the dates it can mean, a Decimal)."""

    text: str
    line_ids: tuple[int, ...]
    box: BBox
    kind: Kind
    parsed: Any = None
    line_confidence: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def page(self) -> int:
        return self.box.page


def doc_lines(pages: Sequence[OCRPage]) -> list[DocLine]:
    out: list[DocLine] = []
    for page in pages:
        for line in page.lines:
            text = " ".join(line.text.split())
            if not text:
                continue
            words = tuple((w.text, w.box.with_page(page.page)) for w in line.words)
            alternatives = tuple(
                dict.fromkeys(a for a in (" ".join(t.split()) for t in line.alternatives) if a and a != text)
            )
            box = line.box.with_page(page.page)
            out.append(DocLine(len(out), page.page, text, box, line.confidence, words, alternatives))
    return out


def span_box(line: DocLine, start: int, end: int) -> BBox:
    """Box of characters [start, end) of a line: from word boxes when they cover the span, else proportional."""
    if line.word_boxes:
        pos, picked = 0, []
        for text, box in line.word_boxes:
            found = line.text.find(text, pos)
            if found < 0:
                break
            if found < end and found + len(text) > start:
                picked.append(box)
            pos = found + len(text)
        if picked:
            return union_all(picked)
    n = max(len(line.text), 1)
    b = line.box
    x0 = b.x0 + b.width * start / n
    x1 = b.x0 + b.width * end / n
    return BBox(x0=x0, y0=b.y0, x1=max(x1, x0), y1=b.y1, page=b.page)
