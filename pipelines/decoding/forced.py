"""Answers a grammar leaves no choice in: written at once instead of decoded token by token.

When every field's value is already decided (by a rule, a label, a single candidate or the ranking), the
narrowed schema allows exactly one JSON document; decoding it on the model would only prefill the page's
prompt to append tokens the grammar forces. `forced_json` finds that document, and `ForcedWriter` answers
with it in place of the model, passing every request that leaves a choice to the model.
"""

from __future__ import annotations

import json
from typing import Any

from ocula.adapters.models.base import Generation, GenerationRequest, ModelAdapter


class _Open(Exception):
    """The schema leaves a choice."""


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    if not ref.startswith("#/$defs/"):
        raise _Open
    return _resolve(root.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {"$ref": "?"}), root)


def _only_null(node: dict[str, Any], root: dict[str, Any]) -> bool:
    try:
        return _value(node, root) is None
    except _Open:
        return False


def _value(node: dict[str, Any], root: dict[str, Any]) -> Any:
    node = _resolve(node, root)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        if len(node["enum"]) != 1:
            raise _Open
        return node["enum"][0]
    alternatives = node.get("anyOf") or node.get("oneOf")
    if alternatives:
        if len(alternatives) != 1:
            raise _Open
        return _value(alternatives[0], root)
    if node.get("type") == "null":
        return None
    if node.get("type") == "object" or "properties" in node:
        if node.get("additionalProperties", True) is not False or node.get("patternProperties"):
            raise _Open
        required = set(node.get("required", []))
        out: dict[str, Any] = {}
        for name, sub in node.get("properties", {}).items():
            if name in required:
                out[name] = _value(sub, root)
            elif _only_null(sub, root):  # left out or null: the same value once validated
                out[name] = None
            else:
                raise _Open
        return out
    raise _Open


def forced_json(schema: dict[str, Any]) -> str | None:
    """The one JSON document `schema` allows (compact, as the grammar writes it), or None if it allows more."""
    try:
        value = _value(schema, schema)
    except _Open:
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class ForcedWriter(ModelAdapter):
    """`model`, except that a JSON-schema request with one possible answer is answered without it (no prompt
    prefilled, no token decoded: the model's usage shows it did nothing)."""

    backend = "forced"

    def __init__(self, model: ModelAdapter) -> None:
        self.model = model
        self.name = model.name

    def generate(self, request: GenerationRequest) -> Generation:
        constraint = request.constraint
        if constraint is not None and constraint.kind == "json_schema":
            text = forced_json(json.loads(constraint.spec))
            if text is not None:
                return Generation(text=text, finish_reason="stop")
        return self.model.generate(request)


__all__ = ["ForcedWriter", "forced_json"]
