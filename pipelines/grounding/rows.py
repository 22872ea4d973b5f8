"""Table rows: the OCR lines that share a baseline band, grouped into one row and cut into cells.

Reading order (`pipelines/ocr/reading_order.py`, applied here to a page whose lines come in an OCR engine's own
order) keeps a receipt's amounts on their label's row, left to right, so a row is a run of consecutive lines of
one page whose boxes overlap vertically, each starting to the right of the one before. A cell is one value of the row with its box: an amount, a number standing apart from
the text (a code, a quantity), a quantity times a unit price ("2 x 6.90", "3 PC @ 1.15", "@ 13.90"), or the text
between them. Amounts are found by the active rule packs' number formats and currency markers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from typing import Literal

from ocula.pipelines.grounding.lines import DocLine, span_box
from ocula.pipelines.grounding.values import alternation, finders, to_decimal
from ocula.pipelines.ocr.reading_order import sort_lines
from ocula.schemas import BBox, Line, union_all
from ocula.schemas.packs import Rules, default_rules

CellKind = Literal["amount", "number", "text"]
Role = Literal["quantity", "unit_price"]
MIN_OVERLAP = 0.4  # share of the shorter line's height two lines of one row overlap by
MIN_WORD_LETTERS = 3  # a one-word text cell with fewer letters is a unit or a code, not a description
_NUMBER_TOKEN = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
_TOKEN = re.compile(r"\S+")
_COLON = re.compile(r"(?<!\d)\s*:\s*|\s+:\s*")  # a label's colon (not one between the digits of a time)
_EDGE = " :;*@=|-_/\\#~+"  # stripped from the ends of a text cell, with brackets that are not paired
_NUMBER_EDGE = " :*@=#~"  # what may stand against a number that is a cell of its own ("QTY:", "#12")


@dataclass(frozen=True)
class Cell:
    """One value of a row: its text as printed, kind, box, line and parsed number (amounts and numbers).
    `role` is what a pattern says the value is ("2 x 6.90": quantity 2, unit price 6.90); `label` marks text
    that names the value after it ("ITEM NO. :")."""

    text: str
    kind: CellKind
    box: BBox
    line_id: int
    value: Decimal | None = None
    role: Role | None = None
    label: bool = False

    @property
    def centre(self) -> float:
        return (self.box.x0 + self.box.x1) / 2

    @property
    def is_word(self) -> bool:
        """Text that can be (part of) a description: not a label, and two words or more, or one word of three
        letters or more that is not a code ("GTG02", "CH50514"); not a unit or tax code ("pc", "SR")."""
        if self.kind != "text" or self.label:
            return False
        if len(self.text.split()) > 1:
            return any(ch.isalpha() for ch in self.text)
        letters = sum(ch.isalpha() for ch in self.text)
        return letters >= MIN_WORD_LETTERS and sum(ch.isdigit() for ch in self.text) < 2


@dataclass(frozen=True)
class Row:
    """The lines of one baseline band, left to right, and their cells."""

    lines: tuple[DocLine, ...]
    cells: tuple[Cell, ...]

    @property
    def page(self) -> int:
        return self.lines[0].page

    @property
    def box(self) -> BBox:
        return union_all([ln.box for ln in self.lines])

    @property
    def line_ids(self) -> tuple[int, ...]:
        return tuple(ln.id for ln in self.lines)

    @property
    def text(self) -> str:
        return " ".join(ln.text for ln in self.lines)

    @property
    def amounts(self) -> list[Cell]:
        return [c for c in self.cells if c.kind == "amount"]

    @property
    def values(self) -> list[Cell]:
        return [c for c in self.cells if c.kind != "text"]

    @property
    def words(self) -> list[Cell]:
        return [c for c in self.cells if c.is_word]


def same_band(a: BBox, b: BBox) -> bool:
    """Whether two boxes of one page share a baseline band (overlap by MIN_OVERLAP of the shorter height)."""
    if a.page != b.page:
        return False
    overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
    return overlap >= MIN_OVERLAP * min(a.height, b.height)


def _read_in_rows(lines: Sequence[DocLine]) -> list[DocLine]:
    """The lines page by page, each page's in reading order: kept as given when they are (no line above the one
    before it), else sorted (`reading_order.sort_lines`) as an OCR engine's own order may not be."""
    out: list[DocLine] = []
    for page in dict.fromkeys(ln.page for ln in lines):
        on_page = [ln for ln in lines if ln.page == page]
        if any(b.box.y1 < a.box.y0 for a, b in pairwise(on_page)):
            by_id = {ln.id: ln for ln in on_page}
            ordered = sort_lines([Line(text=str(ln.id), box=ln.box) for ln in on_page])
            on_page = [by_id[int(ln.text)] for ln in ordered]
        out += on_page
    return out


