"""Flat tables of batch records: one row per document, and one row per item of each list of objects."""

import csv
from pathlib import Path

import pytest

from ocula.pipelines.batch.writers import item_tables, write_table

RECORDS = [
    {
        "source": "a.jpg",
        "key": "k1",
        "status": "ok",
        "error": None,
        "value": {
            "total": "6.20",
            "items": [
                {"description": "MILO", "amount": "3.10"},
                {"description": "TEA", "amount": "3.10", "quantity": "2"},
            ],
        },
    },
    {
        "source": "b.jpg",
        "key": "k2",
        "status": "partial",
        "error": "items: ...",
        "value": {"total": "1.00", "items": []},
    },
    {"source": "c.jpg", "key": "k3", "status": "error", "error": "unreadable", "value": None},
]


def test_one_row_per_item_with_the_document_key() -> None:
    columns, rows = item_tables(RECORDS)["items"]
    assert columns == ["key", "source", "index", "description", "amount", "quantity"]
    assert [(r["key"], r["index"], r["description"], r.get("quantity")) for r in rows] == [
        ("k1", "0", "MILO", None),
        ("k1", "1", "TEA", "2"),
    ]


def test_csv_writes_the_items_table_beside_the_documents_table(tmp_path: Path) -> None:
    out = write_table(RECORDS, tmp_path / "out.jsonl", "csv")
    assert out == tmp_path / "out.csv"
    with (tmp_path / "out.items.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["key"], r["source"], r["amount"], r["quantity"]) for r in rows] == [
        ("k1", "a.jpg", "3.10", ""),
        ("k1", "a.jpg", "3.10", "2"),
    ]
    with out.open(newline="") as f:
        assert [r["status"] for r in csv.DictReader(f)] == ["ok", "partial", "error"]


def test_parquet_items_table(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is not installed (the optional parquet output)")
    write_table(RECORDS, tmp_path / "out.jsonl", "parquet")
    table = pq.read_table(tmp_path / "out.items.parquet")
    assert table.column_names[:3] == ["key", "source", "index"] and table.num_rows == 2
