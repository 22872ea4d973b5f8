"""The corrections file: appended and fsynced line by line, read back whole, a line cut short by a crash skipped."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ocula.review.store import CorrectionStore, corrections_path


def change(source: str = "a.jpg", action: str = "edit", **extra: object) -> dict:
    return {"source": source, "action": action, "path": "total", "old": {"value": "1"}, "new": {"value": "2"}} | extra


def test_the_corrections_file_sits_next_to_the_results() -> None:
    assert corrections_path(Path("/data/run/results.jsonl")) == Path("/data/run/results.corrections.jsonl")


def test_each_change_is_fsynced_before_append_returns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real(fd))
    store = CorrectionStore(tmp_path / "c.jsonl")
    first = store.append(change())
    assert synced, "the change was not fsynced"
    lines = (tmp_path / "c.jsonl").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0]) == first
    assert first["seq"] == 1 and first["time"].endswith("+00:00") and first["new"] == {"value": "2"}
    second = store.append(change(action="accept"))
    assert second["seq"] == 2 and len((tmp_path / "c.jsonl").read_text().splitlines()) == 2


def test_a_reopened_store_reads_every_change_and_numbers_on(tmp_path: Path) -> None:
    store = CorrectionStore(tmp_path / "c.jsonl")
    store.append(change())
    store.append(change(action="undo", target=1))
    again = CorrectionStore(tmp_path / "c.jsonl")
    assert [e["action"] for e in again.events] == ["edit", "undo"] and again.events[1]["target"] == 1
    assert again.append(change())["seq"] == 3


def test_a_line_cut_short_by_a_crash_is_skipped_and_the_next_change_starts_a_new_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    CorrectionStore(path).append(change())
    with path.open("a") as f:
        f.write('{"seq": 2, "source": "a.jpg", "act')  # the server was killed mid-write
    store = CorrectionStore(path)
    assert len(store.events) == 1 and store.skipped == ["line 2: not JSON (cut short?)"]
    store.append(change(action="absent"))
    reread = CorrectionStore(path)
    assert [e["action"] for e in reread.events] == ["edit", "absent"]
    assert len(reread.skipped) == 1


def test_lines_that_are_not_corrections_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(
        '[1, 2]\n{"seq": 1, "action": "explode", "source": "a"}\n{"seq": 2, "action": "done", "source": "a"}\n'
    )
    store = CorrectionStore(path)
    assert [e["seq"] for e in store.events] == [2] and len(store.skipped) == 2


def test_an_event_without_a_known_action_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a correction"):
        CorrectionStore(tmp_path / "c.jsonl").append(change(action="rm -rf"))
    assert not (tmp_path / "c.jsonl").exists()
