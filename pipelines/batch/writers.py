"""Tables from batch records: one row per document, a column per leaf field path of the value.

Columns: `source`, `status`, `error`, then every leaf path (`company`, `items.0.amount`, ...) in the order
first met. Values are written as text (decimals and dates keep their printed form); missing ones are empty.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ocula.pipelines.batch.records import Record, flatten
from ocula.pipelines.batch.store import write_bytes_atomic
from ocula.schemas.errors import OculaError

FORMATS = ("jsonl", "csv", "parquet")
_FIXED = ("source", "status", "error")


class MissingDependency(OculaError):
    """An optional package a requested output format needs is not installed."""


def check_format(fmt: str) -> None:
    """Fail before any work for an unknown format, or parquet without pyarrow."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise MissingDependency("--format parquet needs the pyarrow package: pip install pyarrow")


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def table(records: Sequence[Record]) -> tuple[list[str], list[dict[str, str | None]]]:
    """Column names and rows (cells as text or None) of the records."""
    rows: list[dict[str, str | None]] = []
    columns: dict[str, None] = dict.fromkeys(_FIXED)
    for record in records:
        leaves = flatten(record.get("value")) if record.get("value") is not None else {}
        columns.update(dict.fromkeys(leaves))
        row = {name: _cell(record.get(name)) for name in _FIXED}
        row.update((path, _cell(value)) for path, value in leaves.items())
        rows.append(row)
    return list(columns), rows


def write_csv(records: Sequence[Record], path: Path) -> Path:
    columns, rows = table(records)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    write_bytes_atomic(path, [buffer.getvalue().encode()])
    return path


def write_parquet(records: Sequence[Record], path: Path) -> Path:
    check_format("parquet")
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns, rows = table(records)
    data = {name: pa.array([row.get(name) for row in rows], type=pa.string()) for name in columns}
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(pa.table(data), tmp)
    tmp.replace(path)
    return path


def write_table(records: Sequence[Record], jsonl_path: Path, fmt: str) -> Path | None:
    """Write `out.csv` / `out.parquet` next to the JSONL file; None for plain jsonl."""
    if fmt == "csv":
        return write_csv(records, jsonl_path.with_suffix(".csv"))
    if fmt == "parquet":
        return write_parquet(records, jsonl_path.with_suffix(".parquet"))
    return None
