"""Field paths of a record's value, and the schema's type at a path.

A path is what `ocula extract` writes as a field's key: dotted names and list indices (`items.0.amount`); a
per-page run's value is a list with one object per page and its paths start with `p<N>.` (N from 1).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

_PAGE = re.compile(r"p([1-9][0-9]{0,4})$")
MAX_DEPTH = 8


class PathError(ValueError):
    """A path that does not name a place in the value or the schema."""


@dataclass(frozen=True)
class Split:
    """A path cut into the page (0-based, per-page values only) and the segments within that page's object."""

    page: int | None
    parts: tuple[str | int, ...]

    @property
    def prefix(self) -> str:
        return f"p{self.page + 1}." if self.page is not None else ""


def split(path: str, per_page: bool) -> Split:
    """`p2.items.0.amount` -> Split(1, ("items", 0, "amount")) when per_page, else dotted parts as given."""
    raw = path.split(".")
    if not path or len(raw) > MAX_DEPTH or any(not p for p in raw):
        raise PathError(f"bad field path {path!r}")
    page = None
    if per_page:
        match = _PAGE.match(raw[0])
        if match is None or len(raw) < 2:
            raise PathError(f"{path!r}: a per-page field path starts with p<N>.")
        page, raw = int(match.group(1)) - 1, raw[1:]
    parts = tuple(int(p) if p.isdigit() else p for p in raw)
    return Split(page, parts)


def join(where: Split) -> str:
    return where.prefix + ".".join(str(p) for p in where.parts)


def get(value: Any, parts: tuple[str | int, ...]) -> Any:
    """The value at `parts`, None where the path leads nowhere (a missing key, an index past the end)."""
    node = value
    for part in parts:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
        elif isinstance(part, str) and isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def put(value: Any, parts: tuple[str | int, ...], new: Any) -> Any:
    """A copy of `value` with `new` at `parts`, creating objects and growing lists (with None) on the way."""
    root = copy.deepcopy(value) if value is not None else {}
    node = root
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(part, int):
            if not isinstance(node, list):
                raise PathError(f"index {part} into a {type(node).__name__}")
            node.extend([None] * (part + 1 - len(node)))
        elif not isinstance(node, dict):
            raise PathError(f"key {part!r} into a {type(node).__name__}")
        if last:
            node[part] = new  # type: ignore[index]
            break
        child = node[part] if isinstance(node, list) else node.get(part)
        if child is None:
            child = [] if isinstance(parts[i + 1], int) else {}
            node[part] = child  # type: ignore[index]
        node = child
    return root


def _unwrap(annotation: Any) -> Any:
    """The annotation without Annotated[...] and without a None member of a union."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            members = [a for a in get_args(annotation) if a is not NoneType]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _model(annotation: Any) -> type[BaseModel] | None:
    inner = _unwrap(annotation)
    return inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


def _list_item(annotation: Any) -> Any | None:
    inner = _unwrap(annotation)
    if get_origin(inner) in (list, tuple, set, frozenset):
        args = get_args(inner)
        return args[0] if args else Any
    return None


def annotation_at(schema: type[BaseModel], parts: tuple[str | int, ...]) -> Any:
    """The type the schema gives the place `parts` names (with its Field constraints); PathError when none."""
    model: type[BaseModel] | None = schema
    annotation: Any = schema
    for part in parts:
        if isinstance(part, int):
            item = _list_item(annotation)
            if item is None:
                raise PathError(f"{'.'.join(map(str, parts))}: index into a field that is not a list")
            annotation = item
        else:
            model = _model(annotation)
            if model is None or part not in model.model_fields:
                raise PathError(f"{'.'.join(map(str, parts))}: {part!r} is not a field of the schema")
            info = model.model_fields[part]
            annotation = Annotated[info.annotation, info]
    return annotation


def is_list(schema: type[BaseModel], parts: tuple[str | int, ...]) -> bool:
    return _list_item(annotation_at(schema, parts)) is not None


def empty_item(schema: type[BaseModel], parts: tuple[str | int, ...]) -> Any:
    """A new item of the list at `parts`: an object with every field None, or None for a list of scalars."""
    item = _list_item(annotation_at(schema, parts))
    if item is None:
        raise PathError(f"{'.'.join(map(str, parts))} is not a list")
    model = _model(item)
    return {name: None for name in model.model_fields} if model is not None else None


def leaf_paths(schema: type[BaseModel], prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """The schema's scalar fields (nested objects followed; lists stop: their items are added one by one)."""
    out: list[tuple[str | int, ...]] = []
    for name, info in schema.model_fields.items():
        model = _model(info.annotation)
        if model is not None and len(prefix) < MAX_DEPTH:
            out += leaf_paths(model, (*prefix, name))
        elif _list_item(info.annotation) is None:
            out.append((*prefix, name))
    return out


def list_paths(schema: type[BaseModel], prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """The schema's list fields, where a reviewer can add an item."""
    out: list[tuple[str | int, ...]] = []
    for name, info in schema.model_fields.items():
        model = _model(info.annotation)
        if model is not None and len(prefix) < MAX_DEPTH:
            out += list_paths(model, (*prefix, name))
        elif _list_item(info.annotation) is not None:
            out.append((*prefix, name))
    return out


def item_leaves(schema: type[BaseModel], parts: tuple[str | int, ...], index: int) -> list[tuple[str | int, ...]]:
    """The leaf paths of item `index` of the list at `parts`."""
    item = _list_item(annotation_at(schema, parts))
    model = _model(item)
    if model is None:
        return [(*parts, index)]
    return leaf_paths(model, (*parts, index))


def check_leaf(schema: type[BaseModel], parts: tuple[str | int, ...], new: Any) -> Any:
    """`new` validated by the field's own type; its JSON form. Raises ValidationError (Pydantic's message)."""
    adapter: TypeAdapter[Any] = TypeAdapter(annotation_at(schema, parts))
    return adapter.dump_python(adapter.validate_python(new), mode="json")


def first_error(err: ValidationError, parts: tuple[str | int, ...] = ()) -> str:
    """Pydantic's message for `parts` (the first error at or under it), else its first message."""
    errors = err.errors()
    for e in errors:
        if tuple(e["loc"])[: len(parts)] == parts:
            return str(e["msg"])
    return str(errors[0]["msg"]) if errors else str(err)
