"""Pydantic schema -> a bounded JSON schema the grammar holds whole, plus the token budget it needs.

The grammar guarantees a valid prefix, not a complete object: an unbounded string or list lets a model
run until `max_new_tokens` cuts the JSON. So every leaf gets a bound (documented defaults, overridable per
field with `max_length`, `max_items`, `ge`/`le`, `multiple_of`), objects forbid extra keys, and the budget
of new tokens is computed from the bounds. What the grammar cannot hold is named: a `SchemaError` for what
cannot be decoded at all, a note for what is enforced by validation after decoding.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from ocula.schemas.errors import SchemaError

# Formats llguidance's JSON compiler holds; any other format is dropped from the grammar and left to Pydantic.
GRAMMAR_FORMATS = frozenset(
    {"date", "time", "date-time", "duration", "email", "hostname", "ipv4", "ipv6", "uuid", "unknown"}
)


@dataclass(frozen=True)
class Bounds:
    """Defaults for leaves the schema leaves unbounded."""

    max_string: int = 200
    max_items: int = 50
    max_number: float = 1e12
    fraction: float = 1e-6  # numbers without `multiple_of` keep at most 6 decimals
    max_properties: int = 32
    max_tokens_cap: int = 8192


@dataclass
class SchemaConstraint:
    """A JSON schema the grammar holds (bounded), its worst-case output length and what it leaves to Pydantic."""

    schema: dict[str, Any]
    max_chars: int
    notes: list[str] = field(default_factory=list)
    max_tokens: int = 0

    @property
    def json(self) -> str:
        return json.dumps(self.schema, separators=(",", ":"), sort_keys=True)


def without_hints(node: Any) -> Any:
    """A copy of a schema without Ocula's `x-ocula-*` hint keys (the grammar compiler does not need them)."""
    if isinstance(node, dict):
        return {k: without_hints(v) for k, v in node.items() if not str(k).startswith("x-ocula")}
    if isinstance(node, list):
        return [without_hints(v) for v in node]
    return node


def schema_of(model: type[BaseModel] | dict[str, Any]) -> dict[str, Any]:
    if isinstance(model, dict):
        return copy.deepcopy(model)
    return model.model_json_schema()


def bounded_schema(model: type[BaseModel] | dict[str, Any], bounds: Bounds | None = None) -> SchemaConstraint:
    """Bound every leaf of `model`'s JSON schema; raise `SchemaError` naming a field the grammar cannot hold."""
    bounds = bounds or Bounds()
    schema = schema_of(model)
    walker = _Walker(schema.get("$defs", {}), bounds)
    root = walker.visit(schema, "$")
    if "$defs" in schema:
        root["$defs"] = {name: walker.visit_def(name) for name in schema["$defs"]}
    chars = walker.length(root, "$", ())
    notes = walker.notes
    if isinstance(model, type):
        notes += _validator_notes(model)
    return SchemaConstraint(root, chars, notes, min(chars + 8, bounds.max_tokens_cap))


def _validator_notes(model: type[BaseModel]) -> list[str]:
    decorators = model.__pydantic_decorators__
    notes = [
        f"{model.__name__}.{name}: field validator, checked after decoding" for name in decorators.field_validators
    ]
    notes += [
        f"{model.__name__}.{name}: model validator, checked after decoding" for name in decorators.model_validators
    ]
    return notes


