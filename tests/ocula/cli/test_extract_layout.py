"""`ocula extract --layout/--no-layout --exclude-regions`: checked before any document is read, decided for the
schema as `ocula.extract` decides it, and the header line left out as a candidate in worker processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

import ocula.adapters.ocr as ocr_registry
import ocula.cli.extract  # (registers the command)
from ocula.cli import app
from tests.fixtures import header_page

LETTER = "tests.fixtures.header_page:Letter"  # flat: the company is printed in the header only
LINES = "tests.fixtures.header_page:Lines"  # a list of objects


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["extract", *args])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--exclude-regions", "header,sidebar"], "error: --exclude-regions: regions are table, figure, title"),
        (["--exclude-regions", "header", "--no-layout"], "error: --exclude-regions needs the layout model"),
    ],
)
def test_bad_regions_exit_2_with_one_line_before_any_document_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("a document was read")

    monkeypatch.setattr("ocula.pipelines.batch.extract.PipelineExtract.setup", refuse)
    monkeypatch.setattr("ocula.pipelines.batch.extract.PipelineExtract.read", refuse)
    result = run(str(tmp_path / "never-read.png"), "--out", str(tmp_path / "o.jsonl"), *args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(message), result.stderr
    assert not (tmp_path / "o.jsonl").exists()


@pytest.fixture
def header_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Path], Path]:
    """Two header pages, the fakes the workers install (through the model loader), and the file where the
    workers' layout model counts its calls."""
    pages = [tmp_path / f"letter-{n}.png" for n in range(2)]
    for number, page in enumerate(pages):
        header_page.write_page(page, number)
    monkeypatch.setitem(ocr_registry._REGISTRY, header_page.OCR_NAME, lambda **_: None)  # a known --ocr name here
    monkeypatch.setitem(ocr_registry._AVAILABLE, header_page.OCR_NAME, lambda: True)
    monkeypatch.setattr(ocula.cli.extract, "load_model", header_page.load_fixed_model)
    calls = tmp_path / "layout-calls.txt"
    monkeypatch.setenv(header_page.CALLS_ENV, str(calls))
    return pages, calls


def _extract(pages: list[Path], out: Path, *args: str) -> list[dict]:
    options = ["--ocr", header_page.OCR_NAME, "--orientation", "0", "--decoding", "json", "--workers", "2", "-q"]
    result = run(*map(str, pages), "--out", str(out), *options, *args)
    assert result.exit_code in (0, 1), result.stderr
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_excluded_header_is_no_candidate_in_the_workers(tmp_path: Path, header_pages) -> None:
    pages, calls = header_pages
    plain = _extract(pages, tmp_path / "plain.jsonl", "--schema", LETTER)
    assert [r["fields"]["company"]["value"] for r in plain] == ["ACME Corp", "ACME Corp"]
    assert plain[0]["fields"]["company"]["box"] == [10.0, 5.0, 100.0, 20.0]
    assert header_page.layout_calls(calls) == []  # a flat schema: no layout model by default
    excluded = _extract(pages, tmp_path / "excluded.jsonl", "--schema", LETTER, "--exclude-regions", "header,footer")
    assert [r["status"] for r in excluded] == ["ok", "ok"]
    company = [r["fields"]["company"] for r in excluded]
    assert [c["value"] for c in company] == ["Invoice 42", "Invoice 42"]  # the only line left
    assert company[0]["box"] == [10.0, 40.0, 120.0, 60.0]
    assert len(header_page.layout_calls(calls)) == 2
    assert {r["key"] for r in excluded}.isdisjoint(r["key"] for r in plain)  # another result, another key


def test_a_list_schema_runs_the_layout_model_unless_no_layout(tmp_path: Path, header_pages) -> None:
    pages, calls = header_pages
    _extract(pages, tmp_path / "off.jsonl", "--schema", LINES, "--no-layout")
    assert header_page.layout_calls(calls) == []
    _extract(pages, tmp_path / "auto.jsonl", "--schema", LINES)
    assert len(header_page.layout_calls(calls)) == 2  # one call per page
