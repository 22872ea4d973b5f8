"""Grounding: each leaf value of a decoded answer -> page, box, source lines and confidence."""

from __future__ import annotations

import json
from typing import Any

from ocula.adapters.models.base import Generation
from ocula.pipelines.decoding.json_spans import leaf_spans
from ocula.pipelines.decoding.token_confidence import span_confidence, token_offsets
from ocula.pipelines.grounding.grammar import GroundedSchema
from ocula.pipelines.grounding.lines import DocLine
from ocula.schemas import FieldResult, FieldSource


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
