"""Two OCR engines on one page: the first engine's lines, each with the second engine's reading of its box.

Engines err differently: RapidOCR finds more lines and reads digits better, Tesseract keeps the word spaces
RapidOCR drops ("GINKEE", "NO290, JALANAIR") and reads some letters and punctuation it confuses ("WorId",
"PUTRA." for "PUTRA,"). Where the two read the same characters, the line keeps the first engine's characters
with the second engine's spaces where they fall between words (not inside numbers; inside a run of letters
only where the first engine's word boxes split too), and the unmerged text is kept as an alternative. Where
they differ only in characters the first engine is known to misread ('.' for ',', "WorId", "JAYÀ"), the
second engine's characters replace them (`unconfuse`). Where they read other characters, the second reading
is kept as `Line.alternatives`, for extraction to choose between (no other vote on a character is taken).
Every reading stays tied to the same box on the page.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ocula.adapters.ocr.base import OCREngine, as_rgb, reading_side
from ocula.schemas import Line, OCRPage, Word


def assign_words(lines: Sequence[Line], words: Sequence[Word], tolerance: float = 2.0) -> list[list[Word]]:
    """The words that fall on each line: a word belongs to the line whose box holds its centre (within
    `tolerance` pixels), the line with the nearest vertical centre when several do; words on no line are
    dropped. Each line's words come back in left-to-right order."""
    out: list[list[Word]] = [[] for _ in lines]
    for word in words:
        cx, cy = word.box.center
        best: tuple[float, int] | None = None
        for i, line in enumerate(lines):
            b = line.box
            if b.x0 - tolerance <= cx <= b.x1 + tolerance and b.y0 - tolerance <= cy <= b.y1 + tolerance:
                distance = abs(cy - b.center[1])
                if best is None or distance < best[0]:
                    best = (distance, i)
        if best is not None:
            out[best[1]].append(word)
    return [sorted(group, key=lambda w: w.box.x0) for group in out]


def _chars(text: str) -> str:
    """The text's characters without its spaces: what two engines' readings are compared on."""
    return "".join(text.split())


def _space_positions(text: str) -> set[int]:
    """The counts of non-space characters that come before each space of `text`."""
    out: set[int] = set()
    n = 0
    for ch in text:
        if ch.isspace():
            out.add(n)
        else:
            n += 1
    return out


_NUMBER_PUNCT = ".,:/-"


def _takes_space(chars: str, i: int, breaks: set[int]) -> bool:
    """Whether the other engine's space before `chars[i]` is taken: never inside a number ("64. 15",
    "03 - 8079"), inside a run of letters only where the first engine's own word boxes split too
    ("SELANG OR" is refused, "GIN KEE" taken when the first engine boxed GIN and KEE apart)."""
    before, after = chars[i - 1], chars[i]
    if before.isalpha() and after.isalpha():
        return i in breaks
    if before.isdigit() and after.isdigit():
        return False
    if after.isdigit() and before in _NUMBER_PUNCT and i >= 2 and chars[i - 2].isdigit():
        return False
    return not (before.isdigit() and after in _NUMBER_PUNCT and i + 1 < len(chars) and chars[i + 1].isdigit())


def respace(text: str, other: str, breaks: set[int] | frozenset[int] = frozenset()) -> str | None:
    """`text` with the spaces of `other` added where `_takes_space` allows, when both spell the same
    characters apart from spaces and case ("NO290, JALANAIR" and "NO 290, JALAN AIR"); None when they read
    different characters. `breaks` are the first engine's word starts (counts of non-space characters)."""
    chars = _chars(text)
    if chars.casefold() != _chars(other).casefold():
        return None
    own = _space_positions(text)
    taken = {i for i in _space_positions(other) - own if 0 < i < len(chars) and _takes_space(chars, i, set(breaks))}
    spaces = own | taken
    return "".join((" " if i in spaces and i > 0 else "") + ch for i, ch in enumerate(chars))


def _confused(mine: str, theirs: str, before: str, after: str) -> bool:
    """Whether the first engine's `mine` is a known misreading of `theirs` in this context: '.' for ','
    outside a number ("PUTRA." for "PUTRA,"), 'I' for 'l' inside a lowercase word ("WorId"), an accented
    letter for its plain one ("JAYÀ")."""
    if mine == "." and theirs == ",":
        return not (before.isdigit() and after.isdigit())
    if mine == "I" and theirs == "l":
        return before.islower() or after.islower()
    plain = unicodedata.normalize("NFKD", mine).encode("ascii", "ignore").decode()
    return mine != theirs and theirs.isascii() and plain == theirs


