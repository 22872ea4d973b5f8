"""What the two remote backends (an OpenAI-compatible server, a LangChain chat model) share: images as
data URLs, and HTTP client exceptions turned into Ocula's typed server errors."""

from __future__ import annotations

import base64
import io
import json
import re
from typing import Any

from PIL import Image

from ocula.schemas.errors import ModelError, ServerError, ServerTimeout, ServerUnreachable

_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def image_data_url(image: Image.Image) -> str:
    """`data:image/png;base64,...` of an image (PNG: lossless, so the server sees the pixels we have)."""
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def schema_name(schema: dict[str, Any], default: str = "ocula_output") -> str:
    """A response-format name from a schema's title (OpenAI accepts `[A-Za-z0-9_-]{1,64}`)."""
    name = _NAME.sub("_", str(schema.get("title") or "")).strip("_")
    return (name or default)[:64]


def server_message(body: Any, fallback: str) -> str:
    """The server's own error text from an error body (`{"error": {"message": ...}}`, `{"message": ...}`,
    FastAPI's `{"detail": [...]}` or plain text), on one line and at most 500 characters."""
    message = body
    while isinstance(message, dict):
        inner = next((message[k] for k in ("error", "message", "detail") if message.get(k)), None)
        message = inner if inner is not None else json.dumps(message)
    if isinstance(message, list):
        message = "; ".join(str(m.get("msg", m)) if isinstance(m, dict) else str(m) for m in message)
    text = message if isinstance(message, str) and message.strip() else fallback
    return " ".join(text.split())[:500]


def http_status(err: BaseException) -> int | None:
    status = getattr(err, "status_code", None) or getattr(getattr(err, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def _is_timeout(err: BaseException) -> bool:
    names = {cls.__name__ for cls in type(err).__mro__}
    return bool(names & {"APITimeoutError", "TimeoutException", "ReadTimeout", "ConnectTimeout", "TimeoutError"})


def _is_connection(err: BaseException) -> bool:
    names = {cls.__name__ for cls in type(err).__mro__}
    return bool(names & {"APIConnectionError", "ConnectError", "ConnectionError", "NetworkError"})


def _root_reason(err: BaseException) -> str:
    cause: BaseException = err
    while cause.__cause__ is not None:
        cause = cause.__cause__
    return " ".join(str(cause).split()) or type(cause).__name__


def as_model_error(err: BaseException, url: str, timeout: float | None = None) -> ModelError:
    """The typed error for an exception raised by an HTTP client library (openai, httpx, a LangChain provider).

    Recognised by duck typing (a `status_code`, or the class names of the timeout and connection errors of
    openai, httpx and the standard library), so no provider library is imported here."""
    if isinstance(err, ModelError):
        return err
    if _is_timeout(err):
        return ServerTimeout(url, timeout)
    status = http_status(err)
    if status is not None:
        body = getattr(err, "body", None)
        if body is None:
            response = getattr(err, "response", None)
            body = getattr(response, "text", None)
        return ServerError(url, server_message(body, str(getattr(err, "message", None) or err)), status)
    if _is_connection(err):
        return ServerUnreachable(url, _root_reason(err))
    return ModelError(f"{url}: {type(err).__name__}: {' '.join(str(err).split())[:500]}")


def mentions(err: ServerError, *words: str) -> bool:
    """Whether the server's message names one of `words` (how an unsupported request option is recognised)."""
    text = err.message.lower()
    return any(w.lower() in text for w in words)
