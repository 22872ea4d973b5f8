"""Validation of a decoded answer: JSON parse, Pydantic (the schema's own validators included)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError


def validation_errors(err: ValidationError) -> list[str]:
    """One readable line per Pydantic error: `path: message`."""
    out = []
    for e in err.errors(include_url=False):
        loc = "/".join(str(p) for p in e["loc"]) or "(object)"
        out.append(f"{loc}: {e['msg']}")
    return out


def validate_answer(schema: type[BaseModel], text: str, context: dict[str, Any] | None = None) -> tuple[Any, list[str]]:
    """(instance, []) when `text` is a valid object of `schema`, else (None, errors)."""
    try:
        return schema.model_validate_json(text, context=context), []
    except ValidationError as err:
        return None, validation_errors(err)
