"""Schemas for grammar-constrained output: structured output and tool calls.

`with_structured_output` and `bind_tools` bind plain JSON-schema dicts to a `ChatOcula` call; at call time
they become one bounded JSON schema (`ocula.schemas.constraints.bounded_schema`) that the model decodes under,
so the answer is valid JSON of the schema by construction instead of prompt-and-parse.

A tool call is decoded as `{"name": <tool>, "arguments": {...}}`, one alternative per allowed tool; with
`tool_choice="auto"` one more alternative, `{"answer": "..."}`, lets the model reply in text instead.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

import pydantic
from langchain_core.utils.function_calling import convert_to_json_schema

from ocula.schemas.constraints import Bounds, SchemaConstraint, bounded_schema

ANSWER_KEY = "answer"
DEFAULT_TITLE = "output"
_MAX_ANSWER = 400


def bounds(max_string: int | None) -> Bounds:
    return Bounds(max_string=max_string) if max_string else Bounds()


def schema_dict(schema: dict[str, Any] | type) -> dict[str, Any]:
    """JSON schema of a Pydantic class (v2 or v1), a TypedDict, an OpenAI tool or a JSON-schema dict.

    A JSON-schema dict without a `title` (langchain-core requires one) is named `output`."""
    if isinstance(schema, type) and issubclass(schema, pydantic.BaseModel):
        return schema.model_json_schema()
    if isinstance(schema, dict) and "title" not in schema and _is_json_schema(schema):
        return convert_to_json_schema({"title": DEFAULT_TITLE, **schema})
    return convert_to_json_schema(schema)  # type: ignore[arg-type]


def _is_json_schema(schema: dict[str, Any]) -> bool:
    """A plain JSON schema, not an OpenAI tool or function (those carry their own name)."""
    return "function" not in schema and "name" not in schema and ("properties" in schema or "type" in schema)


def response_format(schema: dict[str, Any] | type) -> dict[str, Any]:
    """What `with_structured_output` binds: the schema's name and JSON schema (plain data)."""
    js = schema_dict(schema)
    return {"type": "json_schema", "json_schema": {"name": js.get("title", DEFAULT_TITLE), "schema": js}}


def field_lines(schema: dict[str, Any]) -> list[str]:
    """`- name: description` for each top-level property (the prompt's reminder of what to fill in)."""
    lines = []
    for name, sub in schema.get("properties", {}).items():
        desc = sub.get("description") if isinstance(sub, dict) else None
        lines.append(f"- {name}: {desc}" if desc else f"- {name}")
    return lines


def output_instructions(schema: dict[str, Any]) -> str:
    head = schema.get("description") or schema.get("title") or "the answer"
    return f"Answer with one JSON object: {head}. Fields:\n" + "\n".join(field_lines(schema))


# tool calls ---------------------------------------------------------------------------------------
def tool_name(tool: dict[str, Any]) -> str:
    return str(tool["function"]["name"])


def _hoist_defs(schema: dict[str, Any], prefix: str, defs: dict[str, Any]) -> dict[str, Any]:
    """Move `schema`'s `$defs` into `defs` under prefixed names and rewrite its `$ref`s to match."""
    local = schema.pop("$defs", {})

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: rewrite(v) for k, v in node.items()}
            ref = out.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                out["$ref"] = f"#/$defs/{prefix}{ref.rsplit('/', 1)[-1]}"
            return out
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    for name, sub in local.items():
        defs[f"{prefix}{name}"] = rewrite(sub)
    return rewrite(schema)


def tool_calls_schema(tools: Sequence[dict[str, Any]], choice: str, max_string: int | None = None) -> SchemaConstraint:
    """The bounded schema of one tool call among `tools` (`choice`: "any", "auto" or one tool's name)."""
    allowed = [t for t in tools if choice in ("any", "auto") or tool_name(t) == choice]
    if not allowed:
        raise ValueError(f"tool_choice {choice!r} names no bound tool ({', '.join(tool_name(t) for t in tools)})")
    defs: dict[str, Any] = {}
    alternatives: list[dict[str, Any]] = []
    for i, tool in enumerate(allowed):
        params = tool["function"].get("parameters") or {"type": "object", "properties": {}}
        bounded = bounded_schema({"type": "object", "properties": {}, **params}, bounds(max_string)).schema
        arguments = _hoist_defs(bounded, f"t{i}_", defs)
        alternatives.append(
            {
                "type": "object",
                "properties": {"name": {"const": tool_name(tool)}, "arguments": arguments},
                "required": ["name", "arguments"],
                "additionalProperties": False,
            }
        )
    if choice == "auto":
        answer = {"type": "string", "maxLength": max_string or _MAX_ANSWER}
        alternatives.append(
            {
                "type": "object",
                "properties": {ANSWER_KEY: answer},
                "required": [ANSWER_KEY],
                "additionalProperties": False,
            }
        )
    root: dict[str, Any] = alternatives[0] if len(alternatives) == 1 else {"anyOf": alternatives}
    if defs:
        root = {**root, "$defs": defs}
    return bounded_schema(root, bounds(max_string))


def tool_instructions(tools: Sequence[dict[str, Any]], choice: str) -> str:
    """The prompt's list of tools and the JSON shape of a call."""
    lines = ["You can call these tools:"]
    for tool in tools:
        fn = tool["function"]
        args = ", ".join(fn.get("parameters", {}).get("properties", {}))
        desc = f": {fn['description']}" if fn.get("description") else ""
        lines.append(f"- {fn['name']}({args}){desc}")
    lines.append('To call a tool, answer with JSON: {"name": <tool name>, "arguments": {<argument>: <value>}}.')
    if choice == "auto":
        lines.append(f'To answer without a tool, answer with JSON: {{"{ANSWER_KEY}": <your reply>}}.')
    return "\n".join(lines)


def parse_tool_output(text: str) -> tuple[str, list[dict[str, Any]]]:
    """(reply text, tool calls) from an answer decoded under `tool_calls_schema`."""
    data = json.loads(text)
    if ANSWER_KEY in data and "name" not in data:
        return str(data[ANSWER_KEY]), []
    call = {"name": data["name"], "args": data.get("arguments", {}), "id": f"call_{uuid.uuid4().hex[:24]}"}
    return "", [{**call, "type": "tool_call"}]


def normalize_tool_choice(choice: Any, tools: Sequence[dict[str, Any]]) -> str:
    """LangChain's many spellings of tool_choice -> "auto", "any", "none" or a tool's name."""
    if choice is None or choice == "auto":
        return "auto"
    if choice is True or choice in ("any", "required"):
        return "any"
    if choice is False or choice == "none":
        return "none"
    if isinstance(choice, dict):
        choice = choice.get("function", {}).get("name") or choice.get("name")
    names = [tool_name(t) for t in tools]
    if isinstance(choice, str) and choice in names:
        return choice
    raise ValueError(f"tool_choice {choice!r}: use 'auto', 'any', 'none' or one of {names}")
