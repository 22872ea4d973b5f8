"""Labelled records: parsing, validation, skipping with reasons, the OCR cache, and the captured request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ocula.pipelines.finetune.data import OCRCache, gold_value, parse_records, read_labelled
from ocula.schemas import BBox, InputError, Line, OCRPage
from ocula.schemas.ready import SroieReceipt
from tests.fixtures.fakes import FixedOCR

LINES = ["KEDAI MAJU SDN BHD", "NO 17, JALAN PERMAI 3,", "DATE: 23/03/2018", "TOTAL 50.55"]
VALUE = {"company": "KEDAI MAJU SDN BHD", "date": "23/03/2018", "address": "NO 17, JALAN PERMAI 3,", "total": "50.55"}


def counting_ocr() -> FixedOCR:
    """Reads every page as the same four lines and counts the pages it read."""
    return FixedOCR(
        [Line(text=t, box=BBox(x0=10, y0=10 + 30 * i, x1=300, y1=30 + 30 * i)) for i, t in enumerate(LINES)]
    )


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def page() -> OCRPage:
    return counting_ocr().read(np.zeros((400, 320, 3), dtype=np.uint8))


def test_gold_value_validates_and_normalises() -> None:
    assert gold_value(SroieReceipt, {**VALUE, "total": 50.55})["total"] == "50.55"
    with pytest.raises(ValueError, match=r"not valid for SroieReceipt: total"):
        gold_value(SroieReceipt, {**VALUE, "total": "$50"})
    with pytest.raises(ValueError, match="not an object"):
        gold_value(SroieReceipt, "text")


def test_parse_records_skips_bad_lines_and_keeps_the_last_per_source(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "l.jsonl",
        [
            {"source": "a.png", "value": {"company": "old"}},
            "not json",
            {"value": {}},
            "",
            {"source": "a.png", "value": {}},
        ],
    )
    records, skipped = parse_records(path)
    assert [(n, r["source"]) for n, r in records] == [(5, "a.png")]
    reasons = {s.line: s.reason for s in skipped}
    assert reasons[1] == "replaced by line 5 (same source)"
    assert reasons[2].startswith("not JSON")
    assert "source" in reasons[3]
    with pytest.raises(InputError, match="cannot read"):
        parse_records(tmp_path / "missing.jsonl")


def test_read_labelled_uses_good_records_and_says_why_others_are_skipped(tmp_path: Path, samples_dir: Path) -> None:
    receipt = str(samples_dir / "receipt.jpg")
    path = write_jsonl(
        tmp_path / "l.jsonl",
        [
            {"source": receipt, "status": "error", "value": VALUE},  # a failed record, corrected: usable
            {"source": "nowhere.png", "value": VALUE},
            {"source": str(samples_dir / "invoice.png"), "value": None},
            {"source": str(samples_dir / "id_card.png"), "value": {**VALUE, "company": None}},
            {"source": str(samples_dir / "business_card.png"), "value": [VALUE, VALUE]},
        ],
    )
    ocr = counting_ocr()
    labelled = read_labelled(path, SroieReceipt, ocr, cache_dir=tmp_path / "cache")
    assert [d.source for d in labelled.documents] == [receipt]
    assert labelled.documents[0].value == VALUE
    assert [p.text for p in labelled.documents[0].pages] == ["\n".join(LINES)]
    reasons = {s.line: s.reason for s in labelled.skipped}
    assert reasons == {
        2: "file not found",
        3: "no value (fill in the corrected value)",
        4: "value not valid for SroieReceipt: company: Input should be a valid string",
        5: "2 per-page values for 1 page(s)",
    }


def test_ocr_is_cached_by_content(tmp_path: Path, samples_dir: Path) -> None:
    path = write_jsonl(tmp_path / "l.jsonl", [{"source": "receipt.jpg", "value": VALUE}])
    (tmp_path / "receipt.jpg").write_bytes((samples_dir / "receipt.jpg").read_bytes())  # relative to the file
    ocr = counting_ocr()
    first = read_labelled(path, SroieReceipt, ocr, cache_dir=tmp_path / "cache")
    second = read_labelled(path, SroieReceipt, ocr, cache_dir=tmp_path / "cache")
    assert ocr.calls == 1
    assert first.documents[0].pages == second.documents[0].pages
    assert len(list((tmp_path / "cache").glob("*-fake-150.json"))) == 1
    (next((tmp_path / "cache").glob("*.json"))).write_text("{broken")
    read_labelled(path, SroieReceipt, ocr, cache_dir=tmp_path / "cache")
    assert ocr.calls == 2  # a damaged entry is read again


def test_per_page_values_pair_with_pages(tmp_path: Path, samples_dir: Path) -> None:
    path = write_jsonl(tmp_path / "l.jsonl", [{"source": str(samples_dir / "form.pdf"), "value": [VALUE, VALUE]}])
    labelled = read_labelled(path, SroieReceipt, counting_ocr(), cache_dir=None)
    assert [[p.page for p in d.pages] for d in labelled.documents] == [[0], [1]]


def test_cache_without_folder_stores_nothing(tmp_path: Path) -> None:
    cache = OCRCache(None)
    cache.put("abc", "fake", 150, [page()])
    assert cache.get("abc", "fake", 150) is None
