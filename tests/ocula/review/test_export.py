"""Exported corrections: the corrected records, read by `ocula finetune --examples` as they are."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ocula.errors import InputError
from ocula.pipelines.finetune.data import gold_value, parse_records, resolve_source
from ocula.review import ReviewSession, export
from ocula.schemas.ready import SroieReceipt

RECEIPT, FORM, FAILED = 0, 1, 2


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_only_documents_with_a_change_are_exported_by_default(session: ReviewSession, tmp_path: Path) -> None:
    session.correct(RECEIPT, "edit", "total", "50.55")
    session.correct(RECEIPT, "edit", "date", "23/03/2018")
    summary = export(session, tmp_path / "out.jsonl")
    assert (summary.written, summary.invalid, summary.left) == (1, 0, 2)
    (record,) = read(tmp_path / "out.jsonl")
    assert record["value"]["total"] == "50.55" and record["value"]["date"] == "23/03/2018"
    assert record["status"] == "ok" and record["error"] is None and record["key"] == "receipt-key"
    assert record["fields"]["total"]["review"] == "edited" and record["fields"]["company"]["review"] == "unchecked"
    assert record["fields"]["total"]["confidence"] == 0.3  # the extraction's, kept for calibration
    assert record["review"] == {
        "source": record["review"]["source"],
        "done": False,
        "corrections": 2,
        "checked": 2,
        "fields": 4,
        "reviewers": ["ana"],
    }
    assert Path(record["source"]).is_absolute() and Path(record["source"]).is_file()
    assert record["schema"] == "sroie"  # the session's, as the record named none


def test_each_exported_record_names_the_schema_it_was_reviewed_with(session: ReviewSession, tmp_path: Path) -> None:
    export(session, tmp_path / "all.jsonl", everything=True)
    schemas = {r["key"]: r["schema"] for r in read(tmp_path / "all.jsonl")}
    assert schemas["receipt-key"] == schemas["failed-key"] == "sroie"
    assert schemas["form-key"] == session.results.documents[FORM].record["schema"]  # the record's own


def test_everything_or_only_done_documents(session: ReviewSession, tmp_path: Path) -> None:
    session.correct(RECEIPT, "accept", "company")
    session.done(FORM)
    assert export(session, tmp_path / "all.jsonl", everything=True).written == 3
    failed = next(r for r in read(tmp_path / "all.jsonl") if r["key"] == "failed-key")
    assert failed["status"] == "error" and "company: Field required" in failed["error"]
    summary = export(session, tmp_path / "done.jsonl", done_only=True)
    assert summary.written == 1 and read(tmp_path / "done.jsonl")[0]["key"] == "form-key"


def test_an_undone_change_is_not_exported(session: ReviewSession, tmp_path: Path) -> None:
    session.correct(RECEIPT, "edit", "total", "50.55")
    session.undo(RECEIPT)
    assert export(session, tmp_path / "out.jsonl").written == 0


def test_the_export_never_overwrites_the_results_or_the_corrections(session: ReviewSession) -> None:
    session.correct(RECEIPT, "edit", "total", "50.55")
    for target in (session.path, session.store.path):
        before = target.read_bytes()
        with pytest.raises(InputError, match="cannot overwrite"):
            export(session, target)
        assert target.read_bytes() == before


def test_finetune_reads_the_export_from_any_folder(
    session: ReviewSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session.correct(RECEIPT, "edit", "total", "50.55")
    session.correct(RECEIPT, "edit", "date", "23/03/2018")
    out = tmp_path / "elsewhere" / "labelled.jsonl"
    out.parent.mkdir()
    export(session, out)
    monkeypatch.chdir(out.parent)
    records, skipped = parse_records(out)
    assert skipped == [] and len(records) == 1
    record = records[0][1]
    assert resolve_source(record["source"], out) is not None
    assert gold_value(SroieReceipt, record["value"])["total"] == "50.55"
    assert os.path.samefile(record["source"], Path(__file__).resolve().parents[3] / "samples" / "receipt.jpg")


def test_only_the_documents_a_glob_names(session: ReviewSession, tmp_path: Path) -> None:
    session.correct(RECEIPT, "edit", "total", "50.55")
    session.done(FORM)
    summary = export(session, tmp_path / "out.jsonl", only=["*/form.pdf"])
    assert (summary.written, summary.left) == (1, 2) and read(tmp_path / "out.jsonl")[0]["key"] == "form-key"
    assert export(session, tmp_path / "out.jsonl", only=["*.png", "*/receipt.jpg"]).written == 1
