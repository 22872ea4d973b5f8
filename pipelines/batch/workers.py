"""Batch worker processes: each loads the model once, then extracts the documents it is sent.

Every document runs in a child process (also with one worker), so the parent can kill a worker whose
document exceeds the timeout, or survive one that crashes, and go on with a fresh worker. Workers start with
the `spawn` method: llama.cpp is not fork-safe once loaded. Each worker talks to the parent on its own pipe
(killing one worker never corrupts another's channel). A worker ends the moment its parent dies, even in the
middle of a document (`parent_watch`: the kernel's parent-death signal on Linux, a thread watching the
parent elsewhere), so a killed parent leaves no orphans behind.

Inside a worker, a reader thread loads and OCRs the next document while the main thread decodes the
current one (at most two documents in hand). The worker reports each phase (`read`, `read_done`,
`decode`), so the parent's per-document clock counts reading and decoding time, not time spent waiting, and
the pages it has read (`page`, when the extractor's `read` takes `on_page`) for a long document's progress bar.
"""

from __future__ import annotations

import contextlib
import inspect
import multiprocessing as mp
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ocula.pipelines.batch.parent_watch import die_with_parent
from ocula.pipelines.batch.records import Record, error_record, extraction_record, one_line
from ocula.schemas.errors import OculaError

SchemaSource = type[BaseModel] | Callable[[], type[BaseModel]]


@dataclass(frozen=True)
class Task:
    index: int
    path: str
    source: str
    key: str
    stem: str


def reason(err: BaseException) -> str:
    """A one-line reason for a failed document."""
    if isinstance(err, OculaError):
        return one_line(str(err))
    if isinstance(err, OSError) and err.strerror:
        return one_line(f"{err.filename or ''}: {err.strerror}".lstrip(": "))
    return one_line(f"unexpected {type(err).__name__}: {err}")


def load_schema(source: SchemaSource) -> type[BaseModel]:
    """The schema class, calling `source` first when it is a loader (so a worker imports the schema itself)."""
    if isinstance(source, type) and issubclass(source, BaseModel):
        return source
    return source()  # type: ignore[misc, call-arg]


def stages(extract_fn: Any) -> tuple[Callable[[Path], Any], Callable[[Any, type[BaseModel]], Any]]:
    """`read` and `decode` when the extractor offers them, else (path passed through, the whole call)."""
    if callable(getattr(extract_fn, "read", None)) and callable(getattr(extract_fn, "decode", None)):
        return extract_fn.read, extract_fn.decode
    return (lambda path: path), extract_fn


def reports_pages(read: Callable[..., Any]) -> bool:
    """Whether a `read` stage takes `on_page(done, total)`."""
    try:
        return "on_page" in inspect.signature(read).parameters
    except (TypeError, ValueError):
        return False


def write_overlays(task: Task, result: Any, read: Any, overlay_dir: Path) -> list[str]:
    """Draw each page's fields on the page image: `overlay_dir/<stem>-p<N>.png` (N from 1)."""
    from ocula.adapters.io.loading import load_document
    from ocula.pipelines.overlay import draw, save_png
    from ocula.schemas import Extraction

    document = getattr(read, "document", None) or load_document(task.path)
    parts = result if isinstance(result, list) else [result]
    written = []
    for n, index in enumerate(document.page_indices):
        part: Extraction[Any] = parts[n] if len(parts) > 1 else parts[0]  # per page: one per page
        image = draw(document.page(index).image, part, page=index)
        written.append(str(save_png(image, overlay_dir / f"{task.stem}-p{index + 1}.png")))
    return written


def run_one(
    task: Task, read: Any, read_error: str | None, decode: Callable[..., Any], schema: Any, overlay: Any
) -> Record:
    """Decode one read document into its record (an error record when reading or decoding failed), with its
    overlays drawn into the folder `overlay` when given."""
    if read_error is not None:
        return error_record(task.source, task.key, read_error)
    try:
        result = decode(read, schema)
        record = extraction_record(task.source, task.key, result)
    except Exception as err:
        return error_record(task.source, task.key, reason(err))
    if overlay is not None:
        try:
            record["overlays"] = write_overlays(task, result, read, Path(overlay))
        except Exception as err:
            record["status"], record["error"] = "error", f"overlay: {reason(err)}"
    return record


