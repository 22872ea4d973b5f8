"""Prompts for extraction. The fixed part (instructions, fields) comes first and the document last, so a
backend that keeps its KV cache (llama.cpp, transformers) reuses the fixed prefix across documents."""

from __future__ import annotations

from collections.abc import Sequence
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


def document_text(lines: Sequence[DocLine], numbered: bool = False) -> str:
    pages = {ln.page for ln in lines}
    out: list[str] = []
    page = None
    for ln in lines:
        if len(pages) > 1 and ln.page != page:
            page = ln.page
            out.append(f"--- page {page + 1} ---")
        out.append(f"[{ln.id}] {ln.text}" if numbered else ln.text)
    return "\n".join(out)


def extraction_messages(
    schema: type[BaseModel] | dict[str, Any],
    lines: Sequence[DocLine],
    *,
    instructions: str | None = None,
    numbered: bool = False,
) -> list[Message]:
    js = schema if isinstance(schema, dict) else schema.model_json_schema()
    fields = "\n".join(field_lines(js))
    head = f"Fields to extract:\n{fields}\n"
    if instructions:
        head += f"\n{instructions}\n"
    body = f"\nDocument:\n{document_text(lines, numbered)}\n\nAnswer with the JSON object."
    return [Message("system", SYSTEM), Message("user", head + body)]


def retry_messages(previous: list[Message], answer: str, errors: Sequence[str]) -> list[Message]:
    """The conversation so far plus the failed answer and its validation errors, asking again."""
    listed = "\n".join(f"- {e}" for e in errors)
    return [
        *previous,
        Message("assistant", answer),
        Message("user", f"That answer is not valid:\n{listed}\nCorrect it and answer with the JSON object again."),
    ]
