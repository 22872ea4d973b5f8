"""The batch's JSON Lines file: an append-only log while running, compacted atomically at the end.

Only the batch's parent process writes it. Each record is appended, flushed and fsynced, so a crash loses
at most the document in flight. A crash in the middle of a write leaves a torn last line; `repair` drops it
(truncates the file) before anything is appended. `compact` rewrites the file with the latest record per key
through a temporary file in the same folder, fsync and `os.replace`, so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

Record = dict[str, Any]


def _valid(line: bytes) -> Record | None:
    try:
        data = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("key"), str) else None


def repair(path: Path) -> int:
    """Truncate a torn tail (a last line without newline, or trailing lines that are not records).

    Returns the number of bytes dropped. A missing file is left missing.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return 0
    end = len(data)
    while end > 0:
        if data[end - 1 : end] != b"\n":
            end = data.rfind(b"\n", 0, end) + 1  # drop the unterminated line
            continue
        start = data.rfind(b"\n", 0, end - 1) + 1
        line = data[start : end - 1]
        if line.strip() and _valid(line) is None:
            end = start  # a terminated but unparsable last line: torn too
            continue
        break
    if end < len(data):
        with path.open("r+b") as f:
            f.truncate(end)
            f.flush()
            os.fsync(f.fileno())
    return len(data) - end


def read_records(path: Path) -> list[Record]:
    """Every valid record in file order (unparsable lines are skipped)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    return [r for line in data.splitlines() if line.strip() and (r := _valid(line)) is not None]


Ident = tuple[str, str]


def ident(record: Record) -> Ident:
    """What one line stands for: an input (its source) and its result key."""
    return (str(record.get("source")), record["key"])


def latest(records: Iterable[Record]) -> dict[Ident, Record]:
    """The last record of each (source, key): a retried document's newer record wins."""
    out: dict[Ident, Record] = {}
    for record in records:
        out.pop(ident(record), None)  # re-insert so order follows the latest write
        out[ident(record)] = record
    return out


def dumps(record: Record) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)


class ResultLog:
    """Appends records durably to a JSONL file (one `write` + flush + fsync per record)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] = path.open("ab")

    def append(self, record: Record) -> None:
        self._file.write((dumps(record) + "\n").encode())
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ResultLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, lines: Iterable[str]) -> None:
    """Write `lines` (each without newline) to `path` through a temp file, fsync and `os.replace`."""
    write_bytes_atomic(path, [(line + "\n").encode() for line in lines])


def write_bytes_atomic(path: Path, chunks: Iterable[bytes]) -> None:
    """Write `chunks` to `path` through a temp file in the same folder, fsync and `os.replace`."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def compact(path: Path, order: list[Ident]) -> list[Record]:
    """Rewrite `path` with exactly one record per (source, key).

    `order` is this run's (source, key) in input order: those records come last, in that order. Other
    records are kept (earlier runs over other inputs) unless their source is one of this run's inputs
    (a file whose content changed since: its old result is stale). Returns the records written.
    """
    found = latest(read_records(path))
    sources = {source for source, _ in order}
    kept = [r for i, r in found.items() if i[0] not in sources]
    kept.extend(found[i] for i in dict.fromkeys(order) if i in found)
    write_atomic(path, (dumps(r) for r in kept))
    return kept
