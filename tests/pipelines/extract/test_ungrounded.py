"""No value without evidence: a required field with no candidate on the page is an `UngroundedField`, never a
string the model wrote freely; a page with no text says so. Driven by a model double that would happily write
a made-up value if the grammar let it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import BaseModel, Field

from ocula.pipelines.batch.records import extraction_record
from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor
from ocula.schemas import BBox, Line, OCRPage
from ocula.schemas.errors import NO_TEXT, UngroundedField, ValidationFailed
from tests.fixtures.fakes import FixedAnswer


class Bill(BaseModel):
    shop: str = Field(max_length=60)
    total: Decimal = Field(ge=0, le=100000)
    note: str | None = None


def page(*texts: str) -> list[OCRPage]:
    lines = [Line(text=t, box=BBox(x0=0, y0=20 * i, x1=200, y1=20 * i + 15)) for i, t in enumerate(texts)]
    return [OCRPage(page=0, width=200, height=400, lines=lines)]


def run(model: FixedAnswer, pages: list[OCRPage], on_error: str = "raise"):
    options = ExtractOptions(on_error=on_error, decoding="json")  # type: ignore[arg-type]
    return OcrLlmExtractor(model, None, options).run_on_pages(pages, Bill)


def test_a_required_number_with_no_candidate_raises_ungrounded_field_after_one_attempt() -> None:
    model = FixedAnswer('{"shop": "ACME STORE", "total": null, "note": null}')
    with pytest.raises(UngroundedField) as err:
        run(model, page("ACME STORE", "THANK YOU"))
    assert err.value.fields == ["total"] and not err.value.no_text
    assert isinstance(err.value, ValidationFailed)  # callers catching ValidationFailed still catch it
    assert "no candidate on the page for required field(s) 'total'" in str(err.value)
    assert model.calls == 1  # a null the grammar forces is not retried


def test_partial_marks_the_field_not_found_and_keeps_what_the_page_vouches_for() -> None:
    model = FixedAnswer('{"shop": "ACME STORE", "total": null, "note": null}')
    result = run(model, page("ACME STORE", "THANK YOU"), on_error="partial")
    assert result.value is None
    assert result.errors == ["total: UngroundedField: no candidate on the page"]
    total = result.fields["total"]
    assert (total.mechanism, total.valid, total.value) == ("not_found", False, None)
    assert result.fields["shop"].value == "ACME STORE" and result.fields["shop"].valid
    record = extraction_record("bill.png", "key", result)
    assert record["status"] == "partial"
    assert record["value"] == {"shop": "ACME STORE", "total": None, "note": None}
    assert record["fields"]["total"]["mechanism"] == "not_found"
    assert record["fields"]["total"]["error"] == "UngroundedField: no candidate on the page"


def test_a_page_with_no_text_asks_no_model_and_says_no_text_found() -> None:
    model = FixedAnswer('{"shop": "Axelon", "total": 12.5, "note": "made up"}')
    with pytest.raises(UngroundedField, match="no text found on the page") as err:
        run(model, page())
    assert err.value.no_text and err.value.fields == ["shop", "total"]
    result = run(model, page(), on_error="partial")
    assert model.calls == 0
    assert result.errors[0] == NO_TEXT
    assert {p for p, f in result.fields.items() if f.mechanism == "not_found" and not f.valid} == {"shop", "total"}
    record = extraction_record("blank.png", "key", result)
    assert record["status"] == "partial" and record["value"] == {"shop": None, "total": None}
    assert "Axelon" not in str(record)


def test_an_all_optional_schema_on_a_blank_page_is_flagged_not_ok() -> None:
    class Maybe(BaseModel):
        note: str | None = None

    result = OcrLlmExtractor(FixedAnswer('{"note": "made up"}'), None, ExtractOptions()).run_on_pages(page(), Maybe)
    assert result.value == Maybe() and result.errors == [NO_TEXT] and not result.ok
    assert extraction_record("blank.png", "key", result)["status"] == "partial"


def test_any_other_validation_error_stays_an_error_record() -> None:
    model = FixedAnswer('{"shop": "ACME STORE", "total": 5000000, "note": null}')
    result = run(model, page("ACME STORE", "TOTAL 12.50"), on_error="partial")
    assert result.value is None and not any(f.mechanism == "not_found" and not f.valid for f in result.fields.values())
    assert extraction_record("bill.png", "key", result)["status"] == "error"
