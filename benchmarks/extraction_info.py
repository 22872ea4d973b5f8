"""What an `Extraction` says about how it decided, read without depending on one version of its fields.

The benchmarks run through the public API only and must keep working as the result types grow: a field's
deciding mechanism (rule, single candidate, model, ...) and the page's detected locale are read when the
result carries them, and reported as missing ("n/a") when it does not.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

MECHANISM_NAMES = ("mechanism", "decided_by", "decision", "method")
LOCALE_NAMES = ("locale", "locales", "detected_locale")
MISSING = "n/a"


def _attribute(obj: Any, names: tuple[str, ...]) -> Any:
    extra = getattr(obj, "model_extra", None) or {}
    for name in names:
        value = getattr(obj, name, None)
        if value is None:
            value = extra.get(name)
        if value is not None and not callable(value):
            return value
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, list | tuple | set):
        parts = [t for t in (_text(v) for v in value) if t]
        return "+".join(parts) or None
    return str(value) or None


def mechanism_of(field_result: Any) -> str | None:
    """The mechanism that chose a field's value, if its `FieldResult` (or its `source`) names one."""
    for obj in (field_result, getattr(field_result, "source", None)):
        if obj is not None and (found := _text(_attribute(obj, MECHANISM_NAMES))):
            return found
    return None


def locale_of(extraction: Any) -> str | None:
    """The locale(s) an `Extraction` reports it detected or was given, as text (`de`, `de+en`)."""
    return _text(_attribute(extraction, LOCALE_NAMES))


def locales_of(extraction: Any) -> str | None:
    """Every locale pack an `Extraction` reports it was read under (`de+en`), if it reports them."""
    return _text(_attribute(extraction, ("locales",)))


def field_results(extraction: Any) -> dict[str, Any]:
    return dict(getattr(extraction, "fields", None) or {})
