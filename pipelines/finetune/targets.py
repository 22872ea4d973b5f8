"""The answer a fine-tuned model should write: a gold value spelled exactly as the grammar makes the model spell it.

The constraint of an extraction request is a JSON schema. Under it the model writes compact JSON, keys in the
schema's order, numbers in their shortest form (`327`, not `327.0`), strings unescaped beyond JSON's own rules.
In grounded mode a string or number leaf is an `enum` of the page's candidates, so the gold value is replaced by
the candidate that spells it: the same text, else the same letters and digits ignoring case, spacing and
punctuation (`NO.53 JALAN PUTRA 1, TAMAN SRI PUTRA.` for a gold `NO.53 JALAN PUTRA 1, TAMAN SRI PUTRA,`), or
the same number. A gold value no candidate spells cannot be written under the grammar: the nearest candidate
stands in for it so the rest of the answer stays valid, and its bytes are masked out of the loss (the field
is reported as dropped). Pure: JSON schema + value in, text out.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass
class Answer:
    """The answer text, the byte ranges left out of the loss, and the leaves whose gold value was not a choice."""

    text: str
    masked: list[tuple[int, int]] = field(default_factory=list)  # [start, end) in UTF-8 bytes of `text`
    dropped: list[str] = field(default_factory=list)

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


class AnswerError(ValueError):
    """The value cannot be written under the schema at all (a type the schema has no place for)."""


def number_text(value: Any) -> str:
    """A number as the grammar spells it: integral values without a fraction, no exponent, no trailing zeros."""
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as err:
        raise AnswerError(f"{value!r} is not a number") from err
    if not number.is_finite():
        raise AnswerError(f"{value!r} is not a finite number")
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def loose(text: str) -> str:
    """Letters and digits only, case-folded: how a gold string is matched to page text."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _json_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return number_text(value)
    return json.dumps(value, ensure_ascii=False)


def _same_number(a: Any, b: Any) -> bool:
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except InvalidOperation:
        return False


def choose(options: Sequence[Any], value: Any) -> tuple[Any, bool]:
    """The option that spells `value` (True), else the nearest option (False)."""
    for exact in (True, False):
        for option in options:
            if isinstance(option, str) and isinstance(value, str):
                if option == value if exact else (loose(option) == loose(value) and loose(value)):
                    return option, True
            elif isinstance(option, int | float) and not isinstance(option, bool) and value is not None:
                if _same_number(option, value):
                    return option, True
            elif option == value:
                return option, True
    target = loose(str(value))
    best = max(options, key=lambda o: difflib.SequenceMatcher(None, loose(str(o)), target).ratio())
    return best, False


class _Writer:
    def __init__(self, schema: dict[str, Any]) -> None:
        self.defs = schema.get("$defs", {})
        self.parts: list[tuple[str, bool]] = []  # (text, in the loss)
        self.dropped: list[str] = []

    def put(self, text: str, trained: bool = True) -> None:
        self.parts.append((text, trained))

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = {**self.defs[node["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def value(self, node: dict[str, Any], value: Any, path: str) -> None:
        node = self.resolve(node)
        alternatives = node.get("anyOf") or node.get("allOf")
        if alternatives:
            self.alternative(alternatives, value, path)
        elif "const" in node:
            self.put(_json_text(node["const"]))
        elif "enum" in node:
            self.enum(node["enum"], value, path)
        elif value is None:
            if not _allows_null(node):
                raise AnswerError(f"{path or 'value'}: null where the schema wants {node.get('type', 'a value')}")
            self.put("null")
        elif node.get("type") == "object" or "properties" in node:
            self.object(node, value, path)
        elif node.get("type") == "array":
            self.array(node, value, path)
        elif node.get("type") in ("number", "integer"):
            self.put(number_text(value))
        else:
            self.put(_json_text(value))

    def alternative(self, alternatives: list[dict[str, Any]], value: Any, path: str) -> None:
        subs = [self.resolve(a) for a in alternatives]
        if value is None and any(_allows_null(s) for s in subs):
            self.put("null")
            return
        fallback: _Writer | None = None
        for sub in subs:
            if sub.get("type") == "null" or not _fits(sub, value):
                continue
            trial = _Writer({})
            trial.defs = self.defs
            trial.value(sub, value, path)
            if not trial.dropped:
                self.take(trial)
                return
            fallback = fallback or trial
        if fallback is None:
            if not any(_allows_null(s) for s in subs):
                raise AnswerError(f"{path or 'value'}: {value!r} fits no alternative of the schema")
            self.put("null", trained=False)  # nothing of the value's kind on the page: the grammar allows only null
            self.dropped.append(path or "value")
            return
        self.take(fallback)

    def take(self, other: _Writer) -> None:
        self.parts.extend(other.parts)
        self.dropped.extend(other.dropped)

    def enum(self, options: list[Any], value: Any, path: str) -> None:
        if not options:
            raise AnswerError(f"{path or 'value'}: the schema offers no value here")
        chosen, found = choose(options, value)
        self.put(_json_text(chosen), trained=found)
        if not found:
            self.dropped.append(path or "value")

    def object(self, node: dict[str, Any], value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise AnswerError(f"{path or 'value'}: {value!r} is not an object")
        props: dict[str, Any] = node.get("properties", {})
        extra = node.get("additionalProperties")
        keys = [k for k in props if k in value]
        if isinstance(extra, dict):
            keys += [k for k in value if k not in props]
        self.put("{")
        for i, key in enumerate(keys):
            self.put(("," if i else "") + json.dumps(key, ensure_ascii=False) + ":")
            self.value(props.get(key, extra), value[key], f"{path}.{key}" if path else key)
        self.put("}")

    def array(self, node: dict[str, Any], value: Any, path: str) -> None:
        if not isinstance(value, list):
            raise AnswerError(f"{path or 'value'}: {value!r} is not a list")
        limit = node.get("maxItems", len(value))
        if len(value) > limit:
            self.dropped.append(f"{path}[{limit}:]")
        self.put("[")
        for i, item in enumerate(value[:limit]):
            if i:
                self.put(",")
            self.value(node.get("items", {}), item, f"{path}.{i}")
        self.put("]")


def _allows_null(node: dict[str, Any]) -> bool:
    typ = node.get("type")
    return typ == "null" or (isinstance(typ, list) and "null" in typ) or None in node.get("enum", [0])


def _fits(node: dict[str, Any], value: Any) -> bool:
    """Whether an alternative of a union can hold the value (by JSON type)."""
    if "enum" in node or "const" in node or "$ref" in node:
        return True
    typ = node.get("type")
    if typ is None:
        return True
    types = typ if isinstance(typ, list) else [typ]
    checks = {
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "integer": _is_number(value) and Decimal(str(value)) == Decimal(str(value)).to_integral_value(),
        "number": _is_number(value),
    }
    return any(checks.get(t, False) for t in types)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        Decimal(str(value))
    except InvalidOperation:
        return False
    return isinstance(value, int | float | Decimal | str)


def answer_for(schema: dict[str, Any], value: Any) -> Answer:
    """The answer to `schema` (a grammar's JSON schema) that writes `value` (the gold value, JSON mode)."""
    writer = _Writer(schema)
    writer.value(schema, value, "")
    text, masked, offset = "", [], 0
    for part, trained in writer.parts:
        size = len(part.encode("utf-8"))
        if not trained:
            masked.append((offset, offset + size))
        text += part
        offset += size
    return Answer(text, masked, writer.dropped)
