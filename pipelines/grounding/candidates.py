"""Type-aware grounded candidates: which page text a field of each kind may take.

Pure and table-driven. Every candidate is text that is printed on the page (a line, a span of a line,
or consecutive lines), with the ids of the lines it comes from, its box, and a parsed form where the
kind has one (ISO date, Decimal). The grounded grammar lets a field take only its kind's candidates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
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


# --- dates -------------------------------------------------------------------------------------------
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}
_MON = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
# A date ends at a non-digit, or, with a four-digit year, where a time printed against it starts
# ("14/03/20185:57:07PM").
_END = r"(?:(?!\d)|(?<=\d{4})(?=\d{1,2}:\d\d))"
# (pattern, order of the numeric parts) — tried in order; spans may not overlap.
DATE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"), "ymd"),
    (re.compile(rf"(?<!\d)(?P<d>\d{{1,2}})[-/.](?P<m>\d{{1,2}})[-/.](?P<y>(?:19|20)?\d\d){_END}"), "dmy"),
    (
        re.compile(rf"(?<!\w)(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[ -/.]*{_MON}[ -/.,]*(?P<y>(?:19|20)?\d\d)(?!\d)", re.I),
        "dMy",
    ),
    (
        re.compile(rf"(?<!\w){_MON}[ -/.]*(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?[ -/.]*(?P<y>(?:19|20)\d\d)(?!\d)", re.I),
        "Mdy",
    ),
)


def parse_date_parts(match: re.Match[str], order: str) -> list[date]:
    """Every calendar date a match can mean (day-first and month-first when both are valid)."""
    g = match.groupdict()
    year = int(g["y"])
    if year < 100:
        year += 2000 if year < 70 else 1900
    if g.get("mon"):
        options = [(_MONTHS[g["mon"].lower()], int(g["d"]))]
    elif order == "ymd":
        options = [(int(g["m"]), int(g["d"]))]
    else:
        first, second = int(g["d"]), int(g["m"])
        options = [(second, first), (first, second)]
    out = []
    for month, day in options:
        try:
            value = date(year, month, day)
        except ValueError:
            continue
        if value not in out:
            out.append(value)
    return out


def find_dates(text: str) -> list[tuple[int, int, list[date]]]:
    taken: list[tuple[int, int]] = []
    found = []
    for pattern, order in DATE_PATTERNS:
        for m in pattern.finditer(text):
            s, e = m.span()
            if any(s < te and e > ts for ts, te in taken):
                continue
            dates = parse_date_parts(m, order)
            if dates:
                taken.append((s, e))
                found.append((s, e, dates))
    return sorted(found)


# --- numbers -----------------------------------------------------------------------------------------
_AMOUNT = re.compile(
    r"(?<![\w.,])(?P<sign>-)?(?:RM|MYR|USD|EUR|GBP|SGD|\$|€|£|¥)?\s?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+\.\d{2}|\d+,\d{2}(?!\d))(?![\w])",
    re.I,
)
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:[.,]\d+)?(?![\w])")
_INTEGER = re.compile(r"(?<![\w.,])\d+(?![\w.,]\d)")
_PERCENT = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?\s?%")
_PHONE = re.compile(r"(?<![\w])\+?\(?\d[\d ()\-]{6,}\d(?![\w])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(
    r"(?:https?://|www\.)[\w.-]+(?:/[\w./?=&%-]*)?|[\w-]+\.(?:com|net|org|io|co|my|sg|uk|de)(?:\.\w\w)?\b", re.I
)
_POSTCODE = re.compile(r"(?<![\w])(?:\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})(?![\w])")
_TAX_ID = re.compile(r"(?<![\w])(?:[A-Z]{0,3}\d[\dA-Z-]{5,}\d?[A-Z]?)(?![\w])")


def to_decimal(text: str) -> Decimal | None:
    digits = re.sub(r"[^\d,.\-]", "", text)
    if re.fullmatch(r"-?\d+,\d{2}", digits):
        digits = digits.replace(",", ".")
    digits = digits.replace(",", "")
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


# --- text spans --------------------------------------------------------------------------------------
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
    registration number), and every run of consecutive segments (so "AEON CO. (M) BHD" comes out of
    "AEON CO. (M) BHD (126926-H)")."""
    text = line.text
    spans = {(0, len(text))}
    segments = _segments(text)
    for i in range(len(segments)):
        for j in range(i, len(segments)):
            spans.add((segments[i][0], _close_bracket(text, segments[i][0], segments[j][1])))
    return sorted((s, e) for s, e in spans if _is_value(text[s:e]))


