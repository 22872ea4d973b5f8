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


class ServerError(ModelError):
    """A model server failed a request: `status` is the HTTP status (None when no answer came), `message` the
    server's own words."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        self.url = url
        self.status = status
        self.message = message
        super().__init__(f"{url}: HTTP {status}: {message}" if status is not None else f"{url}: {message}")


class ServerTimeout(ServerError):
    """A model server did not answer within the timeout."""

    def __init__(self, url: str, seconds: float | None) -> None:
        self.seconds = seconds
        after = f" within {seconds:g} s" if seconds is not None else ""
        super().__init__(url, f"no answer{after} (raise the timeout, or check that the server is not overloaded)")


class ServerUnreachable(ServerError):
    """No connection to a model server could be made (refused, unknown host, TLS failure)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, f"cannot connect ({reason}); is the server running?")


class ValidationFailed(OculaError):
    """Validation still failed after the last attempt; `attempts` holds every attempt with its errors."""

    def __init__(self, message: str, attempts: list[Any]) -> None:
        self.attempts = attempts
        super().__init__(message)


class UngroundedField(ValidationFailed):
    """Required fields with no candidate on the page: nothing printed could be their value, and Ocula does not
    make one up. `fields` are their paths; `no_text` is True when the page held no text at all."""

    def __init__(self, schema: str, fields: list[str], attempts: list[Any], *, no_text: bool = False) -> None:
        self.fields = list(fields)
        self.no_text = no_text
        where = NO_TEXT if no_text else "no candidate on the page"
        names = ", ".join(repr(f) for f in self.fields)
        super().__init__(f"{schema}: {where} for required field(s) {names} (UngroundedField)", attempts)


NO_TEXT = "no text found on the page"
"""The error an extraction carries when its pages held no text at all."""
