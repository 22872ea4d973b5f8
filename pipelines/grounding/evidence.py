"""Grounding: each leaf value of a decoded answer -> page, box, source lines and confidence."""

from __future__ import annotations

import json
from typing import Any

from ocula.adapters.models.base import Generation
from ocula.pipelines.decoding.json_spans import leaf_spans
from ocula.pipelines.decoding.token_confidence import span_confidence, token_offsets
from ocula.pipelines.grounding.grammar import GroundedSchema
from ocula.pipelines.grounding.lines import DocLine
from ocula.pipelines.grounding.value_evidence import ocr_confidence, well_formed
from ocula.schemas import FieldResult, FieldSource
from ocula.schemas.calibration import Calibration, default_calibration
from ocula.schemas.results import Mechanism


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
        result.mechanism, result.rule = decided_by(grounded, _leaf_name(path), value)
        if result.mechanism in ("model_choice", "free_decoding"):
            result.probability = result.confidence
        if grounded is not None:
            result.kind = grounded.kinds.get(_leaf_name(path))
        if grounded is not None and value is not None:
            kind = grounded.kinds.get(_leaf_name(path))
            cands = grounded.lookup(kind, value) if kind else []
            if cands:
                cand = cands[0]
                result.page = cand.page
                result.box = cand.box
                result.source = FieldSource(kind="ocr_lines", line_ids=list(cand.line_ids), text=cand.text)
                result.parsed = _parsed(cand.parsed)
                result.ocr_confidence = ocr_confidence(cand.line_ids, lines)
            result.well_formed = well_formed(result.kind, value, grounded.rules)
        out[path] = result
    return out


def decided_by(grounded: GroundedSchema | None, name: str, value: Any) -> tuple[Mechanism, str | None]:
    """What decided a leaf written by the constrained pass: (mechanism, the rule's name when a rule did)."""
    if grounded is None or name in grounded.ungrounded:
        return "free_decoding", None
    narrowed = grounded.narrowing.get(name)
    if narrowed is None:  # no candidate of the leaf's kind (null), or the schema's own values (enum, bool)
        return ("not_found", None) if value is None else ("model_choice", None)
    if value is None or narrowed.kept > 1:
        return "model_choice", None
    if narrowed.found > 1 and narrowed.rule:
        return ("label" if narrowed.rule == "label" else "rule"), narrowed.rule
    return "single_candidate", None


def calibrate(fields: dict[str, FieldResult], calibration: Calibration | None = None) -> None:
    """Each field's confidence becomes how often values decided as it was, with the same evidence (OCR
    confidence, a well-formed value), were right (see `ocula.schemas.calibration`); a field the table has no
    figure for keeps its raw confidence."""
    table = calibration or default_calibration()
    for result in fields.values():
        share = table.confidence_of(result)
        if share is not None:
            result.confidence = round(share, 4)


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
