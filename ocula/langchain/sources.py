"""What a LangChain Runnable receives -> one document source `ocula.extract` accepts.

Accepted: a path, bytes, a PIL image, a numpy array, a data URL string, a dict `{"source": ...}`, a message
or a list of content blocks carrying one image or PDF (`image_url` data URLs, base64 `image`/`file` blocks),
a list of messages or a prompt value (the last message that carries an attachment).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.prompt_values import PromptValue
from PIL import Image

from ocula.langchain.content import decode_data_url, message_content
from ocula.schemas.errors import InputError

DocumentSource = str | os.PathLike[str] | bytes | Image.Image | np.ndarray


def _from_messages(messages: Sequence[BaseMessage]) -> bytes:
    for message in reversed(messages):
        attachments = message_content(message).attachments
        if len(attachments) > 1:
            raise InputError("<message>", f"{len(attachments)} attachments in one message; pass one per input")
        if attachments:
            return attachments[0].data
    raise InputError("<message>", "no image or PDF in the message (expected an image_url, image or file block)")


def to_source(value: Any) -> DocumentSource:
    """The document source in `value` (see the module docstring); `InputError` when there is none."""
    if isinstance(value, dict):
        if "source" not in value:
            raise InputError("<dict>", "a dict input needs a 'source' key")
        return to_source(value["source"])
    if isinstance(value, str) and value.startswith("data:"):
        return decode_data_url(value)[0]
    if isinstance(value, str | os.PathLike | bytes | bytearray | Image.Image | np.ndarray):
        return bytes(value) if isinstance(value, bytearray) else value
    if isinstance(value, PromptValue):
        return _from_messages(value.to_messages())
    if isinstance(value, BaseMessage):
        return _from_messages([value])
    if isinstance(value, list) and value and all(isinstance(v, BaseMessage) for v in value):
        return _from_messages(value)
    if isinstance(value, list) and all(isinstance(v, dict | str) for v in value):
        return _from_messages([HumanMessage(content=value)])
    raise InputError(type(value).__name__, "not a document: pass a path, bytes, an image, or a message with one")