def group_rows(lines: Sequence[DocLine], rules: Rules | None = None) -> list[Row]:
    """The rows of `lines`, top to bottom and page by page, each cut into cells."""
    rules = rules or default_rules()
    groups: list[list[DocLine]] = []
    for line in _read_in_rows(lines):
        last = groups[-1][-1] if groups else None
        if last is not None and line.box.x0 > last.box.x0 and same_band(last.box, line.box):
            groups[-1].append(line)
        else:
            groups.append([line])
    return [Row(tuple(g), tuple(c for ln in g for c in line_cells(ln, rules))) for g in groups]


@dataclass(frozen=True)
class _Patterns:
    times: re.Pattern[str]  # a quantity times a unit price
    each: re.Pattern[str]  # a unit price alone after '@'
    times_after: re.Pattern[str]  # a quantity after the times sign
    coded: re.Pattern[str]  # an amount with a tax code against it


@lru_cache(maxsize=32)
def _patterns(rules: Rules) -> _Patterns:
    currency = rf"(?:(?:{alternation(rules.currency_before)})\s*)?" if rules.currency_before else ""
    price = r"(?P<p>\d+[.,]\d{2})"
    # "2 x 6.90", "3X8.00", "2 PC @ 1.15", "122 PCS @ 18.90", "1 X", "@3 X $ 3.38", "1 * $ 2.83"; not "4*6*320ML"
    times = re.compile(
        rf"(?<![\w.,])(?P<q>\d{{1,5}}(?:[.,]\d{{1,3}})?)\s*(?:[^\W\d_]{{1,4}}\.?\s*)?[x×*@]\s*(?:{currency}{price})?"
        r"(?![\w.,])",
        re.I,
    )
    each = re.compile(rf"(?<![\w.,])@\s*{currency}{price}(?![\w.,])", re.I)
    # a quantity after the sign ("RM33.90 x1", "x 2")
    times_after = re.compile(r"(?<![\w.,])[x×]\s*(?P<q>\d{1,4})(?![\w.,])", re.I)
    # an amount printed against its tax code ("11.25SR", "4.59ZR")
    coded = re.compile(rf"(?<!\S){price}(?=[A-Z]{{1,2}}(?![\w]))")
    return _Patterns(times, each, times_after, coded)


def _negative(text: str, start: int, end: int) -> bool:
    """A minus sign printed against the number, before it (past a currency marker) or right after it."""
    before = text[max(0, start - 5) : start]
    return bool(re.search(r"-\s*(?:[^\W\d_]{1,3}\.?\s*)?$", before)) or text[end : end + 1] == "-"


