"""Typed errors. Every failure a user can meet is one of these; the CLI prints `str(err)` as one line."""

from __future__ import annotations

from typing import Any


class OculaError(Exception):
    """Base of every error Ocula raises on purpose."""


class InputError(OculaError):
    """A source could not be read: missing, empty, truncated, not a document, encrypted, too large."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class SchemaError(OculaError):
    """A schema uses a feature the grammar cannot hold."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"field {field!r}: {reason}")


class ModelError(OculaError):
    """A model could not be loaded or failed while generating."""


class ValidationFailed(OculaError):
    """Validation still failed after the last attempt; `attempts` holds every attempt with its errors."""

    def __init__(self, message: str, attempts: list[Any]) -> None:
        self.attempts = attempts
        super().__init__(message)