class _Walker:
    def __init__(self, defs: dict[str, Any], bounds: Bounds) -> None:
        self.defs_in = defs
        self.defs_out: dict[str, dict[str, Any]] = {}
        self.bounds = bounds
        self.notes: list[str] = []

    def visit_def(self, name: str) -> dict[str, Any]:
        if name not in self.defs_out:
            self.defs_out[name] = {}  # placeholder against self-reference while visiting
            self.defs_out[name] = self.visit(self.defs_in[name], name)
        return self.defs_out[name]

    def visit(self, node: dict[str, Any], path: str) -> dict[str, Any]:
        node = {k: v for k, v in node.items() if k != "$defs"}
        if not node or node == {"title": node.get("title")}:
            raise SchemaError(path, "an untyped value (Any) cannot be bounded by a grammar; give it a type")
        if "$ref" in node:
            return node
        if "allOf" in node:
            node["allOf"] = [self.visit(sub, path) for sub in node["allOf"]]
        if "anyOf" in node:
            node["anyOf"] = self._alternatives(node["anyOf"], path)
        if "oneOf" in node:  # a grammar cannot check exclusivity; Pydantic does after decoding
            node["anyOf"] = self._alternatives(node.pop("oneOf"), path)
            node.pop("discriminator", None)
        kind = node.get("type")
        if isinstance(kind, list):
            raise SchemaError(path, f"a list of types {kind} is not supported; use a Union")
        if kind == "object" or "properties" in node:
            self._object(node, path)
        elif kind == "array":
            self._array(node, path)
        elif kind == "string":
            self._string(node, path)
        elif kind in ("number", "integer"):
            self._number(node, path, kind)
        return node

    def _alternatives(self, subs: list[dict[str, Any]], path: str) -> list[dict[str, Any]]:
        """Visit each alternative; drop one the grammar cannot hold while another remains (e.g. Decimal's
        lookahead string pattern beside its number form). A number's plain string form (Decimal since
        Pydantic 2.14: `{"type": "string"}` with no pattern) is dropped too: it would let any text through."""
        kept: list[dict[str, Any]] = []
        failed: SchemaError | None = None
        numeric = any(sub.get("type") in ("number", "integer") for sub in subs)
        free = [sub for sub in subs if numeric and sub == {"type": "string"}]
        if free and len(free) < len(subs):
            subs = [sub for sub in subs if sub not in free]
            self.notes.append(f"{path}: the number's string form is dropped from the grammar (decoded as a number)")
        for sub in subs:
            try:
                kept.append(self.visit(sub, path))
            except SchemaError as err:
                failed = err
        if not kept and failed is not None:
            raise failed
        if failed is not None:
            self.notes.append(f"{path}: one alternative dropped from the grammar ({failed.reason})")
        return kept

    def _object(self, node: dict[str, Any], path: str) -> None:
        props = node.get("properties", {})
        extra = node.get("additionalProperties")
        if "properties" not in node and (extra is True or extra == {} or extra is None):
            raise SchemaError(
                path,
                "an open dict (dict, dict[str, Any]) cannot be bounded by a grammar and would always come back "
                "empty; give its values a type (dict[str, str]) or name its fields in a model",
            )
        node["properties"] = {k: self.visit(v, f"{path}.{k}") for k, v in props.items()}
        if isinstance(extra, dict) and extra:
            # keys bounded too: a pattern property of bounded length instead of any additional key
            value = self.visit(extra, f"{path}.*")
            node.setdefault("patternProperties", {})[f'^[^"\\\\]{{1,{self.bounds.max_string}}}$'] = value
            node["additionalProperties"] = False
            node.setdefault("maxProperties", self.bounds.max_properties)
        else:
            node["additionalProperties"] = False

    def _array(self, node: dict[str, Any], path: str) -> None:
        if "items" not in node and "prefixItems" not in node:
            raise SchemaError(path, "a list without an item type cannot be bounded; give it one")
        if "items" in node:
            node["items"] = self.visit(node["items"], f"{path}[]")
        if "prefixItems" in node:
            node["prefixItems"] = [self.visit(s, f"{path}[{i}]") for i, s in enumerate(node["prefixItems"])]
        node.setdefault("maxItems", self.bounds.max_items)

    def _string(self, node: dict[str, Any], path: str) -> None:
        fmt = node.get("format")
        if fmt and fmt not in GRAMMAR_FORMATS:
            node.pop("format")
            self.notes.append(f"{path}: format {fmt!r} is checked after decoding, not by the grammar")
        if "pattern" in node:
            _check_pattern(node["pattern"], path)
        if "enum" in node or "const" in node or node.get("format"):
            return
        node.setdefault("maxLength", self.bounds.max_string)

    def _number(self, node: dict[str, Any], path: str, kind: str) -> None:
        if "minimum" not in node and "exclusiveMinimum" not in node:
            node["minimum"] = -self.bounds.max_number
        if "maximum" not in node and "exclusiveMaximum" not in node:
            node["maximum"] = self.bounds.max_number
        if kind == "number" and "multipleOf" not in node:
            node["multipleOf"] = self.bounds.fraction

    # worst-case length of the JSON text ---------------------------------------------------------------
    def length(self, node: dict[str, Any], path: str, seen: tuple[str, ...]) -> int:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name in seen:
                raise SchemaError(path, f"recursive model {name!r} has no bounded size; limit its depth")
            return self.length(self.defs_out[name], path, (*seen, name))
        alts = node.get("anyOf") or node.get("allOf")
        if alts:
            return max(self.length(a, path, seen) for a in alts)
        if "enum" in node:
            return max(len(json.dumps(v)) for v in node["enum"])
        if "const" in node:
            return len(json.dumps(node["const"]))
        kind = node.get("type")
        if kind == "object" or "properties" in node:
            total = 2
            for key, sub in node.get("properties", {}).items():
                total += len(json.dumps(key)) + 2 + self.length(sub, f"{path}.{key}", seen)
            for extra in node.get("patternProperties", {}).values():
                total += node["maxProperties"] * (4 + 2 * self.bounds.max_string + self.length(extra, path, seen))
            return total
        if kind == "array":
            items = node.get("items")
            per = self.length(items, f"{path}[]", seen) + 1 if items else 0
            fixed = sum(self.length(s, path, seen) + 1 for s in node.get("prefixItems", []))
            return 2 + fixed + per * int(node.get("maxItems", self.bounds.max_items))
        if kind == "string":
            if node.get("format"):
                return 40
            # an escaped character takes up to 6 characters (\\uXXXX); budget 2 on average
            return 2 + 2 * int(node.get("maxLength", self.bounds.max_string))
        if kind in ("number", "integer"):
            return 24
        if kind == "boolean":
            return 5
        return 4  # null


def _check_pattern(pattern: str, path: str) -> None:
    try:
        from llguidance import LLMatcher
    except ImportError:  # pragma: no cover - llguidance is a dependency
        return
    error = LLMatcher.validate_grammar(LLMatcher.grammar_from_regex(pattern))
    if error and not error.startswith("WARNING"):
        lines = [ln.strip() for ln in error.strip().splitlines() if ln.strip()]
        first = next((ln for ln in lines if ln.startswith("error:")), lines[-1])
        raise SchemaError(path, f"pattern {pattern!r} cannot be held by the grammar: {first}")
