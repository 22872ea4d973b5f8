"""Prompts for extraction. The fixed part (instructions, fields) comes first and the document last, so a
backend that keeps its KV cache (llama.cpp, transformers) reuses the fixed prefix across documents.

A prompt may show an excerpt of the page instead of all of it: the lines around some lines (those holding the
values the model is to choose between), `...` where lines are left out. The model's work then follows the
candidates, not the page's length."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from pydantic import BaseModel

from ocula.adapters.models.base import Message
from ocula.pipelines.grounding.lines import DocLine

SYSTEM = (
    "You extract information from documents into JSON. Use only what the document says. "
    "Copy every value exactly as it is printed. Use null when a field is not in the document."
)


def field_lines(schema: dict[str, Any], prefix: str = "") -> list[str]:
    """One line per field, with its description, nested fields indented."""
    defs = schema.get("$defs", {})
    out: list[str] = []

    def walk(node: dict[str, Any], indent: str) -> None:
        if "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[-1]]
        for name, sub in node.get("properties", {}).items():
            desc = sub.get("description", "")
            out.append(f"{indent}- {name}{': ' + desc if desc else ''}")
            target = sub
            for alt in sub.get("anyOf", []):
                if alt.get("type") != "null":
                    target = alt
            if target.get("type") == "array" and isinstance(target.get("items"), dict):
                target = target["items"]
            if "$ref" in target or "properties" in target:
                walk(target, indent + "  ")

    walk(schema, prefix)
    return out


CONTEXT_LINES = 2  # lines shown before and after each line an excerpt is about, in reading order
GAP = "..."


def excerpt_positions(lines: Sequence[DocLine], around: Collection[int], context: int = CONTEXT_LINES) -> set[int]:
    """Positions in `lines` within `context` lines (reading order) of a line whose id is in `around`."""
    return {
        j
        for i, ln in enumerate(lines)
        if ln.id in around
        for j in range(max(0, i - context), min(len(lines), i + context + 1))
    }


def document_text(lines: Sequence[DocLine], numbered: bool = False, shown: Collection[int] | None = None) -> str:
    """The page's text, one OCR line per line; with `shown` (positions in `lines`) only those lines, `...`
    standing for each stretch left out (within a page: a page's header stays)."""
    pages = {ln.page for ln in lines}
    out: list[str] = []
    page = None
    left_out: set[int] = set()  # pages with lines left out since the last line shown
    for i, ln in enumerate(lines):
        if shown is not None and i not in shown:
            left_out.add(ln.page)
            continue
        if len(pages) > 1 and ln.page != page:
            if page in left_out:
                out.append(GAP)
            page = ln.page
            out.append(f"--- page {page + 1} ---")
        if ln.page in left_out:
            out.append(GAP)
        left_out.clear()
        out.append(f"[{ln.id}] {ln.text}" if numbered else ln.text)
    if left_out:
        out.append(GAP)
    return "\n".join(out)


def extraction_messages(
    schema: type[BaseModel] | dict[str, Any],
    lines: Sequence[DocLine],
    *,
    instructions: str | None = None,
    numbered: bool = False,
    around: Collection[int] | None = None,
) -> list[Message]:
    """The extraction prompt: system message, then the fields and the page. With `around` (line ids), the page
    is an excerpt: the lines near those (see `excerpt_positions`), or the whole page when that leaves nothing out."""
    js = schema if isinstance(schema, dict) else schema.model_json_schema()
    fields = "\n".join(field_lines(js))
    head = f"Fields to extract:\n{fields}\n"
    if instructions:
        head += f"\n{instructions}\n"
    shown = excerpt_positions(lines, around) if around is not None else None
    if shown is not None and len(shown) == len(lines):
        shown = None
    body = f"\nDocument:\n{document_text(lines, numbered, shown)}\n\nAnswer with the JSON object."
    return [Message("system", SYSTEM), Message("user", head + body)]


def retry_messages(previous: list[Message], answer: str, errors: Sequence[str]) -> list[Message]:
    """The conversation so far plus the failed answer and its validation errors, asking again."""
    listed = "\n".join(f"- {e}" for e in errors)
    return [
        *previous,
        Message("assistant", answer),
        Message("user", f"That answer is not valid:\n{listed}\nCorrect it and answer with the JSON object again."),
    ]
