"""Evidence about a value itself, read at run time, that the confidence calibration uses beside its mechanism.

- `ocr_confidence`: the OCR engine's own confidence in the lines the value was read from (the lowest of
  them): a misread character (`Ocotber`, `APRIT`) usually comes with a lower line score.
- `well_formed`: whether the value's text looks clean for its kind: a date that the packs' date patterns
  read whole (not `8` or `APRIT, 1, 1957`), other text without stray symbols (`√`, `*`) that OCR noise
  leaves. None where the kind has no such check.

Neither names a document or a collection, so the calibration keyed on them carries to any page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from ocula.pipelines.grounding.lines import DocLine
from ocula.pipelines.grounding.values import find_dates
from ocula.schemas.packs.model import Rules

# Text kinds whose values are words, numbers and common punctuation; anything else is likely OCR noise.
_PLAIN_KINDS = frozenset({"text", "name", "multiline", "phone"})
_PLAIN = re.compile(r"[\w\s.,;:'\"&()/#+%\-@!?]*")


def ocr_confidence(line_ids: Iterable[int], lines: Sequence[DocLine]) -> float | None:
    """The lowest OCR confidence among the lines `line_ids` (None when none of them carries one)."""
    wanted = set(line_ids)
    scores = [ln.confidence for ln in lines if ln.id in wanted and ln.confidence is not None]
    return min(scores) if scores else None


def well_formed(kind: str | None, value: Any, rules: Rules | None = None) -> bool | None:
    """Whether `value` reads cleanly as a value of `kind` (None: no check for this kind, or no value)."""
    if value is None or not isinstance(value, str):
        return None
    text = value.strip()
    if kind == "date":
        return any(start == 0 and end == len(text) and dates for start, end, dates in find_dates(text, rules))
    if kind in _PLAIN_KINDS:
        return _PLAIN.fullmatch(text) is not None
    return None


__all__ = ["ocr_confidence", "well_formed"]