def line_cells(line: DocLine, rules: Rules | None = None) -> list[Cell]:
    """The cells of one line, left to right."""
    rules = rules or default_rules()
    text = line.text
    found: list[Cell] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= ts or s >= te for ts, te in taken)

    def add(s: int, e: int, kind: CellKind, value: Decimal | None, role: Role | None = None) -> None:
        found.append(Cell(text[s:e], kind, span_box(line, s, e), line.id, value, role))
        taken.append((s, e))

    pats = _patterns(rules)
    for m in pats.times.finditer(text):
        add(m.start("q"), m.end("q"), "number", to_decimal(m.group("q")), "quantity")
        if m.group("p"):
            add(m.start("p"), m.end("p"), "amount", to_decimal(m.group("p")), "unit_price")
        taken.append(m.span())
    for m in pats.each.finditer(text):
        if free(*m.span()):
            add(m.start("p"), m.end("p"), "amount", to_decimal(m.group("p")), "unit_price")
    for m in pats.times_after.finditer(text):
        if free(*m.span()):
            add(m.start("q"), m.end("q"), "number", to_decimal(m.group("q")), "quantity")
            taken.append(m.span())
    for s, e, value in finders(rules)["amount"](text):
        if free(s, e) and value is not None:
            add(s, e, "amount", -value if _negative(text, s, e) else value)
    for m in pats.coded.finditer(text):
        if free(*m.span()):
            add(m.start("p"), m.end("p"), "amount", to_decimal(m.group("p")))
    found += _gaps(line, sorted(taken), rules)
    return sorted(found, key=lambda c: c.box.x0)


def _strip(text: str) -> str:
    """`text` without separators at its ends, nor brackets at its ends that are not paired inside it."""
    while True:
        out = text.strip(_EDGE)
        if out and out[0] in "([{" and out.count(out[0]) > out.count(")]}"["([{".index(out[0])]):
            out = out[1:]
        if out and out[-1] in ")]}" and out.count(out[-1]) > out.count("([{"[")]}".index(out[-1])]):
            out = out[:-1]
        if out == text:
            return out
        text = out


def _gaps(line: DocLine, taken: list[tuple[int, int]], rules: Rules) -> list[Cell]:
    """The cells of the text between the values: numbers standing at either end of a stretch of text (a code,
    a quantity, a row number) and the text itself, which may hold numbers inside ("GIANT 606 OVERFLOW ASSY")."""
    text = line.text
    bounds, pos = [], 0
    for s, e in taken:
        if s > pos:
            bounds.append((pos, s))
        pos = max(pos, e)
    if pos < len(text):
        bounds.append((pos, len(text)))
    out: list[Cell] = []
    for gs, ge in bounds:
        tokens = [(m.start() + gs, m.end() + gs) for m in _TOKEN.finditer(text[gs:ge])]
        numbers = [
            i for i, (s, e) in enumerate(tokens) if _NUMBER_TOKEN.fullmatch(text[s:e].strip(_NUMBER_EDGE) or "x")
        ]
        lead = 0
        while lead < len(tokens) and lead in numbers:
            lead += 1
        trail = len(tokens)
        while trail > lead and trail - 1 in numbers:
            trail -= 1
        for s, e in tokens[:lead] + tokens[trail:]:
            word = text[s:e].strip(_NUMBER_EDGE)
            off = text.find(word, s)
            out.append(Cell(word, "number", span_box(line, off, off + len(word)), line.id, to_decimal(word)))
        if lead < trail:
            out += _texts(line, tokens[lead][0], tokens[trail - 1][1])
    return out


def _texts(line: DocLine, start: int, end: int) -> list[Cell]:
    """Text cells of `line.text[start:end]`, cut after each label's colon ("Cashier : CH110137": the label
    "Cashier" and the text "CH110137"; not the colons of a time)."""
    text = line.text
    out: list[Cell] = []
    pos = start
    for m in [*_COLON.finditer(text, start, end), None]:
        stop = m.start() if m else end
        raw = text[pos : m.end() if m else end]
        word = _strip(text[pos:stop])
        if any(ch.isalnum() for ch in word):
            off = text.find(word, pos)
            label = m is not None or raw.rstrip().endswith(":")
            out.append(Cell(word, "text", span_box(line, off, off + len(word)), line.id, label=label))
        if m:
            pos = m.end()
    return out


__all__ = ["Cell", "CellKind", "Row", "group_rows", "line_cells", "same_band"]
