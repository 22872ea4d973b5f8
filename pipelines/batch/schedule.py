"""Scheduling a batch's documents on worker processes, with per-document timeouts and crash recovery.

A worker holds at most two documents (the one it decodes and the one it reads ahead). A document whose
reading + decoding time passes the timeout gets an error record; its worker is killed and replaced, and the
document it had read ahead goes back to the queue. A worker that dies is blamed on the document it had
been working on the longest; the others go back to the queue (at most twice each). `on_page(task, done, total)`
hears of each page a worker reaches in a document (for a long document's progress bar).
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import wait
from typing import Any

from ocula.pipelines.batch.records import Record, error_record
from ocula.pipelines.batch.workers import SchemaSource, Task, Worker
from ocula.schemas.errors import ModelError

PageCallback = Callable[[Task, int, int], None]
MAX_REQUEUES = 2  # times a document goes back to the queue after another's failure took down its worker
POLL_SECONDS = 0.5  # longest wait for a worker's message before the timeouts are checked again


def schedule(
    todo: list[Task],
    emit: Callable[[Record], None],
    extract_fn: Any,
    schema_source: SchemaSource,
    *,
    workers: int,
    timeout: float | None,
    overlay_dir: str | None,
    prefetch: bool,
    on_page: PageCallback | None = None,
) -> None:
    """Run `todo` on worker processes; `emit` gets each document's record as it finishes."""
    context = mp.get_context("spawn")
    pending: deque[Task] = deque(todo)
    requeued: dict[int, int] = {}
    depth = 2 if prefetch else 1
    pool = [
        Worker.start(context, extract_fn, schema_source, overlay_dir, prefetch) for _ in range(min(workers, len(todo)))
    ]

    def replace(worker: Worker, blamed: int | None, why: str) -> None:
        """Kill `worker`, record `why` for the blamed task, put its other tasks back, start a new worker."""
        worker.kill()
        for index, task in list(worker.tasks.items()):
            if index == blamed or requeued.get(index, 0) >= MAX_REQUEUES:
                emit(error_record(task.source, task.key, why if index == blamed else f"worker failed: {why}"))
            else:
                requeued[index] = requeued.get(index, 0) + 1
                pending.appendleft(task)
        pool[pool.index(worker)] = Worker.start(context, extract_fn, schema_source, overlay_dir, prefetch)

    def handle(worker: Worker, message: tuple[Any, ...]) -> None:
        kind, now = message[0], time.monotonic()
        if kind == "ready":
            worker.ready = True
        elif kind == "setup_failed":
            raise ModelError(f"workers could not start: {message[1]}")
        elif kind in ("read", "decode") and message[1] in worker.clocks:
            worker.clocks[message[1]].start(now)
        elif kind == "read_done" and message[1] in worker.clocks:
            worker.clocks[message[1]].stop(now)
        elif kind == "page" and message[1] in worker.tasks and on_page is not None:
            on_page(worker.tasks[message[1]], message[2], message[3])
        elif kind == "done" and worker.finish(message[1]) is not None:
            emit(message[2])

    def drain(worker: Worker) -> bool:
        """Handle every message waiting on the worker's pipe; False when the pipe is closed."""
        try:
            while worker.conn.poll(0):
                handle(worker, worker.conn.recv())
        except (EOFError, OSError):
            return False
        return True

    try:
        while pending or any(w.tasks for w in pool):
            for worker in pool:
                while worker.ready and pending and len(worker.tasks) < depth:
                    worker.assign(pending.popleft())
            wait_for = POLL_SECONDS
            if timeout is not None:
                now = time.monotonic()
                left = [timeout - c.elapsed(now) for w in pool for c in w.clocks.values() if c.since is not None]
                wait_for = max(0.01, min([wait_for, *left]))
            handles: list[Any] = [w.conn for w in pool] + [w.process.sentinel for w in pool]
            wait(handles, timeout=wait_for)
            for worker in list(pool):
                alive = drain(worker)
                if alive and worker.process.is_alive():
                    continue
                drain(worker)
                if not worker.ready:
                    raise ModelError(f"a worker exited while loading (exit code {worker.process.exitcode})")
                code = worker.process.exitcode
                replace(worker, worker.oldest_running(), f"worker crashed (exit code {code})")
            if timeout is not None:
                now = time.monotonic()
                for worker in list(pool):
                    late = [i for i, c in worker.clocks.items() if c.elapsed(now) > timeout]
                    if late and drain(worker):
                        late = [i for i in late if i in worker.tasks]
                        if late:
                            oldest = max(late, key=lambda i: worker.clocks[i].elapsed(now))
                            replace(worker, oldest, f"timed out after {timeout:g} s")
    finally:
        for worker in pool:
            worker.stop()
        for worker in pool:
            worker.process.join(timeout=2)
            worker.kill()
