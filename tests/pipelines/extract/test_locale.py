"""The locale an extraction reads a page under: detected from the page's text when not given, given otherwise,
and recorded on the `Extraction` and in its batch record."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel

from ocula.pipelines.batch.records import extraction_record
from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor
from ocula.schemas import BBox, Line, OCRPage
from ocula.schemas.ready import SroieReceipt
from tests.fixtures.fakes import FixedAnswer


class Bill(BaseModel):
    total: Decimal


def page(*texts: str) -> OCRPage:
    lines = [Line(text=t, box=BBox(x0=0, y0=20 * i, x1=200, y1=20 * i + 15)) for i, t in enumerate(texts)]
    return OCRPage(width=220, height=20 * len(texts) + 10, lines=lines)


GERMAN = page("Bäckerei Schmidt", "Datum 28.03.2020", "SUMME EUR 12,50", "Rückgeld 7,50", "Vielen Dank")


def test_the_locale_is_detected_when_not_given() -> None:
    extractor = OcrLlmExtractor(FixedAnswer('{"total":12.5}'), None, ExtractOptions())  # type: ignore[arg-type]
    result = extractor.run_on_pages([GERMAN], Bill)
    assert result.locale == "de" and result.locales == ["de", "en"]
    assert result.fields["total"].source.kind == "ocr_lines"  # "12,50" is an amount under the detected pack
    record = extraction_record("a.jpg", "k", result)
    assert record["locale"] == "de" and record["locales"] == ["de", "en"]
    assert extraction_record("a.jpg", "k", [result, result])["locale"] == ["de", "de"]  # one per page


def test_a_given_locale_is_recorded_with_the_schema_packs() -> None:
    options = ExtractOptions(packs=["fr"])
    extractor = OcrLlmExtractor(FixedAnswer('{"company":"x"}'), None, options)  # type: ignore[arg-type]
    result = extractor.run_on_pages([GERMAN], SroieReceipt)
    assert result.locale == "fr" and result.locales == ["fr", "my"]  # SroieReceipt selects the Malaysian pack


def test_a_malaysian_receipt_reads_as_malaysian_and_english() -> None:
    receipt = page("KEDAI MAJU SDN BHD", "NO 8, JALAN MAWAR", "TOTAL RM 12.50", "CASH 20.00", "CHANGE 7.50")
    extractor = OcrLlmExtractor(FixedAnswer('{"total":12.5}'), None, ExtractOptions())  # type: ignore[arg-type]
    result = extractor.run_on_pages([receipt], Bill)
    assert result.locale == "my" and set(result.locales) == {"my", "en"}
