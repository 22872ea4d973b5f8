"""A schema is checked once, before any document is read: exit code 2 and one line naming the field, with no
OCR, no model and no record; `--pages` syntax is a usage error (exit 2) in render, ocr and extract alike."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

import ocula.cli.extract
import ocula.cli.ocr
import ocula.cli.render  # noqa: F401  (registers the commands)
from ocula.cli import app

RECEIPT = Path(__file__).resolve().parents[3] / "samples" / "receipt.jpg"

SCHEMAS = """
from typing import Any
from pydantic import BaseModel

class AnyField(BaseModel):
    company: str
    payload: Any

class OpenDict(BaseModel):
    company: str
    meta: dict[str, Any]

class Keys(BaseModel):
    counts: dict[str, int]
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        (inputs / name).write_bytes(RECEIPT.read_bytes())
    (tmp_path / "schemas.py").write_text(textwrap.dedent(SCHEMAS))
    return inputs


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every way to a document's OCR or the model, replaced by a recorder."""
    calls: list[str] = []

    def refuse(what: str):
        def called(*args, **kwargs):
            calls.append(what)
            raise AssertionError(f"{what} called before the schema was checked")

        return called

    monkeypatch.setattr("ocula.pipelines.batch.extract.PipelineExtract.setup", refuse("model/OCR setup"))
    monkeypatch.setattr("ocula.pipelines.batch.extract.PipelineExtract.read", refuse("document read"))
    monkeypatch.setattr("ocula.pipelines.batch.runner.schedule", refuse("batch"))
    monkeypatch.setattr("ocula.adapters.ocr.get_engine", refuse("OCR engine"))
    return calls


@pytest.mark.parametrize(
    ("name", "field", "reason"),
    [
        ("AnyField", "$.payload", "an untyped value (Any) cannot be bounded"),
        ("OpenDict", "$.meta", "an open dict"),
        ("Keys", "counts", "a dict's keys would be written by the model"),
    ],
)
def test_an_unsupported_schema_exits_2_before_any_document(
    folder: Path, no_work: list[str], name: str, field: str, reason: str
) -> None:
    out = folder.parent / "out.jsonl"
    spec = f"{folder.parent / 'schemas.py'}:{name}"
    result = run("extract", str(folder), "--schema", spec, "--out", str(out), "--quiet")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: --schema {spec}: field {field!r}: {reason}")
    assert no_work == [] and not out.exists()


def test_a_schema_file_with_a_syntax_error_exits_2(folder: Path, no_work: list[str]) -> None:
    broken = folder.parent / "broken.py"
    broken.write_text("from pydantic import BaseModel\nclass Bad(BaseModel)\n    x: int\n")
    result = run("extract", str(folder), "--schema", f"{broken}:Bad", "--quiet")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.rstrip().endswith(f"importing {broken} failed: expected ':' (broken.py, line 2)")
    assert no_work == []


@pytest.mark.parametrize("command", ["render", "ocr", "extract"])
@pytest.mark.parametrize("pages", ["0", "3-1", "x"])
def test_bad_pages_exit_2_in_every_command(folder: Path, no_work: list[str], command: str, pages: str) -> None:
    extra = ["--out", str(folder.parent / "rendered")] if command == "render" else []
    result = run(command, str(folder / "a.jpg"), "--pages", pages, *extra)
    assert result.exit_code == 2, result.output
    assert "--pages" in result.stderr
    assert no_work == []
