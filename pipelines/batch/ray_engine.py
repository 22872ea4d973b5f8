"""Running a batch's documents on a Ray cluster: one actor per worker, each holding one model.

The records, skip-done and error semantics are those of the local worker processes (`batch_schedule`): only
the driver writes the results file, each record as it arrives; a document whose reading + decoding passes the
timeout gets an error record and its actor is killed and replaced; an actor that dies is blamed on the
document it had been working on the longest, and its other document goes back to the queue (at most twice).

Ray actors rather than Ray Data `map_batches`: Ray Data has no per-row timeout, and its actor pool restarts a
dead actor and retries its block without limit by default (with retries off, one document that crashes the
model fails the whole dataset; `max_errored_blocks` drops the rows of a failed block instead of reporting
them). Driving the actors directly keeps one error record per bad document and the batch going.

Each document is two actor calls: `read` (load + OCR, the result stays in the actor) and `decode` (the model).
The driver sends the next document's `read` while the current one decodes, and the actor runs two calls at once
(`max_concurrency=2`), so OCR overlaps decoding as in a local worker, and each call's clock is working time.

Input files, overlay folders and the schema's module must be reachable at the same path on every node: nothing
to do for the default local instance; a shared filesystem (and Ocula installed on every node) on a cluster.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocula.pipelines.batch.records import Record, error_record, one_line
from ocula.pipelines.batch.schedule import MAX_REQUEUES, POLL_SECONDS
from ocula.pipelines.batch.workers import Clock, SchemaSource, Task, load_schema, reason, run_one, stages
from ocula.pipelines.batch.writers import MissingDependency
from ocula.schemas.errors import ModelError

INSTALL_HINT = 'pip install "ocula[ray]"'


def import_ray() -> Any:
    """The `ray` module, or `MissingDependency` naming the extra to install."""
    try:
        import ray
    except ImportError:
        raise MissingDependency(f"--engine ray needs Ray: {INSTALL_HINT}") from None
    return ray


class RayWorker:
    """The actor: loads the model once (`setup`), then reads and decodes the documents it is sent.

    The driver never sends two `read` or two `decode` calls to one actor at once; a read document waits in
    `_read` for its `decode`.
    """

    def __init__(self, extract_fn: Any, schema_source: SchemaSource, overlay_dir: str | None) -> None:
        self.extract_fn = extract_fn
        self.schema_source = schema_source
        self.overlay_dir = overlay_dir
        self.schema: Any = None
        self._read: dict[int, tuple[Any, str | None]] = {}

    def setup(self) -> str | None:
        """Load the schema and the model; a one-line reason when that fails."""
        try:
            self.schema = load_schema(self.schema_source)
            setup = getattr(self.extract_fn, "setup", None)
            if callable(setup):
                setup()
        except Exception as err:
            return reason(err)
        return None

    def read(self, task: Task) -> None:
        read_fn, _ = stages(self.extract_fn)
        try:
            self._read[task.index] = (read_fn(Path(task.path)), None)
        except Exception as err:
            self._read[task.index] = (None, reason(err))

    def decode(self, task: Task) -> Record:
        _, decode_fn = stages(self.extract_fn)
        item, error = self._read.pop(task.index, (None, "document was not read"))
        return run_one(task, item, error, decode_fn, self.schema, self.overlay_dir)


@dataclass
class _Slot:
    """The driver's handle on one actor and the documents it holds (at most two)."""

    actor: Any
    setup_ref: Any
    ready: bool = False
    reading: Task | None = None
    waiting: deque[Task] = field(default_factory=deque)  # read, not yet decoding
    decoding: Task | None = None
    tasks: dict[int, Task] = field(default_factory=dict)
    clocks: dict[int, Clock] = field(default_factory=dict)

    def oldest_running(self) -> int | None:
        now = time.monotonic()
        started = [(c.elapsed(now), i) for i, c in self.clocks.items() if c.started]
        return max(started)[1] if started else None


