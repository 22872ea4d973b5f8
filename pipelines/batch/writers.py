"""Tables from batch records: one row per document, a column per leaf field path of the value; and, for each
list of objects in the values (line items, table rows), a table with one row per item.

Columns of the documents' table: `source`, `status`, `error`, then every leaf path (`company`, `items.0.amount`,
...) in the order first met. Columns of a list's table (`out.items.csv` for the field `items`): `key` (the
document's result key), `source`, `index` (the item's place in its list), then the item's leaf paths. Values are
written as text (decimals and dates keep their printed form); missing ones are empty.
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
_ITEM_FIXED = ("key", "source", "index")


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


Table = tuple[list[str], list[dict[str, str | None]]]


def item_tables(records: Sequence[Record]) -> dict[str, Table]:
    """Per list-of-objects field of the values: its column names and one row per item, with its document's key."""
    out: dict[str, Table] = {}
    for record in records:
        value = record.get("value")
        for part in value if isinstance(value, list) else [value]:
            if not isinstance(part, dict):
                continue
            for name, items in part.items():
                if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
                    continue
                columns, rows = out.setdefault(name, (list(_ITEM_FIXED), []))
                for index, item in enumerate(items):
                    leaves = flatten(item)
                    columns.extend(c for c in leaves if c not in columns)
                    row = {"key": record.get("key"), "source": record.get("source"), "index": str(index)}
                    row.update((path, _cell(v)) for path, v in leaves.items())
                    rows.append(row)
    return out


def write_csv(records: Sequence[Record], path: Path) -> Path:
    columns, rows = table(records)
    _write_csv(columns, rows, path)
    for name, (item_columns, item_rows) in item_tables(records).items():
        _write_csv(item_columns, item_rows, _item_path(path, name))
    return path


def _item_path(path: Path, name: str) -> Path:
    return path.with_name(f"{path.stem}.{name}{path.suffix}")


def _write_csv(columns: list[str], rows: list[dict[str, str | None]], path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    write_bytes_atomic(path, [buffer.getvalue().encode()])


def write_parquet(records: Sequence[Record], path: Path) -> Path:
    check_format("parquet")
    _write_parquet(*table(records), path)
    for name, (item_columns, item_rows) in item_tables(records).items():
        _write_parquet(item_columns, item_rows, _item_path(path, name))
    return path


def _write_parquet(columns: list[str], rows: list[dict[str, str | None]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = {name: pa.array([row.get(name) for row in rows], type=pa.string()) for name in columns}
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(pa.table(data), tmp)
    tmp.replace(path)


def write_table(records: Sequence[Record], jsonl_path: Path, fmt: str) -> Path | None:
    """Write `out.csv` / `out.parquet` next to the JSONL file (and `out.<list>.csv` / `.parquet` per list of
    objects); the documents' table's path, None for plain jsonl."""
    if fmt == "csv":
        return write_csv(records, jsonl_path.with_suffix(".csv"))
    if fmt == "parquet":
        return write_parquet(records, jsonl_path.with_suffix(".parquet"))
    return None
