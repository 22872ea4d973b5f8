"""Fields with no evidence on the page: found in the validation errors, marked on the field results.

The grounded grammar gives a leaf with no candidate on the page nothing but null (see
`pipelines/grounding/grammar.py`). A required field then fails validation; that failure is not the model's
mistake but the page's silence, so it is reported as an `UngroundedField`: the field's result says `not_found`,
is invalid and names the reason, and the extraction's errors say which field (and "no text found on the page"
when the page held no text at all). Nothing is made up to fill the gap.
"""

from __future__ import annotations

from ocula.pipelines.grounding.grammar import GroundedSchema
from ocula.schemas import FieldResult
from ocula.schemas.errors import NO_TEXT

NOT_FOUND = "not_found"


def _error_path(error: str) -> str:
    return error.split(":", 1)[0].strip()


def _ungrounded_prefix(path: str, names: set[str]) -> str | None:
    """The part of an error's path up to the ungrounded field it names ("company" of "company/str"), or None."""
    parts = path.split("/")
    for i, part in enumerate(parts):
        if not part.isdigit() and part in names:
            return "/".join(parts[: i + 1])
    return None


def ungrounded_paths(errors: list[str], grounded: GroundedSchema | None, *, no_text: bool = False) -> list[str]:
    """Paths of the fields the validation errors name that had no candidate on the page, in error order; on a
    page with no text (`no_text`) every field an error names (a bool or enum field too: nothing to choose)."""
    if grounded is None or not (grounded.ungrounded or no_text):
        return []
    names = set(grounded.ungrounded)
    found = (_error_path(e) if no_text else _ungrounded_prefix(_error_path(e), names) for e in errors)
    return list(dict.fromkeys(p for p in found if p is not None))


def reason(no_text: bool) -> str:
    return f"UngroundedField: {NO_TEXT if no_text else 'no candidate on the page'}"


def mark_not_found(
    fields: dict[str, FieldResult], grounded: GroundedSchema, errors: list[str], *, no_text: bool
) -> list[str]:
    """Mark the field results of leaves with no candidate (mechanism `not_found`; a required one invalid, with
    the `UngroundedField` reason) and return the errors with each such field's validation errors replaced by
    one line `<path>: UngroundedField: ...`, led by "no text found on the page" when the page held no text."""
    names = set(grounded.ungrounded)
    for path, result in fields.items():
        if result.value is None and _ungrounded_prefix(path, names) is not None:
            result.mechanism = NOT_FOUND
            result.confidence = None
    missing = ungrounded_paths(errors, grounded, no_text=no_text)
    out = [e for e in errors if _error_path(e) not in missing and _ungrounded_prefix(_error_path(e), names) is None]
    why = reason(no_text)
    for path in missing:
        result = fields.get(path) or FieldResult(path=path)
        result.value, result.valid, result.error, result.mechanism = None, False, why, NOT_FOUND
        result.confidence = None
        fields[path] = result
        out.append(f"{path}: {why}")
    if no_text and NO_TEXT not in out:
        out.insert(0, NO_TEXT)
    return out


__all__ = ["NOT_FOUND", "mark_not_found", "reason", "ungrounded_paths"]
