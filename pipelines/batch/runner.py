"""The batch runner: many documents -> one JSON line each, resumable, parallel, failures isolated.

- Resumable: each record is appended to the JSONL file and fsynced as soon as its document is done. A re-run
  skips documents whose key (content + schema + model + options, see `batch_records`) already has an "ok"
  record, and re-runs "error" ones only with `retry_failed`. At the end the file is rewritten atomically with
  one line per input (the latest record wins). A torn last line left by a crash is dropped on start.
- Isolated: every document runs in a worker process (see `batch_workers`); an unreadable file, an exception,
  a crash of the worker or a timeout becomes an error record and the batch goes on.
- Parallel: `workers` processes, each loading the model once; or, with `executor="ray"`, `workers` actors
  on a Ray cluster (see `batch_ray`), with the same records and semantics.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel

from ocula.adapters.io.sources import iter_sources
from ocula.pipelines.batch.extract import ExtractFn, PipelineExtract
from ocula.pipelines.batch.progress import BatchProgress
from ocula.pipelines.batch.records import Record, document_key, schema_fingerprint
from ocula.pipelines.batch.schedule import schedule
from ocula.pipelines.batch.store import ResultLog, compact, dumps, latest, read_records, repair
from ocula.pipelines.batch.workers import Task
from ocula.pipelines.batch.writers import check_format, write_table

EXECUTORS = ("local", "ray")


@dataclass
class BatchSummary:
    """What a run did. `previous_errors`: inputs whose earlier error record was kept (no `retry_failed`)."""

    total: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    previous_errors: int = 0
    seconds: float = 0.0
    out_path: Path | None = None
    table_path: Path | None = None
    records: list[Record] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.previous_errors == 0

    def line(self) -> str:
        rate = self.done + self.failed
        text = f"done {self.done}, failed {self.failed}, skipped {self.skipped} in {self.seconds:.1f} s"
        if rate and self.seconds > 0:
            text += f" ({rate / self.seconds:.2f} documents/s)"
        if self.previous_errors:
            text += f"; {self.previous_errors} skipped had failed before (--retry-failed retries them)"
        return text


def for_schema(extract_fn: Any, schema: type[BaseModel]) -> Any:
    """The extractor with the settings it leaves to the schema decided (`PipelineExtract.for_schema`: whether
    the layout model runs), once before the keys are made and the workers start; others as they are."""
    bind = getattr(extract_fn, "for_schema", None)
    return bind(schema) if callable(bind) else extract_fn


def identity_of(extract_fn: Any) -> dict[str, Any]:
    """What an extract function contributes to the keys: its `identity()` or its qualified name."""
    identity = getattr(extract_fn, "identity", None)
    if callable(identity):
        return dict(identity())
    return {"function": f"{getattr(extract_fn, '__module__', '')}.{getattr(extract_fn, '__qualname__', extract_fn)}"}


def _stems(paths: Sequence[Path]) -> list[str]:
    """File stems, with -2, -3, ... after a stem an earlier input already had (overlay names)."""
    used: set[str] = set()
    out = []
    for path in paths:
        stem, n = path.stem, 1
        while stem in used:
            n += 1
            stem = f"{path.stem}-{n}"
        used.add(stem)
        out.append(stem)
    return out


class _Sink:
    """Where records go: the durable log (resumable) or a stream (stdout)."""

    def __init__(self, log: ResultLog | None, stream: IO[str] | None) -> None:
        self.log, self.stream = log, stream

    def write(self, record: Record) -> None:
        if self.log is not None:
            self.log.append(record)
        elif self.stream is not None:
            self.stream.write(dumps(record) + "\n")
            self.stream.flush()


def run_batch(
    inputs: Sequence[str | os.PathLike[str]],
    schema: type[BaseModel],
    out_path: str | os.PathLike[str] | None,
    *,
    extract_fn: ExtractFn | Any | None = None,
    workers: int = 1,
    retry_failed: bool = False,
    timeout: float | None = None,
    progress: bool = True,
    overlay_dir: str | os.PathLike[str] | None = None,
    fmt: str = "jsonl",
    schema_loader: Callable[[], type[BaseModel]] | None = None,
    prefetch: bool = True,
    stream: IO[str] | None = None,
    model: str | None = None,
    on_record: Callable[[Record], None] | None = None,
    executor: str = "local",
    ray_address: str | None = None,
    schema_name: str | None = None,
) -> BatchSummary:
    """Extract `schema` from every input (files, folders, globs) into a JSONL file; returns a summary.

    `extract_fn(path, schema) -> Extraction` (or a list, one per page) runs in worker processes, so it must
    be picklable (a module-level function, or an object such as `PipelineExtract` with `setup`, `read`
    and `decode`); default: `PipelineExtract(model)`, the OCR + bundled language model pipeline.
    `schema_loader` rebuilds the schema in a worker when the class itself cannot be pickled (a schema
    defined in a user's file). With `out_path=None` the records go to `stream` (default stdout) as they
    finish and nothing is resumed. `timeout` is per document (reading + decoding), in seconds: the worker
    is killed and replaced. `fmt` "csv" or "parquet" also writes `out.csv` / `out.parquet`. `on_record` sees
    every record written in this run (e.g. to print failures). `executor="ray"` runs the workers as
    Ray actors: on the cluster at `ray_address`, or on a local instance started for the run (needs `ocula[ray]`).
    `schema_name` (as `ocula extract --schema` takes it) goes into every new record as `schema`, so a reader
    (`ocula review`, `ocula finetune`) knows the schema without being told.
    """
    start = time.monotonic()
    check_format(fmt)
    if fmt != "jsonl" and out_path is None:
        raise ValueError(f"--format {fmt} needs an output file (--out)")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; use one of {', '.join(EXECUTORS)}")
    run: Callable[..., None] = schedule
    pages: dict[str, Any] = {}  # the local workers tell the pages they read (Ray actors do not)
    if executor == "ray":
        from ocula.pipelines.batch.ray_engine import import_ray, schedule_ray

        import_ray()  # fail before any work when Ray is missing
        run = partial(schedule_ray, address=ray_address)
    extract_fn = extract_fn if extract_fn is not None else PipelineExtract(model=model or PipelineExtract.model)
    extract_fn = for_schema(extract_fn, schema)
    paths = iter_sources(list(inputs))
    schema_text = schema_fingerprint(schema)
    identity = identity_of(extract_fn)
    keys = [document_key(p, schema_text, identity) for p in paths]
    sources = [str(p) for p in paths]
    order = list(zip(sources, keys, strict=True))
    summary = BatchSummary(total=len(paths))

    out = Path(out_path) if out_path is not None else None
    known: dict[tuple[str, str], Record] = {}
    if out is not None:
        repair(out)
        known = latest(read_records(out))
    ok_by_key = {key: r for (_, key), r in known.items() if r.get("status") == "ok"}

    log = ResultLog(out) if out is not None else None
    sink = _Sink(log, stream if stream is not None else (sys.stdout if out is None else None))
    todo: list[Task] = []
    followers: dict[str, list[tuple[str, int]]] = {}  # key -> later inputs with the same content
    for index, (path, stem, (source, key)) in enumerate(zip(paths, _stems(paths), order, strict=True)):
        previous = known.get((source, key))
        if previous is not None and (previous.get("status") == "ok" or not retry_failed):
            summary.skipped += 1
            summary.previous_errors += previous.get("status") != "ok"
            continue
        if key in ok_by_key:  # same content already done under another name: reuse its result
            sink.write({**ok_by_key[key], "source": source})
            summary.skipped += 1
            continue
        if key in followers:
            followers[key].append((source, index))
            continue
        followers[key] = []
        todo.append(Task(index, str(path), source, key, stem))

    bar = BatchProgress(summary.total, summary.skipped, progress)
    if executor == "local":
        pages["on_page"] = bar.page

    def emit(record: Record) -> None:
        if schema_name is not None:
            record = {**record, "schema": schema_name}
        bar.finish(record["key"])
        copies = [{**record, "source": source} for source, _ in followers.get(record["key"], [])]
        for each in (record, *copies):
            sink.write(each)
            summary.done += each["status"] == "ok"
            summary.failed += each["status"] != "ok"
            bar.update(summary.failed)
            if on_record is not None:
                on_record(each)

    try:
        if todo:
            run(
                todo,
                emit,
                extract_fn,
                schema_loader or schema,
                workers=workers,
                timeout=timeout,
                overlay_dir=str(overlay_dir) if overlay_dir is not None else None,
                prefetch=prefetch,
                **pages,
            )
    finally:
        bar.close()
        if log is not None:
            log.close()
        if out is not None:
            summary.records = compact(out, order)
    if out is not None and fmt != "jsonl":
        summary.table_path = write_table(summary.records, out, fmt)
    summary.out_path = out
    summary.seconds = time.monotonic() - start
    return summary
