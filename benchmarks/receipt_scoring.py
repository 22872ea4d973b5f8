"""SROIE field scoring, as the development data's README defines it.

Exact match after normalisation (upper-case, white space collapsed, punctuation stripped at the ends);
`total` compared as a number with two decimals; `date` compared on its digits only.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

FIELDS = ("company", "date", "address", "total")
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")


def norm_text(value: Any) -> str:
    text = " ".join(str(value or "").upper().split())
    return _EDGE_PUNCT.sub("", text)


def norm_total(value: Any) -> str:
    digits = re.sub(r"[^\d.,\-]", "", str(value or ""))
    if re.fullmatch(r"-?\d+,\d{2}", digits):
        digits = digits.replace(",", ".")
    digits = digits.replace(",", "")
    try:
        return f"{Decimal(digits):.2f}"
    except InvalidOperation:
        return ""


def norm_date(value: Any) -> str:
    return re.sub(r"\D", "", str(value or ""))


NORMALISERS = {"company": norm_text, "address": norm_text, "date": norm_date, "total": norm_total}


def field_correct(field: str, predicted: Any, truth: Any) -> bool:
    norm = NORMALISERS[field]
    expected = norm(truth)
    return bool(expected) and norm(predicted) == expected


def reachable(field: str, truth: Any, page_lines: list[str]) -> bool:
    """Whether the truth value is spelled by consecutive page text (the OCR ceiling of grounded extraction)."""
    if field == "total":
        want = norm_total(truth)
        return any(norm_total(tok) == want for line in page_lines for tok in re.findall(r"[\d.,]+", line))
    if field == "date":
        want = norm_date(truth)
        return bool(want) and any(want in norm_date(line) for line in page_lines)
    want = norm_text(truth)
    joined = " ".join(" ".join(line.upper().split()) for line in page_lines)
    return bool(want) and want in joined
