"""The locale of a page, detected from its text: which rule packs apply when the caller names none.

Every locale pack (a bundled or registered pack other than `base`) is scored by the evidence the page holds for
it, read from the pack's own data: its label words, month names printed beside a number, legal forms, currency
markers, its `detect` words, and the decimal mark of its number format. A phrase several packs share counts for
each of them in part (1 / the number of packs holding it), so "total" or "€" says little and "zu zahlen" or "RM"
says much. Each phrase counts once per page, however often it is printed.

Several locales can apply: every pack that scores at least `MIN_SCORE` and `RELATIVE` of the best score, or that
has `MIN_OWN` phrases no other pack holds (Malaysia's "RM" and "SDN BHD" on an English receipt), best first.
English is always added as a fallback (labels such as "Total" and "Tel" are printed everywhere), and is all a page
with no evidence gets.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ocula.schemas.packs.loader import BASE_PACK, known_packs
from ocula.schemas.packs.model import Pack

FALLBACK_PACKS: tuple[str, ...] = ("en",)  # added after the detected packs
MIN_SCORE = 1.0  # evidence a pack needs to be detected (one phrase of its own, or several shared ones)
RELATIVE = 0.4  # of the best pack's score, at least this much for a second pack to apply too
MIN_OWN = 2  # or this many phrases no other pack holds (a country's pack beside its language's: "RM", "SDN BHD")
NUMBER_WEIGHT = 1.0  # the page's decimal mark counts as one phrase, shared by the packs that write it
MIN_LETTERS = 3  # a word with fewer letters is evidence only as a currency marker ("RM", "€")
MONTH_REACH = 2  # a month name is evidence within this many tokens of a number (a date)
MAX_PHRASE = 6  # tokens

_TOKEN = re.compile(r"[^\W\d_]+|\d+|[^\w\s]")
# An amount with two decimals, not part of a date, time or longer number ("12,50", "1.234,56", "12.50").
_AMOUNT_MARK = re.compile(r"(?<![\d.,:/])\d{1,3}(?:[.,\s]\d{3})*(?P<mark>[.,])\d{2}(?![.,:/]?\d)")


def tokens(text: str) -> list[str]:
    """Words, numbers and single punctuation marks of `text`, lower case ("SDN. BHD." -> sdn . bhd .)."""
    return _TOKEN.findall(text.lower())


@dataclass(frozen=True)
class _Evidence:
    """The phrases that count for each pack, and the packs each phrase counts for."""

    phrases: Mapping[tuple[str, ...], frozenset[str]]  # phrase (tokens) -> the packs holding it
    months: frozenset[tuple[str, ...]]  # phrases that are month names (evidence beside a number only)
    marks: Mapping[str, frozenset[str]]  # decimal mark -> the packs whose amounts use it


def _letters(phrase: tuple[str, ...]) -> int:
    return sum(ch.isalpha() for token in phrase for ch in token)


def _decimal_mark(pack: Pack, base: Pack | None) -> str:
    """The decimal mark a pack's amounts are written with: its first own number format's, else base's."""
    formats = pack.numbers or (base.numbers if base else ())
    return formats[0].decimal if formats else "."


_cache: dict[tuple[int, ...], tuple[tuple[Pack, ...], _Evidence]] = {}


def _evidence(packs: tuple[Pack, ...], base: Pack | None) -> _Evidence:
    """The evidence of `packs`, made once per set of pack objects."""
    key = tuple(id(p) for p in (*packs, base))
    if key not in _cache:
        _cache[key] = (packs, _make_evidence(packs, base))  # the packs are kept, so their ids stay theirs
    return _cache[key][1]


def _make_evidence(packs: tuple[Pack, ...], base: Pack | None) -> _Evidence:
    holders: dict[tuple[str, ...], set[str]] = defaultdict(set)
    months: set[tuple[str, ...]] = set()
    labels: set[tuple[str, ...]] = set()
    marks: dict[str, set[str]] = defaultdict(set)
    for pack in packs:
        words = [p for phrases in pack.labels.values() for p in phrases]
        labels.update(tuple(tokens(w)) for w in words)
        words += [*pack.legal_forms, *pack.detect]
        markers = [*pack.currency.before, *pack.currency.after]
        for word in words:
            phrase = tuple(tokens(word))
            if _letters(phrase) >= MIN_LETTERS and len(phrase) <= MAX_PHRASE:
                holders[phrase].add(pack.name)
        for marker in markers:
            holders[tuple(tokens(marker))].add(pack.name)
        for names in pack.months:
            for name in names:
                phrase = tuple(tokens(name))
                if phrase and len(phrase) <= MAX_PHRASE:
                    holders[phrase].add(pack.name)
                    months.add(phrase)
        marks[_decimal_mark(pack, base)].add(pack.name)
    phrases = {phrase: frozenset(names) for phrase, names in holders.items() if phrase}
    # a word that is a month name in one pack and a label in another counts wherever it stands
    return _Evidence(phrases, frozenset(months - labels), {mark: frozenset(names) for mark, names in marks.items()})


