"""A review session: one results file, its corrections, and what a reviewer can ask and do.

Every operation names a document by its id in the results file, never by a path, so only the files the results
name can be read. Corrections are checked against the schema before they are written.
"""

from __future__ import annotations

import getpass
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ocula.errors import InputError
from ocula.review import paths
from ocula.review.pages import OcrFn, PageCache, PageImage, default_ocr, scaled_lines
from ocula.review.results import ReviewDocument, read_results
from ocula.review.state import DocumentState, FieldInvalid, check_value, replay
from ocula.review.store import CorrectionStore, corrections_path
from ocula.schema_loader import resolve_schema

MAX_VALUE_CHARS = 10_000
MAX_ITEMS = 200
STATUSES = ("ok", "partial", "failed")


class ReviewError(ValueError):
    """A request the session refuses: the message says why (shown to the reviewer)."""


class NotFound(ReviewError):
    """No such document, page, field, line or word."""


def default_reviewer() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "reviewer"


class ReviewSession:
    """`schema` is the schema of records that do not name theirs (a record's `schema` key wins)."""

    def __init__(
        self,
        results: Path,
        schema: str | type[BaseModel] = "receipt",
        *,
        corrections: Path | None = None,
        reviewer: str | None = None,
        ocr: OcrFn | None = None,
        ocr_engine: str | None = None,
        dpi: int = 150,
    ) -> None:
        self.results = read_results(results)
        self.path = results
        self.default_schema = schema if isinstance(schema, str) else schema.__name__
        self._schemas: dict[str, type[BaseModel]] = {} if isinstance(schema, str) else {schema.__name__: schema}
        self.schema_of(self.results.documents[0])  # an unknown schema fails now, not on the first request
        self.store = CorrectionStore(corrections or corrections_path(results))
        if self.store.path.resolve() == results.resolve():
            raise InputError(str(results), "the corrections file cannot be the results file")
        self.reviewer = (reviewer or default_reviewer())[:100]
        self.pages = PageCache(ocr or default_ocr(ocr_engine, dpi), dpi=dpi)
        self._lock = threading.RLock()
        self._events: dict[str, list[dict[str, Any]]] = {}
        for event in self.store.events:
            self._events.setdefault(event["source"], []).append(event)

    # documents ------------------------------------------------------------------------------------
    def document(self, doc_id: int) -> ReviewDocument:
        if not 0 <= doc_id < len(self.results.documents):
            raise NotFound(f"no document {doc_id}")
        return self.results.documents[doc_id]

    def schema_name(self, document: ReviewDocument) -> str:
        named = document.record.get("schema")
        return named if isinstance(named, str) and named else self.default_schema

    def schema_of(self, document: ReviewDocument) -> type[BaseModel]:
        name = self.schema_name(document)
        if name not in self._schemas:
            self._schemas[name] = resolve_schema(name)
        return self._schemas[name]

    def state(self, doc_id: int) -> DocumentState:
        document = self.document(doc_id)
        with self._lock:
            events = list(self._events.get(document.source, []))
        return replay(document, events, self.schema_of(document))

    def queue(
        self,
        status: str | None = None,
        below: float | None = None,
        schema: str | None = None,
        pending: bool = False,
    ) -> list[dict[str, Any]]:
        """The documents, lowest field confidence first (those with none first of all), filtered."""
        out = []
        for d in self.results.documents:
            if status and d.status != status:
                continue
            if below is not None and d.confidence is not None and d.confidence >= below:
                continue
            if schema and self.schema_name(d) != schema:
                continue
            done, changes = self._progress(d.source)
            if pending and done:
                continue
            out.append(
                {
                    "id": d.id,
                    "source": d.source,
                    "name": Path(d.source).name,
                    "status": d.status,
                    "confidence": d.confidence,
                    "schema": self.schema_name(d),
                    "done": done,
                    "changes": changes,
                }
            )
        out.sort(key=lambda e: (-1.0 if e["confidence"] is None else e["confidence"], e["id"]))
        return out

    def _progress(self, source: str) -> tuple[bool, int]:
        with self._lock:
            events = self._events.get(source, [])
            undone = {e.get("target") for e in events if e["action"] == "undo"}
            live = [e for e in events if e["action"] != "undo" and e["seq"] not in undone]
        return any(e["action"] == "done" for e in live), sum(e["action"] != "done" for e in live)

    def resume_id(self) -> int:
        """Where the review stopped: the first document of the queue not marked done."""
        order = self.queue()
        return next((e["id"] for e in order if not e["done"]), order[0]["id"])

    def schemas(self) -> list[str]:
        return sorted({self.schema_name(d) for d in self.results.documents})

    # what the page shows --------------------------------------------------------------------------
    def page_sizes(self, document: ReviewDocument) -> list[tuple[float, float]]:
        """Each page's size in the pixels the record's boxes use."""
        if document.path is None:
            return []
        count = self.pages.count(document.path)
        recorded = document.record.get("page_sizes") or []
        out = []
        for i in range(count):
            size = recorded[i] if i < len(recorded) else None
            if isinstance(size, list) and len(size) == 2 and all(isinstance(v, int | float) and v > 0 for v in size):
                out.append((float(size[0]), float(size[1])))
            else:
                image = self.pages.image(document.path, i)
                out.append((float(image.width), float(image.height)))
        return out

    def view(self, doc_id: int) -> dict[str, Any]:
        """Everything the page shows of a document."""
        state = self.state(doc_id)
        document = state.document
        schema = self.schema_of(document)
        errors: dict[str, str] = {}
        for e in state.errors:
            errors.setdefault(e["path"], e["message"])
        pages_of = (
            [paths.Split(i, ()) for i in range(len(state.value))] if document.per_page else [paths.Split(None, ())]
        )
        lists = [paths.join(paths.Split(w.page, parts)) for w in pages_of for parts in paths.list_paths(schema)]
        try:
            sizes = self.page_sizes(document)
            page_error = None
        except InputError as err:
            sizes, page_error = [], err.reason
        return {
            "id": doc_id,
            "source": document.source,
            "name": Path(document.source).name,
            "status": document.status,
            "error": document.record.get("error"),
            "schema": self.schema_name(document),
            "confidence": document.confidence,
            "file_found": document.path is not None,
            "page_error": page_error,
            "pages": [{"index": i, "width": w, "height": h} for i, (w, h) in enumerate(sizes)],
            "fields": [f.as_json() | {"error": errors.get(f.path)} for f in state.fields.values()],
            "errors": state.errors,
            "lists": lists,
            "value": state.value,
            "done": state.done,
            "changes": len(state.applied),
            "can_undo": state.last_change() is not None,
        }

    def page_image(self, doc_id: int, index: int) -> PageImage:
        path = self._file(doc_id)
        if not 0 <= index < self.pages.count(path):
            raise NotFound(f"document {doc_id} has no page {index + 1}")
        return self.pages.image(path, index)

    def page_text(self, doc_id: int, index: int) -> list[dict[str, Any]]:
        """The page's OCR lines and words, boxes in the record's pixels."""
        document = self.document(doc_id)
        sizes = self.page_sizes(document)
        if not 0 <= index < len(sizes):
            raise NotFound(f"document {doc_id} has no page {index + 1}")
        width, height = sizes[index]
        return scaled_lines(self.pages.text(self._file(doc_id), index), width, height)

    def _file(self, doc_id: int) -> Path:
        path = self.document(doc_id).path
        if path is None:
            raise NotFound(f"the file of document {doc_id} is not found")
        return path

    # what the reviewer does -----------------------------------------------------------------------
    def check(self, doc_id: int, path: str, value: Any) -> Any:
        """The value as the field would hold it; FieldInvalid with Pydantic's message when the schema refuses it."""
        state = self.state(doc_id)
        self._field(state, path)
        return check_value(state, self.schema_of(state.document), path, _bounded(value))

    def correct(
        self, doc_id: int, action: str, path: str, value: Any = None, pick: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """accept, edit (value), pick (an OCR line or word: page, line, word, append) or absent; the stored change."""
        with self._lock:
            state = self.state(doc_id)
            schema = self.schema_of(state.document)
            f = self._field(state, path)
            page, box = f.page, f.box
            if action == "accept":
                new = check_value(state, schema, path, f.value)
            elif action == "edit":
                new = check_value(state, schema, path, _bounded(value))
            elif action == "absent":
                new, page, box = check_value(state, schema, path, None), None, None
            elif action == "pick":
                text, page, box = self._picked(doc_id, f, pick or {})
                new = check_value(state, schema, path, _bounded(text))
            else:
                raise ReviewError(f"unknown action {action!r}")
            return self._write(state, action, path, f.evidence(), {"value": new, "page": page, "box": box})

    def add_item(self, doc_id: int, path: str) -> dict[str, Any]:
        """A new, empty item at the end of the list at `path`."""
        with self._lock:
            state = self.state(doc_id)
            schema = self.schema_of(state.document)
            try:
                where = paths.split(path, state.document.per_page)
                is_list = paths.is_list(schema, where.parts)
            except paths.PathError as err:
                raise NotFound(str(err)) from None
            if not is_list:
                raise ReviewError(f"{path} is not a list")
            page_value = state.value[where.page] if where.page is not None else state.value
            current = paths.get(page_value, where.parts) or []
            if len(current) >= MAX_ITEMS:
                raise ReviewError(f"{path} has {len(current)} items; at most {MAX_ITEMS}")
            return self._write(state, "add_item", path, None, None, index=len(current))

    def done(self, doc_id: int) -> dict[str, Any]:
        with self._lock:
            state = self.state(doc_id)
            if state.done:
                raise ReviewError("the document is already marked done")
            return self._write(state, "done", None, None, None)

    def undo(self, doc_id: int) -> dict[str, Any]:
        """Takes back the document's latest change still in force."""
        with self._lock:
            state = self.state(doc_id)
            last = state.last_change()
            if last is None:
                raise ReviewError("nothing to undo")
            return self._write(state, "undo", last.get("path"), None, None, target=last["seq"])

    def _write(
        self, state: DocumentState, action: str, path: str | None, old: Any, new: Any, **extra: Any
    ) -> dict[str, Any]:
        document = state.document
        event = {
            "source": document.source,
            "key": document.record.get("key"),
            "action": action,
            "path": path,
            "old": old,
            "new": new,
            "reviewer": self.reviewer,
            **extra,
        }
        stored = self.store.append(event)
        self._events.setdefault(document.source, []).append(stored)
        return stored

    def _field(self, state: DocumentState, path: str) -> Any:
        if not isinstance(path, str) or path not in state.fields:
            raise NotFound(f"no field {path!r} in document {state.document.id}")
        return state.fields[path]

    def _picked(self, doc_id: int, f: Any, pick: Mapping[str, Any]) -> tuple[str, int, list[float]]:
        """Text and box of the OCR line (or word) the reviewer clicked; with append, added to the field's value."""
        page, line, word = pick.get("page"), pick.get("line"), pick.get("word")
        if not isinstance(page, int) or not isinstance(line, int) or not (word is None or isinstance(word, int)):
            raise ReviewError("a pick names a page, a line and optionally a word (integers)")
        lines = self.page_text(doc_id, page)
        if not 0 <= line < len(lines):
            raise NotFound(f"no line {line} on page {page + 1}")
        chosen = lines[line]
        if word is not None:
            if not 0 <= word < len(chosen["words"]):
                raise NotFound(f"no word {word} in line {line}")
            chosen = chosen["words"][word]
        text, box = chosen["text"], list(chosen["box"])
        if pick.get("append") and f.value not in (None, "") and f.page == page and f.box is not None:
            text = f"{f.value} {text}"
            box = [min(box[0], f.box[0]), min(box[1], f.box[1]), max(box[2], f.box[2]), max(box[3], f.box[3])]
        return text, page, box


def _bounded(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
        raise ReviewError(f"a value of {len(value)} characters; at most {MAX_VALUE_CHARS}")
    if not (value is None or isinstance(value, str | int | float | bool)):
        raise ReviewError("a field's value is text, a number, true/false or null")
    return value


__all__ = ["STATUSES", "FieldInvalid", "NotFound", "ReviewError", "ReviewSession"]