def _close_bracket(text: str, start: int, end: int) -> int:
    """`end`, moved past a closing bracket whose opening one is inside the span ("(KUCHAI) SDN BHD")."""
    if text[end : end + 1] == ")" and text[start:end].count("(") > text[start:end].count(")"):
        return end + 1
    return end


def _is_value(text: str) -> bool:
    """Text that can be a value: has a letter or digit and no unpaired bracket ("KL) SDN BHD")."""
    depth = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0 and any(ch.isalnum() for ch in text)


def _from_matches(
    lines: Iterable[DocLine],
    kind: Kind,
    finder: Callable[[str], Iterable[tuple[int, int, Any]]],
) -> list[Candidate]:
    out = []
    for line in lines:  # the first engine's reading only: it reads digits better, and a misread amount
        for s, e, parsed in finder(line.text):  # would be a wrong candidate for `pick: max`
            text = line.text[s:e].strip()
            if text:
                out.append(Candidate(text, (line.id,), span_box(line, s, e), kind, parsed, line.confidence))
    return out


def _regex_finder(pattern: re.Pattern[str], parse: Callable[[str], Any] = lambda t: None):
    def find(text: str) -> list[tuple[int, int, Any]]:
        return [(m.start(), m.end(), parse(m.group(0))) for m in pattern.finditer(text)]

    return find


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


MAX_NAME_LINES = 4
_BRACKETED_ID = re.compile(r"\([^()]*\d{4,}[^()]*\)")
_TRAILING_ID = re.compile(r"\s[A-Z]{0,3}\d{5,}-?[A-Z]?$")
# What addresses and opening hours look like: a long number (postcode, lot, time), a street number
# ("7/4"), a house or lot number at the start ("No. 8", "LOT 38").
_NOT_IN_NAME = re.compile(r"\d{4,}|\d+\s*/\s*\d+|^(?:no|lot)\b\.?\s*:?\s*\d", re.I)


# Legal forms that end an organisation's name, across countries.
LEGAL_FORMS = (
    "sdn bhd",
    "sdn. bhd.",
    "bhd",
    "s/b",
    "plt",
    "ltd",
    "limited",
    "llc",
    "llp",
    "inc",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "kg",
    "sa",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "ab",
    "as",
    "oy",
    "pty",
    "plc",
    "pte",
    "kk",
    "enterprise",
    "trading",
)
_LEGAL_FORM = rf"(?<![a-z])(?:{'|'.join(re.escape(f) for f in LEGAL_FORMS)})\.?"
_LEGAL_END = re.compile(rf"{_LEGAL_FORM}$", re.I)
_LEGAL_WORD = re.compile(rf"{_LEGAL_FORM}(?![a-z])", re.I)


def _bare_name(text: str) -> str:
    """The name without its legal forms and bracketed parts ("POPULAR BOOK" of "POPULAR BOOK CO. (M) SDN BHD")."""
    return _LEGAL_WORD.sub(" ", re.sub(r"\([^()]*\)", " ", text)).strip(" .,&-/")


def prefer_legal_names(cands: list[Candidate]) -> list[Candidate]:
    """Names that end in a legal form ("... SDN BHD", "... GmbH") when there are any: an organisation's
    full name, not the first line of it nor its brand. A name must have more than legal forms ("CO. (M)
    SDN BHD" is the tail of a name), and one that a longer name extends only by legal forms ("SWC
    ENTERPRISE" of "SWC ENTERPRISE SDN BHD") gives way to it."""
    kept = [c for c in cands if _LEGAL_END.search(c.text) and _bare_name(c.text)]
    fuller = [
        c
        for c in kept
        if not any(
            len(o.text) > len(c.text) and o.text.startswith(c.text) and not _bare_name(o.text[len(c.text) :])
            for o in kept
        )
    ]
    return fuller or kept or cands


