"""LangChain messages -> Ocula `Message`s for a `ModelAdapter`.

Images and PDFs in a message reach the model one of two ways: a model that reads images gets the page images;
a text-only model gets the text an OCR engine reads from them, put into the prompt after the message's own
text under a line that says it was read by OCR. Tool calls and tool results become text in the same JSON
shape the model is asked to write a tool call in, so a conversation with tools reads consistently.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence

from langchain_core.messages import AIMessage, BaseMessage, ChatMessage, SystemMessage, ToolMessage
from PIL import Image

from ocula.adapters.io.loading import load_document
from ocula.adapters.models.base import Message
from ocula.langchain.content import Attachment, message_content

# Reads an attachment (image or PDF bytes) into text, one string per page.
TextReader = Callable[[Attachment], list[str]]

_ROLES = {"system": "system", "human": "user", "user": "user", "ai": "assistant", "assistant": "assistant"}


def attachment_images(attachment: Attachment) -> list[Image.Image]:
    """Every page of an image or PDF attachment as an RGB PIL image."""
    if attachment.mime_type and attachment.mime_type.startswith("image/"):
        with Image.open(io.BytesIO(attachment.data)) as image:
            return [image.convert("RGB")]
    document = load_document(attachment.data, name=f"<{attachment.kind}>")
    return [Image.fromarray(page.image) for page in document.pages()]


def ocr_block(index: int, attachment: Attachment, pages: Sequence[str]) -> str:
    """The prompt text standing for an attachment a text-only model cannot see."""
    what = "document" if attachment.kind == "file" else "image"
    if len(pages) <= 1:
        body = pages[0] if pages and pages[0].strip() else "(no text found)"
        return f"[Text read by OCR from attached {what} {index}]\n{body}"
    parts = [f"--- page {i + 1} ---\n{text}" for i, text in enumerate(pages)]
    return f"[Text read by OCR from attached {what} {index}]\n" + "\n".join(parts)


def tool_call_text(name: str, args: object) -> str:
    """A tool call as the JSON a model writes for it (see `structured.tool_calls_schema`)."""
    return json.dumps({"name": name, "arguments": args}, ensure_ascii=False)


def _role(message: BaseMessage) -> str:
    if isinstance(message, ChatMessage):
        return _ROLES.get(message.role, "user")
    if isinstance(message, ToolMessage):
        return "user"
    return _ROLES.get(message.type, "user")


def to_ocula_messages(messages: Sequence[BaseMessage], *, reads_images: bool, read_text: TextReader) -> list[Message]:
    """Convert a conversation; attachments become images (`reads_images`) or OCR text (`read_text`)."""
    out: list[Message] = []
    counter = 0
    for message in messages:
        content = message_content(message)
        parts = [content.text] if content.text else []
        images: list[Image.Image] = []
        for attachment in content.attachments:
            counter += 1
            if reads_images:
                images.extend(attachment_images(attachment))
            else:
                parts.append(ocr_block(counter, attachment, read_text(attachment)))
        if isinstance(message, AIMessage):
            parts.extend(tool_call_text(call["name"], call["args"]) for call in message.tool_calls)
        if isinstance(message, ToolMessage):
            status = " (error)" if message.status == "error" else ""
            parts = [f"Result of tool {message.name or ''}{status}: " + "\n\n".join(parts)]
        role = "system" if isinstance(message, SystemMessage) else _role(message)
        out.append(Message(role, "\n\n".join(parts), images))  # type: ignore[arg-type]
    return out
