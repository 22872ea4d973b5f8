"""Scoring of the generated receipts in several languages (benchmark only; pure functions).

- total: compared as a number. Amounts are read in either convention, unambiguously for amounts printed with
  two decimals: with both '.' and ',' the last one is the decimal mark (`1.234,56`, `1,234.56`); a lone mark
  followed by one or two digits is a decimal mark (`12,50`, `12.5`); one followed by three digits groups
  thousands (`1.234`); spaces between digit groups are dropped (`1 234,56`). Currency signs and codes are ignored.
- date: right when the prediction's digits equal the printed date's digits (as the SROIE convention), or the
  prediction, or one of the field's parsed readings (`FieldResult.parsed`), is the ISO date.
- company: exact match after normalisation (upper case, white space collapsed, punctuation stripped at the ends).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

try:
    from benchmarks.receipt_scoring import norm_date, norm_text
except ImportError:  # run as a script
    from receipt_scoring import norm_date, norm_text  # type: ignore[no-redef]

_GROUP_SPACE = re.compile(r"(?<=\d)[ \u00a0\u202f'](?=\d{3}(?!\d))")
_NUMBER = re.compile(r"-?\d[\d.,]*")


def parse_amount(value: Any) -> Decimal | None:
    """The first amount in a text, in either decimal convention; None when there is none."""
    if value is None:
        return None
    if isinstance(value, Decimal | int | float):
        return Decimal(str(value))
    found = _NUMBER.search(_GROUP_SPACE.sub("", str(value)))
    if not found:
        return None
    text = found.group().rstrip(".,")
    marks = [c for c in text if c in ".,"]
    if "." in marks and "," in marks:
        decimal = marks[-1]
        text = text.replace("," if decimal == "." else ".", "").replace(decimal, ".")
    elif marks:
        mark = marks[0]
        tail = text.rsplit(mark, 1)[1]
        if len(marks) == 1 and len(tail) in (1, 2):
            text = text.replace(mark, ".")
        elif all(len(part) == 3 for part in text.split(mark)[1:]):
            text = text.replace(mark, "")
        else:
            return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def total_correct(predicted: Any, truth: Any) -> bool:
    expected, got = parse_amount(truth), parse_amount(predicted)
    return expected is not None and got is not None and got == expected


def _iso_readings(parsed: Any) -> list[str]:
    if parsed is None:
        return []
    if isinstance(parsed, list | tuple | set):
        return [str(p) for p in parsed]
    if isinstance(parsed, dict):
        return [str(v) for v in parsed.values()]
    return [str(parsed)]


def date_correct(predicted: Any, printed: str, iso: str, parsed: Any = None) -> bool:
    """Whether a predicted date is the receipt's date (see the module's docstring)."""
    if predicted is None or not str(predicted).strip():
        return False
    if norm_date(predicted) and norm_date(predicted) == norm_date(printed):
        return True
    readings = [str(predicted).strip(), *_iso_readings(parsed)]
    return any(r[:10] == iso for r in readings)


def company_correct(predicted: Any, truth: Any) -> bool:
    expected = norm_text(truth)
    return bool(expected) and norm_text(predicted) == expected
