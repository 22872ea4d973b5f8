"""Batch records: the result key of a document and the JSON line written for it.

A key names one result: the same file content, schema, model and result-changing options give the same
key, so a re-run can tell which documents are already done. A file that cannot be read has no content
hash; its key is made from its absolute path instead, so a re-run still finds its error record.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ocula.schemas import Extraction
from ocula.schemas.errors import NO_TEXT

Record = dict[str, Any]

_CHUNK = 1 << 20


def content_hash(path: Path) -> str | None:
    """sha256 of the file's bytes, or None when it cannot be read (missing, a folder, no permission)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def schema_fingerprint(schema: type[BaseModel]) -> str:
    """The schema's JSON schema, serialised canonically (field names, types, bounds, descriptions)."""
    return json.dumps(schema.model_json_schema(), sort_keys=True, separators=(",", ":"), default=str)


def document_key(path: Path, schema_text: str, identity: Mapping[str, Any]) -> str:
    """sha256 over content hash (or absolute path), schema JSON schema and the extractor's identity."""
    content = content_hash(path)
    what = f"sha256:{content}" if content else f"path:{os.path.abspath(path)}"
    payload = json.dumps(
        {"content": what, "schema": schema_text, "extractor": dict(identity)},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def one_line(text: str, limit: int = 500) -> str:
    """A reason on one line, shortened to `limit` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _field(result: Any, prefix: str) -> tuple[str, Record]:
    box = result.box
    return prefix + result.path, {
        "value": _jsonable(result.value),
        "page": result.page,
        "box": [box.x0, box.y0, box.x1, box.y1] if box is not None else None,
        "confidence": result.confidence,
        "source": result.source.kind,
        "mechanism": result.mechanism,
    } | ({"error": result.error} if not result.valid else {})


def _settled(extraction: Extraction[Any]) -> bool:
    """Whether an extraction has a value, or failed only for required fields with no candidate on the page
    (`UngroundedField`, mechanism `not_found`): everything the page vouches for validated."""
    if extraction.value is not None:
        return True
    missing = {p for p, f in extraction.fields.items() if f.mechanism == "not_found" and not f.valid}
    return bool(missing) and all(e == NO_TEXT or e.split(":", 1)[0] in missing for e in extraction.errors)


def _value(extraction: Extraction[Any]) -> Any:
    value = extraction.value
    if value is None and extraction.attempts and _settled(extraction):
        try:  # the last answer: what the page vouches for, null where it holds nothing
            data = json.loads(extraction.attempts[-1].raw)
        except ValueError:
            return None
        for path, result in extraction.fields.items():
            if isinstance(data, dict) and "/" not in path and result.mechanism == "not_found":
                data.setdefault(path, None)
        return data
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else _jsonable(value)


def extraction_record(source: str, key: str, result: Extraction[Any] | Sequence[Extraction[Any]]) -> Record:
    """The JSON line of a document: status ok when every extraction validated and nothing in it is flagged,
    partial when every extraction has a value but some of it is flagged (a list of items that does not add up)
    or lacks only required fields the page holds no candidate for (`UngroundedField`: their field entries say
    mechanism `not_found` and the error, the value holds null for them), else error; `error` holds the reasons.
    Each field entry says what decided it (`mechanism`).

    A per-page run (a list of extractions) gives `value` as a list (one per page) and field paths
    prefixed with `p<N>.` (N from 1).
    """
    many = not isinstance(result, Extraction)
    parts: list[Extraction[Any]] = list(result) if many else [result]  # type: ignore[arg-type]
    fields: Record = {}
    attempts: list[Record] = []
    timings: dict[str, float] = {}
    tokens: dict[str, int] = {}
    errors: list[str] = []
    sizes: list[list[int]] = []
    for n, part in enumerate(parts, 1):
        prefix = f"p{n}." if many else ""
        fields.update(_field(f, prefix) for f in part.fields.values())
        attempts.extend(
            {"index": a.index, "errors": list(a.errors), "seconds": round(a.seconds, 4)} | ({"page": n} if many else {})
            for a in part.attempts
        )
        for name, seconds in part.timings.items():
            timings[name] = round(timings.get(name, 0.0) + seconds, 4)
        for name, count in part.tokens.items():
            tokens[name] = tokens.get(name, 0) + count
        reasons = part.errors or ([] if part.value is not None else ["no valid value"])
        errors.extend(f"page {n}: {e}" if many else e for e in reasons)
        sizes.extend([int(w), int(h)] for w, h in part.page_sizes)
    ok = not errors and bool(parts)
    model = next((p.model.name for p in parts if p.model is not None), None)
    return {
        "source": source,
        "key": key,
        "status": "ok" if ok else ("partial" if parts and all(_settled(p) for p in parts) else "error"),
        "value": [_value(p) for p in parts] if many else _value(parts[0]),
        "fields": fields,
        "attempts": attempts,
        "timings": timings,
        "tokens": tokens,
        "model": model,
        # the page's locale (given or detected) and the locale packs applied; one of each per page when per page
        "locale": [p.locale for p in parts] if many else (parts[0].locale if parts else None),
        "locales": [p.locales for p in parts] if many else (parts[0].locales if parts else []),
        "page_sizes": sizes,
        "error": None if ok else one_line("; ".join(errors) or "no pages"),
    }


def error_record(source: str, key: str, reason: str) -> Record:
    """The JSON line of a document that produced no extraction (unreadable, crashed, timed out)."""
    return {
        "source": source,
        "key": key,
        "status": "error",
        "value": None,
        "fields": {},
        "attempts": [],
        "timings": {},
        "model": None,
        "error": one_line(reason),
    }


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf values of nested dicts and lists under dotted paths: {"items.0.amount": "3.50", ...}."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for name, item in value.items():
            out.update(flatten(item, f"{prefix}{name}."))
        return out
    if isinstance(value, list):
        out = {}
        for i, item in enumerate(value):
            out.update(flatten(item, f"{prefix}{i}."))
        return out
    return {prefix[:-1]: value} if prefix else {"value": value}
