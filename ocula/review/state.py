"""A document as reviewed: its record with the corrections applied, field by field, and the schema's verdict.

The state is rebuilt from the record and the document's corrections (minus those undone) whenever it is asked
for, so it always equals what the corrections file says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from ocula.review import paths
from ocula.review.results import ReviewDocument

STATES = ("unchecked", "accepted", "edited", "picked", "absent", "added")
_STATE_OF = {"accept": "accepted", "edit": "edited", "pick": "picked", "absent": "absent"}


class FieldInvalid(ValueError):
    """A value the schema refuses for a field; the message is Pydantic's."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass
class FieldState:
    path: str
    value: Any
    page: int | None
    box: list[float] | None
    confidence: float | None
    source: str
    state: str = "unchecked"
    original: dict[str, Any] = field(default_factory=dict)

    def evidence(self) -> dict[str, Any]:
        return {"value": self.value, "page": self.page, "box": self.box}

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "value": self.value,
            "page": self.page,
            "box": self.box,
            "confidence": self.confidence,
            "source": self.source,
            "state": self.state,
            "original": self.original,
        }


@dataclass
class DocumentState:
    document: ReviewDocument
    value: Any
    fields: dict[str, FieldState]
    done: bool = False
    applied: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether any correction (other than those undone) applies to the document."""
        return bool(self.applied)

    def last_change(self) -> dict[str, Any] | None:
        return self.applied[-1] if self.applied else None


def _box(raw: Any) -> list[float] | None:
    if isinstance(raw, list | tuple) and len(raw) == 4 and all(isinstance(v, int | float) for v in raw):
        return [float(v) for v in raw]
    return None


def _page_values(document: ReviewDocument) -> list[tuple[paths.Split, Any]]:
    """(page prefix, that page's object) for each object the record's value holds."""
    value = document.record.get("value")
    if isinstance(value, list):
        return [(paths.Split(i, ()), v if isinstance(v, dict) else {}) for i, v in enumerate(value)]
    return [(paths.Split(None, ()), value if isinstance(value, dict) else {})]


def _page_of(value: Any, where: paths.Split) -> Any:
    return value[where.page] if where.page is not None else value


def initial_state(document: ReviewDocument, schema: type[BaseModel]) -> DocumentState:
    """The record as extracted: a field for each of its fields, plus each schema field it lacks (as None)."""
    value = document.record.get("value")
    value = [v if isinstance(v, dict) else {} for v in value] if isinstance(value, list) else value or {}
    fields: dict[str, FieldState] = {}
    for path, raw in (document.record.get("fields") or {}).items():
        if not isinstance(raw, dict):
            continue
        try:
            where = paths.split(path, document.per_page)
        except paths.PathError:
            continue
        if where.page is not None and where.page >= len(value):
            continue
        at = paths.get(_page_of(value, where), where.parts)
        confidence = raw.get("confidence")
        page = raw.get("page")
        fields[path] = FieldState(
            path=path,
            value=at if at is not None else raw.get("value"),
            page=page if isinstance(page, int) else None,
            box=_box(raw.get("box")),
            confidence=float(confidence) if isinstance(confidence, int | float) else None,
            source=str(raw.get("source") or "none"),
        )
    for where, _ in _page_values(document):
        for parts in paths.leaf_paths(schema):
            path = paths.join(paths.Split(where.page, parts))
            if path not in fields:
                at = paths.get(_page_of(value, where), parts)
                fields[path] = FieldState(path, at, where.page, None, None, "none")
    for f in fields.values():
        f.original = f.evidence()
    return DocumentState(document, value, fields)


def _set(state: DocumentState, path: str, new: Any) -> None:
    where = paths.split(path, state.document.per_page)
    if where.page is None:
        state.value = paths.put(state.value, where.parts, new)
    else:
        state.value[where.page] = paths.put(state.value[where.page], where.parts, new)


def apply(state: DocumentState, event: dict[str, Any], schema: type[BaseModel]) -> None:
    """One correction onto the state (the caller has checked it)."""
    action, path = event["action"], event.get("path")
    new = event.get("new") or {}
    if action == "done":
        state.done = True
    elif action == "add_item":
        where = paths.split(str(path), state.document.per_page)
        index = int(event["index"])
        _set(state, paths.join(paths.Split(where.page, (*where.parts, index))), paths.empty_item(schema, where.parts))
        for parts in paths.item_leaves(schema, where.parts, index):
            leaf = paths.join(paths.Split(where.page, parts))
            state.fields[leaf] = FieldState(leaf, None, where.page, None, None, "none", "added", {})
    elif path in state.fields:
        f = state.fields[path]
        if action != "accept":
            f.value, f.page, f.box = new.get("value"), new.get("page"), _box(new.get("box"))
            _set(state, path, f.value)
        f.state = _STATE_OF[action]
    state.applied.append(event)


def replay(document: ReviewDocument, events: list[dict[str, Any]], schema: type[BaseModel]) -> DocumentState:
    """The record with its corrections applied in order, leaving out those an undo took back."""
    undone = {e.get("target") for e in events if e["action"] == "undo"}
    state = initial_state(document, schema)
    for event in events:
        if event["action"] != "undo" and event["seq"] not in undone:
            try:
                apply(state, event, schema)
            except (paths.PathError, KeyError, ValueError, TypeError, IndexError):
                continue  # a correction that no longer fits the record (the results were re-run)
    state.errors = validate_document(state, schema)
    return state


def validate_document(state: DocumentState, schema: type[BaseModel]) -> list[dict[str, str]]:
    """Pydantic's errors for the corrected value, each with its field path."""
    out: list[dict[str, str]] = []
    for where, _ in _page_values_of(state):
        try:
            schema.model_validate(_page_of(state.value, where))
        except ValidationError as err:
            for e in err.errors():
                out.append({"path": paths.join(paths.Split(where.page, tuple(e["loc"]))), "message": str(e["msg"])})
    return out


def _page_values_of(state: DocumentState) -> list[tuple[paths.Split, Any]]:
    if isinstance(state.value, list):
        return [(paths.Split(i, ()), v) for i, v in enumerate(state.value)]
    return [(paths.Split(None, ()), state.value)]


def check_value(state: DocumentState, schema: type[BaseModel], path: str, new: Any) -> Any:
    """`new` for the field at `path`, validated against the schema (the field's type, then the whole object
    with it in place: an error the new value causes anywhere under its path refuses it); its JSON form."""
    where = paths.split(path, state.document.per_page)
    try:
        normal = paths.check_leaf(schema, where.parts, new)
    except ValidationError as err:
        raise FieldInvalid(path, paths.first_error(err)) from None
    except paths.PathError as err:
        raise FieldInvalid(path, str(err)) from None
    page_value = paths.put(_page_of(state.value, where), where.parts, normal)
    try:
        whole = schema.model_validate(page_value).model_dump(mode="json")
    except ValidationError as err:
        mine = [e for e in err.errors() if tuple(e["loc"])[: len(where.parts)] == where.parts]
        if mine:
            raise FieldInvalid(path, str(mine[0]["msg"])) from None
        return normal
    found = paths.get(whole, where.parts)
    return found if found is not None or normal is None else normal
