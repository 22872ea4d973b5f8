"""Values with a format, found in a line of text: dates, amounts, numbers, percentages, phone numbers, e-mail
and web addresses, postcodes, tax ids.

The mechanisms are generic; what is locale knowledge (month names, ordinal days, currency markers, number
formats, postcode patterns, web domains) comes from the active rule packs (`Rules`), compiled once per `Rules`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from ocula.schemas.packs import NumberFormat, Rules, default_rules

Finder = Callable[[str], Iterable[tuple[int, int, Any]]]  # text -> (start, end, parsed value) of each match
_NEVER = re.compile(r"(?!)")


def alternation(words: Iterable[str]) -> str:
    """A regex alternative of literal `words`, longest first (so "corporation" is tried before "corp")."""
    return "|".join(re.escape(w) for w in sorted(dict.fromkeys(words), key=len, reverse=True))


# --- dates -------------------------------------------------------------------------------------------
# A date ends at a non-digit, or, with a four-digit year, where a time printed against it starts
# ("14/03/20185:57:07PM").
_END = r"(?:(?!\d)|(?<=\d{4})(?=\d{1,2}:\d\d))"
_NUMERIC_DATES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"), "ymd"),
    (re.compile(rf"(?<!\d)(?P<d>\d{{1,2}})[-/.](?P<m>\d{{1,2}})[-/.](?P<y>(?:19|20)?\d\d){_END}"), "dmy"),
)


def _date_patterns(rules: Rules) -> tuple[tuple[re.Pattern[str], str], ...]:
    """(pattern, order of the parts), tried in order: numeric dates, then dates with a month name."""
    if not rules.months:
        return _NUMERIC_DATES
    mon = rf"(?P<mon>{alternation(rules.months)})"
    ordinal = rf"(?:{alternation(rules.ordinals)})?" if rules.ordinals else ""
    # a word joining the parts ("3 de marzo de 2020"), where the packs have such words
    join = rf"(?:(?:{alternation(rules.date_joiners)})\s+)?" if rules.date_joiners else ""
    return (
        *_NUMERIC_DATES,
        (
            re.compile(
                rf"(?<!\w)(?P<d>\d{{1,2}}){ordinal}[ -/.]*{join}{mon}[ -/.,]*{join}(?P<y>(?:19|20)?\d\d)(?!\d)", re.I
            ),
            "dMy",
        ),
        (
            re.compile(rf"(?<!\w){mon}[ -/.]*(?P<d>\d{{1,2}}){ordinal},?[ -/.]*(?P<y>(?:19|20)\d\d)(?!\d)", re.I),
            "Mdy",
        ),
    )


def parse_date_parts(match: re.Match[str], order: str, rules: Rules | None = None) -> list[date]:
    """Every calendar date a match can mean (day-first and month-first when both are valid)."""
    g = match.groupdict()
    year = int(g["y"])
    if year < 100:
        year += 2000 if year < 70 else 1900
    if g.get("mon"):
        options = [((rules or default_rules()).months[g["mon"].lower()], int(g["d"]))]
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


def find_dates(text: str, rules: Rules | None = None) -> list[tuple[int, int, list[date]]]:
    """(start, end, the dates it can mean) of each date printed in `text`; spans do not overlap."""
    rules = rules or default_rules()
    taken: list[tuple[int, int]] = []
    found = []
    for pattern, order in patterns(rules).dates:
        for m in pattern.finditer(text):
            s, e = m.span()
            if any(s < te and e > ts for ts, te in taken):
                continue
            dates = parse_date_parts(m, order, rules)
            if dates:
                taken.append((s, e))
                found.append((s, e, dates))
    return sorted(found)


# --- numbers and other formatted values ----------------------------------------------------------------
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:[.,]\d+)?(?![\w])")
_INTEGER = re.compile(r"(?<![\w.,])\d+(?![\w.,]\d)")
_PERCENT = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?\s?%")
PHONE = re.compile(r"(?<![\w])\+?\(?\d[\d ()\-]{6,}\d(?![\w])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TAX_ID = re.compile(r"(?<![\w])(?:[A-Z]{0,3}\d[\dA-Z-]{5,}\d?[A-Z]?)(?![\w])")


_SPACES = "[ \u00a0\u202f]"  # a space grouping thousands, also the no-break spaces typesetters use


def _number_source(fmt: NumberFormat) -> str:
    """Regex source of an amount in `fmt`: grouped thousands with or without decimals ("1.234", "1.234,56"; a
    space group only with decimals, as a space also parts two numbers), or two decimals ("12,50")."""
    dec = re.escape(fmt.decimal)
    plain = rf"\d+{dec}\d{{2}}"
    if not fmt.group:
        return plain
    group = _SPACES if fmt.group == " " else re.escape(fmt.group)
    decimals = rf"{dec}\d{{1,2}}" if fmt.group == " " else rf"(?:{dec}\d{{1,2}})?"
    return rf"\d{{1,3}}(?:{group}\d{{3}})+{decimals}|{plain}"


@lru_cache(maxsize=32)
def _number_formats(rules: Rules) -> tuple[tuple[re.Pattern[str], NumberFormat], ...]:
    return tuple((re.compile(_number_source(fmt)), fmt) for fmt in rules.numbers)


def parse_amount(text: str, rules: Rules | None = None) -> Decimal | None:
    """The value of an amount printed as `text` ("1.234,56", "12,50", "1,234.56"), read in the first of the
    packs' number formats it is written in; one in none of them is read by `to_decimal`."""
    for pattern, fmt in _number_formats(rules or default_rules()):
        if pattern.fullmatch(text):
            digits = re.sub(r"\s", "", text) if fmt.group == " " else text.replace(fmt.group or "", "")
            try:
                return Decimal(digits.replace(fmt.decimal, "."))
            except InvalidOperation:
                return None
    return to_decimal(text)


