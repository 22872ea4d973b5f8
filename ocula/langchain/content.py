"""LangChain message content -> text and attachments (decoded image or PDF bytes).

LangChain users write content in several shapes: OpenAI's `image_url` blocks with a data URL, the standard
`{"type": "image", "base64": ..., "mime_type": ...}` blocks, Anthropic's `source` blocks, `file` blocks for
PDFs. `BaseMessage.content_blocks` normalises them into standard blocks; this module decodes what that leaves:
base64 data and data URLs become bytes. A URL that is not a data URL is refused: nothing is fetched.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import BaseMessage

from ocula.schemas.errors import InputError

_ATTACHMENT_TYPES = ("image", "file")


@dataclass
class Attachment:
    """Decoded bytes of an image or a document from a message, with its MIME type when one was given."""

    data: bytes
    mime_type: str | None = None
    kind: str = "image"  # image | file


@dataclass
class MessageContent:
    """A message's text blocks joined, and its attachments in order."""

    text: str
    attachments: list[Attachment] = field(default_factory=list)


def decode_data_url(url: str) -> tuple[bytes, str | None]:
    """`data:<mime>;base64,<data>` -> (bytes, mime). Raise `InputError` for any other URL."""
    if not url.startswith("data:"):
        raise InputError(url[:80], "only data URLs are read; Ocula does not fetch URLs (pass the bytes as base64)")
    head, sep, payload = url.partition(",")
    if not sep or ";base64" not in head:
        raise InputError(url[:80], "a data URL must be base64-encoded: data:<mime>;base64,<data>")
    mime = head[len("data:") :].split(";", 1)[0] or None
    return decode_base64(payload, url[:80]), mime


def decode_base64(payload: str, label: str = "<base64>") -> bytes:
    try:
        return base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError) as err:
        raise InputError(label, f"invalid base64 data ({err})") from None


def block_attachment(block: dict[str, Any]) -> Attachment | None:
    """The attachment a content block carries, or None when it carries none (text, tool calls, ...)."""
    kind = block.get("type")
    if kind == "non_standard":
        return _non_standard(block.get("value", {}))
    if kind not in _ATTACHMENT_TYPES:
        return None
    mime = block.get("mime_type")
    if block.get("base64"):
        return Attachment(decode_base64(block["base64"]), mime, kind)
    if block.get("url"):
        data, url_mime = decode_data_url(block["url"])
        return Attachment(data, mime or url_mime, kind)
    raise InputError(str(block.get("file_id", kind)), "only base64 data or data URLs are read; pass the bytes")


def _non_standard(value: dict[str, Any]) -> Attachment | None:
    """Shapes `content_blocks` leaves as they are, e.g. `{"type": "image_url", "image_url": "data:..."}`."""
    if value.get("type") == "image_url":
        ref = value.get("image_url")
        url = ref.get("url") if isinstance(ref, dict) else ref
        if isinstance(url, str):
            data, mime = decode_data_url(url)
            return Attachment(data, mime, "image")
    return None


def message_content(message: BaseMessage) -> MessageContent:
    """The text of `message` (its text blocks joined by blank lines) and its decoded attachments."""
    if isinstance(message.content, str):
        return MessageContent(message.content)
    texts: list[str] = []
    attachments: list[Attachment] = []
    for block in message.content_blocks:
        if block.get("type") == "text":
            texts.append(str(block.get("text", "")))
            continue
        found = block_attachment(dict(block))
        if found is not None:
            attachments.append(found)
    return MessageContent("\n\n".join(t for t in texts if t), attachments)