def cpus_per_worker(ray: Any, workers: int) -> int:
    """CPUs each actor reserves (and its model's threads): the cluster's CPUs shared out, at most one node's."""
    total = int(ray.cluster_resources().get("CPU", 1))
    per_node = [int(n.get("Resources", {}).get("CPU", 0)) for n in ray.nodes() if n.get("Alive")]
    return max(1, min(max(per_node, default=total), total // workers))


def with_threads(extract_fn: Any, threads: int) -> Any:
    """A copy of a dataclass extractor (such as `PipelineExtract`) with `threads` set when it was left unset."""
    if dataclasses.is_dataclass(extract_fn) and getattr(extract_fn, "threads", 0) is None:
        return dataclasses.replace(extract_fn, threads=threads)
    return extract_fn


def connect(ray: Any, address: str | None) -> bool:
    """Join the cluster at `address`, or start a local instance; True when this call started Ray."""
    if ray.is_initialized():
        return False
    options: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.ERROR}
    if address is None:  # "local": a new instance, even where a stale /tmp/ray file names an old cluster
        options["include_dashboard"] = False
    ray.init(address=address or "local", **options)
    return True


def schedule_ray(
    todo: list[Task],
    emit: Callable[[Record], None],
    extract_fn: Any,
    schema_source: SchemaSource,
    *,
    workers: int,
    timeout: float | None,
    overlay_dir: str | None,
    prefetch: bool,
    address: str | None = None,
) -> None:
    """Run `todo` on `workers` Ray actors; `emit` gets each document's record as it finishes.

    `address`: a running cluster (`auto`, `host:port`, `ray://host:10001`); None starts a local instance
    (or uses the one this process already started), which is shut down at the end.
    """
    ray = import_ray()
    from ray.exceptions import RayActorError, RayError

    started = connect(ray, address)
    cpus = cpus_per_worker(ray, workers)
    extract_fn = with_threads(extract_fn, cpus)
    remote = ray.remote(RayWorker).options(num_cpus=cpus, max_concurrency=2, max_restarts=0, max_task_retries=0)
    depth = 2 if prefetch else 1
    pending: deque[Task] = deque(todo)
    requeued: dict[int, int] = {}
    calls: dict[Any, tuple[_Slot, str, Task | None]] = {}  # object ref -> (slot, "setup" | "read" | "decode", task)

    def start() -> _Slot:
        actor = remote.remote(extract_fn, schema_source, overlay_dir)
        slot = _Slot(actor, actor.setup.remote())
        calls[slot.setup_ref] = (slot, "setup", None)
        return slot

    pool = [start() for _ in range(min(workers, len(todo)))]

    def call(slot: _Slot, kind: str, task: Task) -> None:
        ref = getattr(slot.actor, kind).remote(task)
        calls[ref] = (slot, kind, task)
        slot.clocks[task.index].start(time.monotonic())

    def feed(slot: _Slot) -> None:
        if slot.reading is None and pending and len(slot.tasks) < depth:
            task = pending.popleft()
            slot.tasks[task.index], slot.clocks[task.index] = task, Clock()
            slot.reading = task
            call(slot, "read", task)
        if slot.decoding is None and slot.waiting:
            slot.decoding = slot.waiting.popleft()
            call(slot, "decode", slot.decoding)

    def finish(slot: _Slot, task: Task, record: Record) -> None:
        slot.tasks.pop(task.index, None)
        slot.clocks.pop(task.index, None)
        emit(record)

    def replace(slot: _Slot, blamed: int | None, why: str) -> None:
        """Kill the actor, record `why` for the blamed task, put its other tasks back, start a new actor."""
        ray.kill(slot.actor, no_restart=True)
        for ref in [r for r, (s, _, _) in calls.items() if s is slot]:
            del calls[ref]
        for index, task in list(slot.tasks.items()):
            if index == blamed or requeued.get(index, 0) >= MAX_REQUEUES:
                emit(error_record(task.source, task.key, why if index == blamed else f"worker failed: {why}"))
            else:
                requeued[index] = requeued.get(index, 0) + 1
                pending.appendleft(task)
        pool[pool.index(slot)] = start()

    def handle(ref: Any) -> None:
        if ref not in calls:
            return  # its actor was replaced meanwhile
        slot, kind, task = calls.pop(ref)
        now = time.monotonic()
        try:
            result = ray.get(ref)
        except RayActorError as err:
            if kind == "setup":
                raise ModelError(f"a worker exited while loading: {one_line(str(err), 300)}") from None
            replace(slot, slot.oldest_running(), "worker crashed (its Ray actor died)")
            return
        except RayError as err:  # an error the actor's own handling let through (not an Exception)
            if task is None:
                raise ModelError(f"workers could not start: {one_line(str(err), 300)}") from None
            replace(slot, task.index, one_line(f"worker failed: {type(err).__name__}: {err}"))
            return
        if kind == "setup":
            if result is not None:
                raise ModelError(f"workers could not start: {result}")
            slot.ready = True
        elif kind == "read" and task is not None:
            slot.clocks[task.index].stop(now)
            slot.reading = None
            slot.waiting.append(task)
        elif kind == "decode" and task is not None:
            slot.decoding = None
            finish(slot, task, result)

    try:
        while pending or any(s.tasks for s in pool):
            for slot in pool:
                if slot.ready:
                    feed(slot)
            wait_for = POLL_SECONDS
            if timeout is not None:
                now = time.monotonic()
                left = [timeout - c.elapsed(now) for s in pool for c in s.clocks.values() if c.since is not None]
                wait_for = max(0.01, min([wait_for, *left]))
            refs = list(calls)
            ready, _ = ray.wait(refs, num_returns=1, timeout=wait_for) if refs else ([], [])
            if ready:
                ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
            for ref in ready:
                handle(ref)
            if timeout is not None:
                now = time.monotonic()
                for slot in list(pool):
                    late = [i for i, c in slot.clocks.items() if c.elapsed(now) > timeout]
                    if late:
                        oldest = max(late, key=lambda i: slot.clocks[i].elapsed(now))
                        replace(slot, oldest, f"timed out after {timeout:g} s")
    finally:
        for slot in pool:
            ray.kill(slot.actor, no_restart=True)
        if started:
            ray.shutdown()