# An amount is a number of its own, not a piece cut out of a longer one: a date ("28.03" of "28.03.2020"), a
# time ("12:30.50"), a phone or article number ("089/12.345.678", "12.34.56").
_NOT_AFTER = r"(?<![\w.,/])(?<!\d[:-])"
_NOT_BEFORE = r"(?![.,:/-]\d)"


def _amount_pattern(rules: Rules) -> re.Pattern[str]:
    """An amount in one of the packs' number formats, with a currency marker before or after it if any
    ("$ 12.90", "1,234.50", "12,50 €"); the number itself is the group `num`."""
    numbers = [_number_source(fmt) for fmt in rules.numbers]
    if not numbers:
        return _NEVER
    # Either mark grouping thousands with the other one as the decimal mark is unambiguous ("1.234,56").
    numbers.append(r"\d{1,3}(?:\.\d{3})+,\d{2}|\d{1,3}(?:,\d{3})+\.\d{2}")
    before = f"(?:{alternation(rules.currency_before)})?" if rules.currency_before else ""
    end = r"(?![\w])"
    if rules.currency_after:
        end = rf"(?:\s?(?:{alternation(rules.currency_after)}){end}|{end})"
    return re.compile(rf"{_NOT_AFTER}(?P<sign>-)?{before}\s?(?P<num>{'|'.join(numbers)}){_NOT_BEFORE}{end}", re.I)


def _url_pattern(rules: Rules) -> re.Pattern[str]:
    written = r"(?:https?://|www\.)[\w.-]+(?:/[\w./?=&%-]*)?"
    if rules.web_domains:
        written += rf"|[\w-]+\.(?:{alternation(rules.web_domains)})(?:\.\w\w)?\b"
    return re.compile(written, re.I)


def _postcode_pattern(rules: Rules) -> re.Pattern[str]:
    if not rules.postcodes:
        return _NEVER
    return re.compile(rf"(?<![\w])(?:{'|'.join(rules.postcodes)})(?![\w])")


def street_number(rules: Rules) -> str:
    """Regex source of the word a house or lot number may start with ("No. 8", "LOT 38"); '' when none."""
    if not rules.street_numbers:
        return ""
    return rf"(?:{alternation(rules.street_numbers)})\b\.?\s*:?\s*"


def to_decimal(text: str) -> Decimal | None:
    """The number in `text`: where both '.' and ',' occur the later one is the decimal mark ("1,234.50",
    "1.234,50"); a lone ',' before two final digits is one ("8,50"); any other ',' groups thousands."""
    digits = re.sub(r"[^\d,.\-]", "", text)
    if "," in digits and "." in digits:
        decimal, group = (",", ".") if digits.rfind(",") > digits.rfind(".") else (".", ",")
        digits = digits.replace(group, "").replace(decimal, ".")
    elif re.fullmatch(r"-?\d+,\d{2}", digits):
        digits = digits.replace(",", ".")
    digits = digits.replace(",", "")
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def regex_finder(pattern: re.Pattern[str], parse: Callable[[str], Any] = lambda t: None) -> Finder:
    def find(text: str) -> list[tuple[int, int, Any]]:
        return [(m.start(), m.end(), parse(m.group(0))) for m in pattern.finditer(text)]

    return find


@dataclass(frozen=True)
class Patterns:
    """The patterns of one `Rules`, compiled once."""

    dates: tuple[tuple[re.Pattern[str], str], ...]
    amount: re.Pattern[str]
    url: re.Pattern[str]
    postcode: re.Pattern[str]


@lru_cache(maxsize=32)
def patterns(rules: Rules) -> Patterns:
    return Patterns(_date_patterns(rules), _amount_pattern(rules), _url_pattern(rules), _postcode_pattern(rules))


@lru_cache(maxsize=32)
def finders(rules: Rules) -> dict[str, Finder]:
    """Kind -> the finder of its values in a line, under `rules`."""
    compiled = patterns(rules)
    return {
        "date": lambda text: find_dates(text, rules),
        "amount": lambda text: [
            (m.start("num"), m.end("num"), parse_amount(m.group("num"), rules)) for m in compiled.amount.finditer(text)
        ],
        "number": regex_finder(_NUMBER, to_decimal),
        "integer": regex_finder(_INTEGER, int),
        "percent": regex_finder(_PERCENT, lambda t: to_decimal(t.rstrip("% "))),
        "phone": regex_finder(PHONE),
        "email": regex_finder(EMAIL),
        "url": regex_finder(compiled.url),
        "postcode": regex_finder(compiled.postcode),
        "tax_id": regex_finder(_TAX_ID),
    }


def has_amount(text: str, rules: Rules) -> bool:
    return patterns(rules).amount.search(text) is not None


__all__ = [
    "EMAIL",
    "PHONE",
    "Finder",
    "Patterns",
    "alternation",
    "find_dates",
    "finders",
    "has_amount",
    "parse_amount",
    "parse_date_parts",
    "patterns",
    "regex_finder",
    "street_number",
    "to_decimal",
]
