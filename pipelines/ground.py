"""Grounding: each leaf value of a decoded answer -> page, box, source lines and confidence."""

from __future__ import annotations

import json
import math
from typing import Any

from ocula.adapters.models.base import Generation
from ocula.schemas import FieldResult, FieldSource

from .candidates import DocLine
from .grounded import GroundedSchema
from .json_spans import leaf_spans


def token_offsets(gen: Generation) -> list[tuple[int, int]]:
    offsets, pos = [], 0
    for text in gen.token_texts:
        offsets.append((pos, pos + len(text)))
        pos += len(text)
    return offsets


def span_confidence(
    gen: Generation, start: int, end: int, offsets: list[tuple[int, int]] | None = None
) -> float | None:
    """exp(mean log-prob) of the sampled tokens overlapping characters [start, end) of the output.

    Tokens the grammar forced carry no decision and are left out; a value made only of forced tokens
    (the grammar left one choice) gets 1.0. None when the backend gave no log-probs."""
    if not gen.token_logprobs:
        return None
    offsets = offsets or token_offsets(gen)
    forced = gen.token_forced or [False] * len(gen.token_logprobs)
    picked = [
        lp
        for (s, e), lp, f in zip(offsets, gen.token_logprobs, forced, strict=False)
        if s < end and e > start and not f
    ]
    if not picked:
        return 1.0
    return math.exp(sum(picked) / len(picked))


def _leaf_name(path: str) -> str:
    for part in reversed(path.split("/")):
        if not part.isdigit():
            return part
    return path


def ground_fields(
    gen: Generation,
    grounded: GroundedSchema | None,
    lines: list[DocLine],
) -> dict[str, FieldResult]:
    """FieldResults for every leaf of the JSON in `gen.text` (which must parse)."""
    data = json.loads(gen.text)
    spans = leaf_spans(gen.text)
    offsets = token_offsets(gen)
    out: dict[str, FieldResult] = {}
    for path, (start, end) in spans.items():
        value = _get(data, path)
        result = FieldResult(path=path, value=value, raw=gen.text[start:end])
        result.confidence = span_confidence(gen, start, end, offsets) if value is not None else None
        if grounded is not None and value is not None:
            kind = grounded.kinds.get(_leaf_name(path))
            cands = grounded.lookup(kind, value) if kind else []
            if cands:
                cand = cands[0]
                result.page = cand.page
                result.box = cand.box
                result.source = FieldSource(kind="ocr_lines", line_ids=list(cand.line_ids), text=cand.text)
                result.parsed = _parsed(cand.parsed)
        out[path] = result
    return out


def _parsed(parsed: Any) -> Any:
    if isinstance(parsed, list):  # dates: every reading of the printed date
        return [d.isoformat() for d in parsed]
    if parsed is not None and not isinstance(parsed, str):
        return str(parsed)
    return None


def _get(data: Any, path: str) -> Any:
    for part in path.split("/"):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data