def _found(words: list[str], evidence: _Evidence) -> set[tuple[str, ...]]:
    """The evidence phrases printed in `words` (a month name only near a number)."""
    found: set[tuple[str, ...]] = set()
    for start in range(len(words)):
        for n in range(1, MAX_PHRASE + 1):
            phrase = tuple(words[start : start + n])
            if len(phrase) < n:
                break
            if phrase not in evidence.phrases or phrase in found:
                continue
            if phrase in evidence.months:
                near = words[max(0, start - MONTH_REACH) : start] + words[start + n : start + n + MONTH_REACH]
                if not any(w.isdigit() for w in near):
                    continue
            found.add(phrase)
    return found


@dataclass(frozen=True)
class LocaleGuess:
    """What the page's text says of its locale: each candidate pack's score, and the packs detected."""

    scores: Mapping[str, float] = field(default_factory=dict)
    locales: tuple[str, ...] = ()  # detected, best first

    @property
    def locale(self) -> str | None:
        """The best detected locale, if any."""
        return self.locales[0] if self.locales else None

    def packs(self) -> list[str]:
        """The packs to apply: the detected ones, then the fallbacks."""
        return list(dict.fromkeys([*self.locales, *FALLBACK_PACKS]))


def detect_locales(texts: Iterable[str], packs: Iterable[Pack] | None = None) -> LocaleGuess:
    """Score the locale packs (`packs`, or every known pack but base) on the page text `texts` (its lines)."""
    known = known_packs()
    candidates = tuple(p for p in (known.values() if packs is None else packs) if p.name != BASE_PACK)
    evidence = _evidence(candidates, known.get(BASE_PACK))
    words: list[str] = []
    amounts: dict[str, int] = defaultdict(int)
    for text in texts:
        words += [*tokens(text), "\n"]  # a phrase does not run across lines
        for m in _AMOUNT_MARK.finditer(text):
            amounts[m.group("mark")] += 1
    scores: dict[str, float] = {p.name: 0.0 for p in candidates}
    own: dict[str, int] = defaultdict(int)  # phrases of a pack's own, that no other pack holds
    for phrase in _found(words, evidence):
        holders = evidence.phrases[phrase]
        for name in holders:
            scores[name] += 1.0 / len(holders)
        if len(holders) == 1:
            own[next(iter(holders))] += 1
    if amounts:
        mark = max(sorted(amounts), key=lambda m: amounts[m])
        holders = evidence.marks.get(mark, frozenset())
        for name in holders:
            scores[name] += NUMBER_WEIGHT / len(holders)
    best = max(scores.values(), default=0.0)
    ranked = sorted(scores, key=lambda name: -scores[name])
    detected = tuple(
        n for n in ranked if (scores[n] >= MIN_SCORE and scores[n] >= RELATIVE * best) or own[n] >= MIN_OWN
    )
    return LocaleGuess({n: round(scores[n], 3) for n in ranked}, detected)


def locale_packs() -> list[str]:
    """The names of the locale packs a caller may give (every known pack but base), sorted."""
    return sorted(name for name in known_packs() if name != BASE_PACK)


def parse_locales(text: str | Iterable[str]) -> list[str]:
    """Locale names from a comma-separated text ("de,en") or a list, each a known locale pack; ValueError naming
    the available packs otherwise."""
    items = text.split(",") if isinstance(text, str) else list(text)
    names = [item.strip() for item in items if item.strip()]
    available = locale_packs()
    if not names:
        raise ValueError(f"no locale given: use one or more of {', '.join(available)}, separated by commas")
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ValueError(
            f"unknown locale {', '.join(repr(n) for n in unknown)}: use one or more of {', '.join(available)}"
        )
    return list(dict.fromkeys(names))