def unconfuse(text: str, other: str) -> str | None:
    """`text` with the characters the first engine is known to misread (`_confused`) taken from `other`,
    when the two readings differ in nothing else apart from spaces and case; None otherwise or when
    nothing is taken. Spaces stay as in `text`."""
    mine = _chars(text)
    theirs = _chars(other)
    if len(mine) != len(theirs) or mine.casefold() == theirs.casefold():
        return None
    out = list(mine)
    for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        if a.casefold() == b.casefold():
            continue
        if not _confused(a, b, mine[i - 1] if i else "", mine[i + 1] if i + 1 < len(mine) else ""):
            return None
        out[i] = b
    chars = iter(out)
    return "".join(ch if ch.isspace() else next(chars) for ch in text)


def _word_spans(words: Sequence[Word], text: str) -> list[tuple[int, int]] | None:
    """Each word's [start, end) in `text`'s non-space characters, when the words have as many of them as
    `text`; None otherwise."""
    spans, n = [], 0
    for word in words:
        k = len(_chars(word.text))
        spans.append((n, n + k))
        n += k
    return spans if n == len(_chars(text)) else None


def respell(words: Sequence[Word], text: str) -> list[Word]:
    """`words` spelling `text` instead, character for character, so word boxes still cover the line's
    text; unchanged when the words do not have as many characters as `text`."""
    spans = _word_spans(words, text)
    if spans is None:
        return list(words)
    chars = _chars(text)
    return [word.model_copy(update={"text": chars[s:e]}) for word, (s, e) in zip(words, spans, strict=True)]


def word_starts(line: Line) -> set[int]:
    """Where the line's word boxes start, as counts of non-space characters (empty when the words do not
    spell the line's text)."""
    spans = _word_spans(line.words, line.text)
    return {s for s, _ in spans} if spans is not None else set()


def with_alternatives(primary: OCRPage, secondary: OCRPage) -> OCRPage:
    """`primary` with the secondary engine's reading of each line: the first engine's known misreadings
    corrected (`unconfuse`), then merged into the text when the two engines read the same characters
    (`respace`; the first engine's text then becomes an alternative), otherwise added to `alternatives`
    (unless already there)."""
    words = [w for line in secondary.lines for w in line.words]
    lines = []
    for line, group in zip(primary.lines, assign_words(primary.lines, words), strict=True):
        reading = " ".join(" ".join(w.text for w in group).split())
        fixed = unconfuse(line.text, reading) if reading else None
        if fixed is not None:
            line = line.model_copy(update={"text": fixed, "words": respell(line.words, fixed)})
        merged = respace(line.text, reading, word_starts(line)) if reading else None
        if merged is not None:
            if merged != line.text:  # the first engine's own spacing stays a reading
                line = line.model_copy(update={"text": merged, "alternatives": [line.text, *line.alternatives]})
        elif reading and reading not in {" ".join(t.split()) for t in (line.text, *line.alternatives)}:
            line = line.model_copy(update={"alternatives": [*line.alternatives, reading]})
        lines.append(line)
    return primary.model_copy(update={"lines": lines, "engine": f"{primary.engine}+{secondary.engine}"})


class CombinedEngine:
    """Runs `primary` and `secondary` on the page (at the same time: the second engine usually waits on a
    subprocess or native code) and returns the primary's lines with the secondary's readings as
    alternatives. Boxes, words and confidences are the primary's."""

    def __init__(self, primary: OCREngine, secondary: OCREngine) -> None:
        self.primary = primary
        self.secondary = secondary
        self.name = f"{primary.name}+{secondary.name}"

    @property
    def max_side(self) -> int | None:
        """The larger of the two engines' reading sides (None when either reads every pixel)."""
        sides = (reading_side(self.primary), reading_side(self.secondary))
        return None if None in sides else max(s for s in sides if s is not None)

    def read(self, image: np.ndarray, page: int = 0) -> OCRPage:
        rgb = as_rgb(image)
        with ThreadPoolExecutor(max_workers=1) as pool:
            second = pool.submit(self.secondary.read, rgb, page)
            first = self.primary.read(rgb, page)
            result = with_alternatives(first, second.result())
        return result.model_copy(update={"engine": self.name})
