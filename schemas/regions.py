"""Fields that hold boxes or regions (coordinates on the image), which only a model that sees the image can fill.

An OCR text model reads the page's words, not where objects are: a schema asking it for bounding boxes gets
valid but empty or invented numbers. `region_fields` finds such fields in a JSON schema so a text-only path can
refuse them with a clear word (`refuse_regions_on_text`). A field holds a region when it is an array of arrays
of numbers (`list[list[int]]`: several boxes or a polygon), or when its name has one of `REGION_WORDS` as a
whole word and it is numbers (an array of numbers, or an object whose properties are all numbers).
"""

from __future__ import annotations

import re
from typing import Any

from ocula.schemas.errors import ModelError

# Whole words of a field name that say it is a place on the image (English field-name vocabulary).
REGION_WORDS = frozenset(
    {
        "bbox",
        "bboxes",
        "box",
        "boxes",
        "bounding",
        "coordinates",
        "coords",
        "corners",
        "polygon",
        "polygons",
        "quad",
        "region",
        "regions",
        "xywh",
        "xyxy",
    }
)
_NUMBER_TYPES = ("integer", "number")
_MAX_DEPTH = 12


def _words(name: str) -> set[str]:
    """Lower-case whole words of a field name: snake_case, kebab-case, camelCase and spaces."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return {w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w}


def _resolve(node: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """`node` with a `$ref` followed and an optional (`anyOf` with null) unwrapped."""
    if not isinstance(node, dict):
        return {}
    if "$ref" in node:
        node = defs.get(str(node["$ref"]).rsplit("/", 1)[-1], {})
    alternatives = [a for a in node.get("anyOf", []) if isinstance(a, dict) and a.get("type") != "null"]
    if len(alternatives) == 1:
        return _resolve(alternatives[0], defs)
    return node


def _is_number(node: dict[str, Any]) -> bool:
    return node.get("type") in _NUMBER_TYPES


def _numbers_array(node: dict[str, Any], defs: dict[str, Any]) -> bool:
    if node.get("type") != "array":
        return False
    items = node.get("prefixItems") or [node.get("items", {})]
    return bool(items) and all(_is_number(_resolve(i, defs)) for i in items)


def _numbers_object(node: dict[str, Any], defs: dict[str, Any]) -> bool:
    props = node.get("properties", {})
    return bool(props) and all(_is_number(_resolve(p, defs)) for p in props.values())


def region_fields(schema: dict[str, Any]) -> list[str]:
    """Paths (`objects[].box`) of the fields of a JSON schema that hold boxes or regions."""
    defs = schema.get("$defs", {})
    found: list[str] = []

    def walk(node: dict[str, Any], path: str, name: str, depth: int) -> None:
        if depth > _MAX_DEPTH:
            return
        if node.get("type") == "array":
            item = _resolve(node.get("items", {}), defs)
            if _numbers_array(item, defs) or (_words(name) & REGION_WORDS and _numbers_array(node, defs)):
                found.append(path)
                return
            walk(item, f"{path}[]", name, depth + 1)
            return
        if path and _words(name) & REGION_WORDS and _numbers_object(node, defs):
            found.append(path)
            return
        for key, sub in node.get("properties", {}).items():
            walk(_resolve(sub, defs), f"{path}.{key}" if path else key, key, depth + 1)

    walk(_resolve(schema, defs), "", "", 0)
    return found


def refuse_regions_on_text(schema: dict[str, Any], model_name: str) -> None:
    """`ModelError` when `schema` asks for boxes or regions of a text model reading OCR text."""
    paths = region_fields(schema)
    if not paths:
        return
    title = schema.get("title", "the schema")
    raise ModelError(
        f"{title}: {', '.join(paths)} hold boxes or regions, but {model_name} reads the page's OCR text and cannot "
        "see where objects are. Use ocula.detect(source, labels=[...], model=<a vision-language model>) for "
        "objects and regions, or the vlm engine (engine='vlm' with a vision-language model; boxes=True gives "
        "every extracted value its box)."
    )