def is_name(text: str) -> bool:
    """Text that can be a name: mostly letters, no registration number in brackets or at its end, nothing
    that looks like part of an address, and no phone number, date or amount in it."""
    letters = sum(ch.isalpha() for ch in text)
    alnum = sum(ch.isalnum() for ch in text)
    if letters < 3 or letters < alnum / 2:
        return False
    if _BRACKETED_ID.search(text) or _TRAILING_ID.search(text) or _NOT_IN_NAME.search(text):
        return False
    return not (find_dates(text) or _PHONE.search(text) or _AMOUNT.search(text) or _EMAIL.search(text))


def _text_candidates(lines: Sequence[DocLine], kind: Kind) -> list[Candidate]:
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
        out = [c for c in out if is_name(c.text)]
    return out


FINDERS: dict[str, Callable[[str], Iterable[tuple[int, int, Any]]]] = {
    "date": lambda text: [(s, e, dates) for s, e, dates in find_dates(text)],
    "amount": lambda text: [(m.start("num"), m.end("num"), to_decimal(m.group("num"))) for m in _AMOUNT.finditer(text)],
    "number": _regex_finder(_NUMBER, to_decimal),
    "integer": _regex_finder(_INTEGER, int),
    "percent": _regex_finder(_PERCENT, lambda t: to_decimal(t.rstrip("% "))),
    "phone": _regex_finder(_PHONE),
    "email": _regex_finder(_EMAIL),
    "url": _regex_finder(_URL),
    "postcode": _regex_finder(_POSTCODE),
    "tax_id": _regex_finder(_TAX_ID),
}


def candidates_for(kind: Kind, lines: Sequence[DocLine]) -> list[Candidate]:
    """All page text a field of `kind` may take, in reading order; the same text on several lines is kept once
    per line, so layout hints can choose the occurrence on the right row."""
    if kind in ("text", "multiline", "name"):
        found = _text_candidates(lines, kind)
    else:
        found = _from_matches(lines, kind, FINDERS[kind])
    seen: dict[tuple[str, tuple[int, ...]], Candidate] = {}
    for cand in found:
        seen.setdefault((cand.text, cand.line_ids), cand)
    return list(seen.values())


# --- layout hints ------------------------------------------------------------------------------------
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
    by one right before or after it ("cash total", "total gst", "total 6% supplies")."""
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
) -> list[Candidate]:
    """Narrow candidates by layout hints; a hint that would leave nothing is ignored.

    `top` keeps the first lines of a page; `exclude` drops values on a row that names an excluded label
    and no wanted one ("Sub Total", "Cash", but not "Total (incl. GST)"); `labels` keeps values on a row
    with a wanted label, or, failing that, on the line after one; `pick` then keeps one value: the
    largest or smallest (by parsed value), or the first or last in reading order. A picked amount then gives
    way to one on a row labelled `rounded` that is less than 0.10 away (the total after cash rounding).
    """
    out = cands
    if top:
        first_ids: set[int] = set()
        for page in {ln.page for ln in lines}:
            first_ids |= {ln.id for ln in [ln for ln in lines if ln.page == page][:top]}
        kept = [c for c in out if set(c.line_ids) <= first_ids]
        out = kept or out
    if exclude:
        kept = []
        for c in out:
            row = _row_text(c, lines, with_next=False)
            if not has_label(row, exclude) or _labelled(row, labels, exclude):
                kept.append(c)
        out = kept or out
    if labels:
        kept = [c for c in out if _labelled(_row_text(c, lines, with_next=False), labels, exclude)]
        if not kept:
            kept = [c for c in out if _labelled(_row_text(c, lines, with_next=True), labels, exclude)]
        out = kept or out
    if pick and out:
        out = _pick(out, pick)
    if rounded and out:
        out = _rounded(out, cands, lines, rounded) or out
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
