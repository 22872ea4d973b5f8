"""`PipelineExtract` with the layout model: decided for the schema as `ocula.extract` decides it, in the result
key, picklable, and its read stage leaving out the lines of excluded regions (in this process, and in workers)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import ocula.adapters.ocr as ocr_registry
import ocula.pipelines.detect.layout as layout_module
from ocula.pipelines.batch.extract import PipelineExtract
from ocula.pipelines.batch.runner import run_batch
from ocula.pipelines.extract.engine import uses_layout
from ocula.schemas.ready import Receipt, SroieReceipt
from tests.fixtures import header_page
from tests.fixtures.fakes import FixedOCR


def test_the_layout_is_decided_for_the_schema_by_the_rule_of_the_api() -> None:
    assert uses_layout(None, (), Receipt) and not uses_layout(None, (), SroieReceipt)
    assert uses_layout(None, ("header",), SroieReceipt) and not uses_layout(False, (), Receipt)
    assert PipelineExtract().for_schema(Receipt).layout is True
    assert PipelineExtract().for_schema(SroieReceipt).layout is False
    assert PipelineExtract(exclude_regions=("Footer",)).for_schema(SroieReceipt).layout is True
    assert PipelineExtract(layout=False).for_schema(Receipt).layout is False
    given = PipelineExtract(layout=True)
    assert given.for_schema(SroieReceipt) is given
    undecided = PipelineExtract()  # called per document: one decided copy per schema, loading its models once
    assert undecided.for_schema(Receipt) is undecided.for_schema(Receipt)
    assert undecided.for_schema(SroieReceipt) is not undecided.for_schema(Receipt)
    assert pickle.loads(pickle.dumps(undecided))._bound == {}


def test_bad_region_names_and_exclusion_without_layout_are_refused() -> None:
    assert PipelineExtract(exclude_regions=("Header", "footer")).exclude_regions == ("header", "footer")
    with pytest.raises(ValueError, match="regions are"):
        PipelineExtract(exclude_regions=("sidebar",))
    with pytest.raises(ValueError, match="needs the layout model"):
        PipelineExtract(layout=False, exclude_regions=("header",))


def test_the_layout_is_in_the_result_key_only_when_it_runs() -> None:
    plain = PipelineExtract().for_schema(SroieReceipt).identity()
    assert plain == PipelineExtract(layout=False).identity()  # the keys of runs before the layout model
    assert "layout" not in plain and "exclude_regions" not in plain
    assert PipelineExtract().for_schema(Receipt).identity()["layout"] is True
    excluding = PipelineExtract(exclude_regions=("header", "footer")).for_schema(SroieReceipt).identity()
    assert excluding["exclude_regions"] == ["header", "footer"]


def test_settings_pickle_and_an_undecided_layout_is_not_run() -> None:
    decided = PipelineExtract(exclude_regions=("header",)).for_schema(SroieReceipt)
    assert pickle.loads(pickle.dumps(decided)) == decided
    with pytest.raises(ValueError, match="for_schema"):
        PipelineExtract(loader=header_page.load_fixed_model).setup()


@pytest.fixture
def header_fakes(monkeypatch: pytest.MonkeyPatch) -> header_page.CountingLayout:
    """The header page's OCR engine and layout model in this process (undone after the test)."""
    layout = header_page.CountingLayout(header_page.REGIONS)
    monkeypatch.setitem(ocr_registry._REGISTRY, header_page.OCR_NAME, lambda **_: FixedOCR(header_page.LINES))
    monkeypatch.setitem(ocr_registry._AVAILABLE, header_page.OCR_NAME, lambda: True)
    monkeypatch.setattr(layout_module, "RapidLayoutEngine", lambda **_: layout)
    monkeypatch.setattr(layout_module, "_ENGINES", {})
    return layout


def _pipeline(**settings: object) -> PipelineExtract:
    return PipelineExtract(
        ocr=header_page.OCR_NAME, orientation=0, decoding="json", loader=header_page.load_answer, **settings
    )


def test_the_read_stage_leaves_out_the_header_line_as_a_candidate(tmp_path: Path, header_fakes) -> None:
    page = tmp_path / "letter.png"
    header_page.write_page(page)
    plain = _pipeline().for_schema(header_page.Letter)
    read = plain.read(page)
    assert [ln.text for ln in read.pages[0][0].lines] == ["ACME Corp", "Invoice 42", "Page 1 of 2"]
    company = plain.decode(read, header_page.Letter).fields["company"]
    assert company.value == "ACME Corp" and company.box == header_page.LINES[0].box.with_page(0)
    assert header_fakes.shapes == []  # a flat schema: no layout model
    excluding = _pipeline(exclude_regions=("header", "footer")).for_schema(header_page.Letter)
    read = excluding.read(page)
    assert [ln.text for ln in read.pages[0][0].lines] == ["Invoice 42"]
    assert [r.label for r in read.pages[0][0].regions] == ["header", "text", "footer"]
    company = excluding.decode(read, header_page.Letter).fields["company"]
    assert company.value == "Invoice 42"  # the header line is no candidate: the only line left is chosen
    assert len(header_fakes.shapes) == 1


def test_workers_run_the_layout_model_decided_for_the_schema(tmp_path: Path, monkeypatch) -> None:
    calls = tmp_path / "layout-calls.txt"
    monkeypatch.setenv(header_page.CALLS_ENV, str(calls))
    pages = [tmp_path / f"letter-{i}.png" for i in range(3)]
    for number, page in enumerate(pages):
        header_page.write_page(page, number)
    pipeline = PipelineExtract(
        ocr=header_page.OCR_NAME, orientation=0, decoding="json", loader=header_page.load_fixed_model
    )
    out = tmp_path / "records.jsonl"
    summary = run_batch([str(p) for p in pages], header_page.Lines, out, extract_fn=pipeline, workers=2, progress=False)
    assert summary.total == 3
    assert len(header_page.layout_calls(calls)) == 3  # a list of objects: the layout model ran on every page
