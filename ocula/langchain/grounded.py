"""Structured output over an image or a document: Ocula's extraction pipeline behind `with_structured_output`.

When the messages carry images or PDFs, `ChatOcula.with_structured_output(PydanticClass)` does what
`ocula.extract` does on those pages (OCR, candidates from the page text, ranking, the grammar, validation,
re-asks, grounding), and answers with an `AIMessage` whose content is the validated object's JSON and whose
`response_metadata["extraction"]` is the `Extraction` (every field's box, page and confidence; the attempts).
Every attachment of the conversation, in order, is one page (a PDF gives all its pages), rendered when read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from pydantic import BaseModel

from ocula.adapters.io.document import Document, Page
from ocula.adapters.io.loading import load_document
from ocula.adapters.models.base import ModelAdapter
from ocula.langchain.content import Attachment, message_content
from ocula.langchain.output import EXTRACTION_KEY
from ocula.langchain.tracing import PROVIDER
from ocula.schemas import Extraction
from ocula.schemas.errors import OculaError
from ocula.schemas.regions import refuse_regions_on_text

SOURCE = "<message>"
# ocula.extract options that change what it returns, not how: the chat answer is one object
_NOT_OPTIONS = ("per_page", "on_error", "hooks")


def attachments(messages: Sequence[BaseMessage]) -> list[Attachment]:
    """Every image or document in the conversation, in order."""
    return [a for m in messages for a in message_content(m).attachments]


def attachments_document(found: Sequence[Attachment]) -> Document:
    """One lazy document whose pages are the attachments' pages, in order (an image is one page)."""
    parts = [load_document(a.data, name=f"{SOURCE} attachment {i + 1}") for i, a in enumerate(found)]
    if len(parts) == 1:
        only = parts[0]
        return Document(SOURCE, only.page_indices, only.loader, only.kind, only.dpi, only.metadata)
    index = [(part, page) for part in parts for page in part.page_indices]

    def loader(i: int) -> Page:
        part, page = index[i]
        rendered = part.loader(page)
        return Page(i, rendered.image, rendered.dpi)

    return Document(SOURCE, list(range(len(index))), loader, kind="pdf", metadata={"attachments": len(parts)})


def message_text(messages: Sequence[BaseMessage]) -> str:
    """The text of the conversation's messages (their instructions), joined by blank lines."""
    return "\n\n".join(t for m in messages if (t := message_content(m).text.strip()))


def reads_images(model: ModelAdapter, options: dict[str, Any]) -> bool:
    """Whether the extraction will use the vlm engine (the model's own choice unless `engine` says)."""
    engine = options.get("engine")
    return engine == "vlm" if engine else model.capabilities.images


def extraction_message(
    messages: Sequence[BaseMessage],
    schema: type[BaseModel],
    model: ModelAdapter,
    *,
    ocr: str,
    options: dict[str, Any],
    use_message_text: bool,
) -> AIMessage:
    """Run `ocula.extract` on the conversation's attachments; its result as an answer (see the module)."""
    from ocula.api import extract

    if not reads_images(model, options):
        refuse_regions_on_text(schema.model_json_schema(), model.name)
    opts = {k: v for k, v in options.items() if k not in _NOT_OPTIONS}
    if use_message_text and (text := message_text(messages)):
        opts["instructions"] = "\n\n".join(t for t in (opts.get("instructions"), text) if t)
    document = attachments_document(attachments(messages))
    result = extract(document, schema, model, ocr=ocr, on_error="partial", **opts)
    if not isinstance(result, Extraction):  # pragma: no cover - per_page is refused above
        raise OculaError("one extraction expected")
    return _answer(result, model)


def _usage(result: Extraction[Any]) -> tuple[int, int]:
    """(input, output) tokens of the model's work: prompt tokens prefilled or reused and candidate tokens
    scored, tokens decoded (zero when rules decided every value); the attempts' counts where the backend does
    not count its work."""
    tokens = result.tokens
    if any(tokens.values()):
        return tokens.get("prefilled", 0) + tokens.get("reused", 0) + tokens.get("scored", 0), tokens.get("decoded", 0)
    return sum(a.prompt_tokens or 0 for a in result.attempts), sum(a.generated_tokens or 0 for a in result.attempts)


def _answer(result: Extraction[Any], model: ModelAdapter) -> AIMessage:
    value = result.value
    if isinstance(value, BaseModel):
        content = value.model_dump_json()
    else:
        content = result.attempts[-1].raw if result.attempts else ""
    prompt, generated = _usage(result)
    return AIMessage(
        content=content,
        usage_metadata=UsageMetadata(input_tokens=prompt, output_tokens=generated, total_tokens=prompt + generated),
        response_metadata={
            "model_name": model.name,
            "model_provider": PROVIDER,
            "backend": model.backend,
            "finish_reason": "stop" if value is not None else "invalid",
            "seconds": round(result.timings.get("total", 0.0), 4),
            "attempts": len(result.attempts),
            EXTRACTION_KEY: result,
        },
    )
