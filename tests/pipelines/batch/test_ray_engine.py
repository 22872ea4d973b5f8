"""The batch on Ray actors (a local Ray instance): same records, skip-done and error semantics as local workers."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from pydantic import BaseModel
from typer.testing import CliRunner

import ocula.cli.extract  # noqa: F401  (registers the command)
from ocula.cli import app
from ocula.pipelines.batch.runner import run_batch
from ocula.pipelines.batch.writers import MissingDependency
from ocula.schemas import Extraction
from ocula.schemas.ready import SroieReceipt
from tests.pipelines.batch import test_runner
from tests.pipelines.batch.test_runner import Doc, fake_extract, lines, make_docs

TESTS = Path(__file__).resolve().parent
SAMPLES = TESTS.parents[2] / "samples"


def crashing_extract(path: Path, schema: type[BaseModel]) -> Extraction:
    """`fake_extract`, except that a file starting with `crash` kills the process it runs in."""
    if path.read_bytes().startswith(b"crash"):
        os.kill(os.getpid(), signal.SIGKILL)
    return fake_extract(path, schema)


@pytest.fixture(scope="module")
def ray_instance() -> Iterator[None]:
    """One local Ray instance for the module; the test modules travel to the actors by value."""
    ray = pytest.importorskip("ray", reason='Ray is an optional extra: pip install "ocula[ray]"')
    from ray import cloudpickle

    for module in (test_runner, sys.modules[__name__]):
        cloudpickle.register_pickle_by_value(module)
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def run(inputs: list, out: Path | None, extract_fn=fake_extract, **options) -> object:
    options.setdefault("progress", False)
    return run_batch([str(p) for p in inputs], Doc, out, extract_fn=extract_fn, executor="ray", **options)


def _comparable(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "timings"} for r in records]


def test_records_match_the_local_workers_and_a_rerun_skips_all(ray_instance: None, tmp_path: Path) -> None:
    make_docs(tmp_path / "in", 5, content="sleep:0.{i}")
    (tmp_path / "in" / "bad.png").write_text("corrupt")
    on_ray, local = tmp_path / "ray.jsonl", tmp_path / "local.jsonl"
    summary = run([tmp_path / "in"], on_ray, workers=2)
    assert (summary.done, summary.failed, summary.skipped) == (5, 1, 0)
    run_batch([str(tmp_path / "in")], Doc, local, extract_fn=fake_extract, workers=2, progress=False)
    assert _comparable(lines(on_ray)) == _comparable(lines(local))
    again = run([tmp_path / "in"], on_ray, workers=2)
    assert (again.done, again.failed, again.skipped, again.previous_errors) == (0, 0, 6, 1)


def test_timeout_and_a_crashed_actor_become_error_records(ray_instance: None, tmp_path: Path) -> None:
    docs = make_docs(tmp_path / "in", 4)
    (tmp_path / "in" / "slow.png").write_text("sleep:60")
    (tmp_path / "in" / "crash.png").write_text("crash")
    out = tmp_path / "out.jsonl"
    summary = run([tmp_path / "in"], out, extract_fn=crashing_extract, workers=2, timeout=8)
    records = {Path(r["source"]).name: r for r in lines(out)}
    assert len(records) == 6
    assert records["slow.png"]["error"] == "timed out after 8 s"
    assert records["crash.png"]["status"] == "error" and "worker crashed" in records["crash.png"]["error"]
    assert all(records[d.name]["status"] == "ok" for d in docs)
    assert (summary.done, summary.failed) == (4, 2)


def test_missing_ray_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    (tmp_path / "a.png").write_text("page")
    with pytest.raises(MissingDependency, match=r'pip install "ocula\[ray\]"'):
        run([tmp_path / "a.png"], tmp_path / "out.jsonl")
    assert not (tmp_path / "out.jsonl").exists()


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, ["extract", *args])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "vlm", "--engine", "ocr+llm"], "give one of ocr+llm, vlm"),
        (["--ray-address", "auto"], "--ray-address needs --engine ray"),
    ],
)
def test_engine_usage_errors(args: list[str], message: str) -> None:
    result = cli(str(SAMPLES / "receipt.jpg"), *args)
    assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.slow
def test_cli_on_ray_with_bundled_samples_and_a_corrupt_file(ray_instance: None, tmp_path: Path) -> None:
    """`ocula extract --engine ray`: the default pipeline (RapidOCR + SmolLM2 on llama.cpp) in each actor."""
    inputs = [tmp_path / "receipt.jpg", tmp_path / "invoice.png"]
    for path in inputs:
        shutil.copy(SAMPLES / path.name, path)
    corrupt = tmp_path / "cut.jpg"
    corrupt.write_bytes((SAMPLES / "receipt.jpg").read_bytes()[:2000])
    out = tmp_path / "out.jsonl"
    args = [*map(str, [*inputs, corrupt]), "--schema", "sroie", "--out", str(out), "--max-attempts", "1"]
    result = cli(*args, "--engine", "ray", "--workers", "2", "--quiet")
    assert result.exit_code == 1, result.stderr
    errors = result.stderr.splitlines()
    assert len(errors) == 1 and errors[0].startswith(f"error: {corrupt}: truncated or corrupt image")
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["source"] for r in records] == [*map(str, inputs), str(corrupt)]
    for good in records[:2]:
        assert good["status"] == "ok" and good["model"] == "smollm2-135m"
        SroieReceipt.model_validate(good["value"])
    assert records[2]["status"] == "error" and records[2]["value"] is None
    # the same command again skips every document, on Ray or locally (the keys do not depend on the engine)
    for engine in (["--engine", "ray"], []):
        again = cli(*args, *engine)
        assert again.exit_code == 1 and "done 0, failed 0, skipped 3" in again.stderr
        assert [json.loads(line) for line in out.read_text().splitlines()] == records