def worker_main(
    conn: Connection, extract_fn: Any, schema_source: SchemaSource, overlay_dir: str | None, prefetch: bool
) -> None:
    """Entry point of a worker process."""
    die_with_parent()
    lock = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        with lock:
            conn.send(message)

    try:
        schema = load_schema(schema_source)
        setup = getattr(extract_fn, "setup", None)
        if callable(setup):
            setup()
    except BaseException as err:
        send(("setup_failed", reason(err), traceback.format_exc(limit=3)))
        return
    send(("ready",))
    read_fn, decode_fn = stages(extract_fn)
    paged = reports_pages(read_fn)
    slots = threading.Semaphore(2 if prefetch else 1)
    handed: list[Any] = []
    available = threading.Condition()

    def reader() -> None:
        while True:
            slots.acquire()
            try:
                task = conn.recv()
            except (EOFError, OSError):
                task = None
            if task is None:
                with available:
                    handed.append(None)
                    available.notify()
                return
            send(("read", task.index))

            def on_page(done: int, total: int, index: int = task.index) -> None:
                send(("page", index, done, total))

            try:
                item, error = (read_fn(Path(task.path), on_page=on_page) if paged else read_fn(Path(task.path))), None
            except Exception as err:
                item, error = None, reason(err)
            send(("read_done", task.index))
            with available:
                handed.append((task, item, error))
                available.notify()

    threading.Thread(target=reader, name="ocula-batch-reader", daemon=True).start()
    try:
        while True:
            with available:
                available.wait_for(lambda: bool(handed))
                got = handed.pop(0)
            if got is None:
                return
            task, item, error = got
            send(("decode", task.index))
            record = run_one(task, item, error, decode_fn, schema, overlay_dir)
            send(("done", task.index, record))
            slots.release()
    except (BrokenPipeError, EOFError, OSError):
        return  # the parent is gone


@dataclass
class Clock:
    """Time a document has been worked on: finished phases plus the running one."""

    spent: float = 0.0
    since: float | None = None

    def start(self, now: float) -> None:
        self.since = now

    def stop(self, now: float) -> None:
        if self.since is not None:
            self.spent += now - self.since
            self.since = None

    def elapsed(self, now: float) -> float:
        return self.spent + (now - self.since if self.since is not None else 0.0)

    @property
    def started(self) -> bool:
        return self.since is not None or self.spent > 0


@dataclass
class Worker:
    """The parent's handle on one worker process and the tasks it holds."""

    process: Any
    conn: Connection
    ready: bool = False
    tasks: dict[int, Task] = field(default_factory=dict)
    clocks: dict[int, Clock] = field(default_factory=dict)
    started_at: float = field(default_factory=time.monotonic)

    @classmethod
    def start(
        cls,
        context: mp.context.BaseContext,
        extract_fn: Any,
        schema_source: SchemaSource,
        overlay_dir: str | None,
        prefetch: bool,
    ) -> Worker:
        parent_end, child_end = context.Pipe()
        process = context.Process(  # type: ignore[attr-defined]
            target=worker_main,
            args=(child_end, extract_fn, schema_source, overlay_dir, prefetch),
            name="ocula-batch-worker",
            daemon=True,
        )
        process.start()
        child_end.close()
        return cls(process, parent_end)

    def assign(self, task: Task) -> None:
        self.tasks[task.index] = task
        self.clocks[task.index] = Clock()
        self.conn.send(task)

    def finish(self, index: int) -> Task | None:
        self.clocks.pop(index, None)
        return self.tasks.pop(index, None)

    def oldest_running(self) -> int | None:
        """The task that has been worked on the longest (the one to blame when the worker dies)."""
        now = time.monotonic()
        started = [(c.elapsed(now), i) for i, c in self.clocks.items() if c.started]
        return max(started)[1] if started else None

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()
