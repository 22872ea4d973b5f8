"""The batch runner on fake extract functions: resume, crash safety, retry, timeout, workers, tables."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import BaseModel

from ocula.pipelines.batch.records import flatten
from ocula.pipelines.batch.runner import run_batch
from ocula.pipelines.batch.store import repair
from ocula.pipelines.batch.writers import MissingDependency, check_format
from ocula.schemas import BBox, Extraction, FieldResult, InputError, ModelInfo

TESTS = Path(__file__).resolve().parent


class Doc(BaseModel):
    name: str
    size: int
    tags: list[str] = []


def fake_extract(path: Path, schema: type[BaseModel]) -> Extraction:
    """Reads the file: `corrupt` -> InputError; `sleep:S` -> sleeps S s; `flaky:M` -> fails while file M exists."""
    data = path.read_bytes()
    if data.startswith(b"corrupt"):
        raise InputError(str(path), "not an image or PDF")
    if data.startswith(b"sleep:"):
        time.sleep(float(data.split(b":")[1]))
    if data.startswith(b"flaky:") and Path(data[6:].decode().strip()).exists():
        raise RuntimeError("flaky failure")
    value = schema(name=path.name, size=len(data), tags=["a", "b"])
    box = BBox(x0=1, y0=2, x1=30, y1=40)
    return Extraction[schema](  # type: ignore[valid-type]
        value=value,
        fields={"name": FieldResult(path="name", value=path.name, page=0, box=box, confidence=0.5)},
        model=ModelInfo(name="fake", backend="test"),
        page_sizes=[(100, 100)],
    )


def lines(path: Path) -> list[dict]:
    text = path.read_text()
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def make_docs(folder: Path, n: int, prefix: str = "doc", content: str = "page {i}") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"{prefix}{i:02d}.png"
        path.write_text(content.format(i=i))
        paths.append(path)
    return paths


def run(inputs: list, out: Path | None, **options) -> object:
    options.setdefault("progress", False)
    return run_batch([str(p) for p in inputs], Doc, out, extract_fn=fake_extract, **options)


def test_records_failures_isolated_and_one_line_per_input(tmp_path: Path) -> None:
    docs = make_docs(tmp_path / "in", 3)
    (tmp_path / "in" / "bad.png").write_text("corrupt")
    out = tmp_path / "out.jsonl"
    summary = run([tmp_path / "in", tmp_path / "missing.png"], out)
    records = lines(out)
    assert [r["source"] for r in records] == [
        str(tmp_path / "in" / "bad.png"),
        *map(str, docs),
        str(tmp_path / "missing.png"),
    ]
    by_name = {Path(r["source"]).name: r for r in records}
    assert by_name["doc01.png"]["status"] == "ok" and by_name["doc01.png"]["error"] is None
    assert by_name["doc01.png"]["value"] == {"name": "doc01.png", "size": 6, "tags": ["a", "b"]}
    assert by_name["doc01.png"]["fields"]["name"]["box"] == [1.0, 2.0, 30.0, 40.0]
    assert by_name["bad.png"]["status"] == "error" and "not an image or PDF" in by_name["bad.png"]["error"]
    assert by_name["missing.png"]["status"] == "error" and "No such file" in by_name["missing.png"]["error"]
    assert all("\n" not in r["error"] for r in records if r["error"])
    assert len({r["key"] for r in records}) == 5
    assert (summary.done, summary.failed, summary.skipped, summary.ok) == (3, 2, 0, False)


def test_records_name_their_schema_when_given(tmp_path: Path) -> None:
    make_docs(tmp_path / "in", 2)
    (tmp_path / "in" / "bad.png").write_text("corrupt")
    named = tmp_path / "named.jsonl"
    run([tmp_path / "in", tmp_path / "missing.png"], named, schema_name="my_schema.py:Doc")
    assert [r["schema"] for r in lines(named)] == ["my_schema.py:Doc"] * 4  # error records too
    unnamed = tmp_path / "unnamed.jsonl"
    run([tmp_path / "in"], unnamed)
    assert all("schema" not in r for r in lines(unnamed))


def test_rerun_skips_done_and_keeps_errors_without_retry(tmp_path: Path) -> None:
    make_docs(tmp_path / "in", 2)
    (tmp_path / "in" / "bad.png").write_text("corrupt")
    out = tmp_path / "out.jsonl"
    run([tmp_path / "in"], out)
    first = out.read_text()
    again = run([tmp_path / "in"], out)
    assert (again.done, again.failed, again.skipped, again.previous_errors) == (0, 0, 3, 1)
    assert not again.ok
    assert out.read_text() == first


def test_retry_failed_reruns_errors_and_keeps_one_line_each(tmp_path: Path) -> None:
    marker = tmp_path / "fail-now"
    marker.touch()
    make_docs(tmp_path / "in", 2)
    flaky = tmp_path / "in" / "flaky.png"
    flaky.write_text(f"flaky:{marker}")
    out = tmp_path / "out.jsonl"
    assert run([tmp_path / "in"], out).failed == 1
    marker.unlink()
    assert run([tmp_path / "in"], out).previous_errors == 1  # not retried without the flag
    assert {r["source"]: r["status"] for r in lines(out)}[str(flaky)] == "error"
    summary = run([tmp_path / "in"], out, retry_failed=True)
    assert (summary.done, summary.failed, summary.skipped) == (1, 0, 2)
    records = lines(out)
    assert len(records) == 3 and all(r["status"] == "ok" for r in records)
    assert len({r["source"] for r in records}) == 3


def test_resume_after_a_torn_trailing_line(tmp_path: Path) -> None:
    docs = make_docs(tmp_path / "in", 4)
    out = tmp_path / "out.jsonl"
    run(docs[:2], out)
    done = out.read_text()
    out.write_text(done + '{"source": "' + str(docs[2]) + '", "key": "ab')  # killed mid-write
    assert repair(out) > 0 and out.read_text() == done
    out.write_text(done + '{"source": "x", "key"\n')  # terminated but unparsable last line
    summary = run(docs, out)
    assert (summary.done, summary.skipped) == (2, 2)
    records = lines(out)
    assert [r["source"] for r in records] == [str(d) for d in docs]
    assert all(r["status"] == "ok" for r in records)


def test_changed_file_replaces_its_stale_record(tmp_path: Path) -> None:
    docs = make_docs(tmp_path / "in", 2)
    out = tmp_path / "out.jsonl"
    run(docs, out)
    docs[0].write_text("new content")
    summary = run(docs, out)
    assert (summary.done, summary.skipped) == (1, 1)
    records = lines(out)
    assert len(records) == 2 and records[0]["value"]["size"] == len("new content")


def test_records_of_other_inputs_are_kept(tmp_path: Path) -> None:
    a, b = make_docs(tmp_path / "in", 2)
    out = tmp_path / "out.jsonl"
    run([a], out)
    run([b], out)
    assert [r["source"] for r in lines(out)] == [str(a), str(b)]


def test_same_content_is_extracted_once(tmp_path: Path) -> None:
    docs = make_docs(tmp_path / "in", 3, content="same")
    out = tmp_path / "out.jsonl"
    summary = run(docs, out)
    records = lines(out)
    assert [r["source"] for r in records] == [str(d) for d in docs]
    assert len({r["key"] for r in records}) == 1 and summary.done == 3
    # the value comes from the first copy: one extraction for the three identical files
    assert {r["value"]["name"] for r in records} == {"doc00.png"}


def test_timeout_kills_the_document_and_the_batch_goes_on(tmp_path: Path) -> None:
    docs = make_docs(tmp_path / "in", 3)
    slow = tmp_path / "in" / "slow.png"
    slow.write_text("sleep:60")
    out = tmp_path / "out.jsonl"
    summary = run([docs[0], slow, *docs[1:]], out, timeout=1.5)
    records = {Path(r["source"]).name: r for r in lines(out)}
    assert records["slow.png"]["status"] == "error"
    assert records["slow.png"]["error"] == "timed out after 1.5 s"
    assert all(records[d.name]["status"] == "ok" for d in docs)
    assert (summary.done, summary.failed) == (3, 1)


def _comparable(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in ("timings",)} for r in records]


def test_two_workers_give_the_same_records_as_one(tmp_path: Path) -> None:
    docs = make_docs(tmp_path / "in", 6, content="sleep:0.{i}")
    (tmp_path / "in" / "bad.png").write_text("corrupt")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    run([tmp_path / "in"], one, workers=1)
    run([tmp_path / "in"], two, workers=2)
    assert _comparable(lines(one)) == _comparable(lines(two))
    assert len(lines(two)) == len(docs) + 1


def test_without_out_records_go_to_the_stream(tmp_path: Path) -> None:
    import io

    docs = make_docs(tmp_path / "in", 2)
    stream = io.StringIO()
    summary = run(docs, None, stream=stream)
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert sorted(r["source"] for r in records) == sorted(map(str, docs)) and summary.ok


def test_csv_flattens_leaf_fields(tmp_path: Path) -> None:
    import csv

    make_docs(tmp_path / "in", 2)
    (tmp_path / "in" / "bad.png").write_text("corrupt")
    out = tmp_path / "out.jsonl"
    summary = run([tmp_path / "in"], out, fmt="csv")
    assert summary.table_path == tmp_path / "out.csv"
    with summary.table_path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["source", "status", "error", "name", "size", "tags.0", "tags.1"]
    assert rows[0]["status"] == "error" and rows[0]["name"] == ""
    assert rows[1]["name"] == "doc00.png" and rows[1]["size"] == "6" and rows[1]["tags.1"] == "b"


def test_flatten_paths() -> None:
    assert flatten({"a": 1, "b": [{"c": "x"}, {"c": None}], "d": {"e": 2}}) == {
        "a": 1,
        "b.0.c": "x",
        "b.1.c": None,
        "d.e": 2,
    }


def test_parquet_needs_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        with pytest.raises(MissingDependency, match="pyarrow"):
            check_format("parquet")
    else:
        check_format("parquet")
    with pytest.raises(ValueError, match="unknown format"):
        check_format("xlsx")


def test_parquet_table(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is not installed (the optional parquet output)")
    make_docs(tmp_path / "in", 2)
    summary = run([tmp_path / "in"], tmp_path / "out.jsonl", fmt="parquet")
    table = pq.read_table(summary.table_path)
    assert table.column_names[:4] == ["source", "status", "error", "name"] and table.num_rows == 2


RUNNER = """
import sys
sys.path.insert(0, {tests!r})
from test_runner import Doc, fake_extract
from ocula.pipelines.batch.runner import run_batch
run_batch(sys.argv[2:], Doc, sys.argv[1], extract_fn=fake_extract, progress=False, workers=int({workers}))
"""


def _start(out: Path, inputs: list[Path], workers: int) -> subprocess.Popen:
    code = RUNNER.format(tests=str(TESTS), workers=workers)
    return subprocess.Popen([sys.executable, "-c", code, str(out), *map(str, inputs)], start_new_session=True)


def _kill_when(out: Path, proc: subprocess.Popen, at_least: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= at_least:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_sigkill_mid_run_twice_then_resume(tmp_path: Path) -> None:
    docs = make_docs(tmp_path / "in", 10, content="sleep:0.3:{i}")
    (tmp_path / "in" / "bad1.png").write_text("corrupt 1")
    (tmp_path / "in" / "bad2.png").write_text("corrupt 2")
    inputs = sorted((tmp_path / "in").iterdir())
    assert len(inputs) == 12
    out = tmp_path / "out.jsonl"
    _kill_when(out, _start(out, inputs, workers=2), at_least=3)
    after_first = out.read_bytes().count(b"\n")
    _kill_when(out, _start(out, inputs, workers=1), at_least=after_first + 3)
    finished = subprocess.run(
        [sys.executable, "-c", RUNNER.format(tests=str(TESTS), workers=2), str(out), *map(str, inputs)],
        timeout=120,
    )
    assert finished.returncode == 0
    records = lines(out)  # every line valid JSON, the file ends with a newline
    assert sorted(r["source"] for r in records) == sorted(map(str, inputs))
    assert len({r["key"] for r in records}) == 12
    statuses = {Path(r["source"]).name: r["status"] for r in records}
    assert [n for n, s in statuses.items() if s == "error"] == ["bad1.png", "bad2.png"]
    assert len(docs) == sum(s == "ok" for s in statuses.values())
