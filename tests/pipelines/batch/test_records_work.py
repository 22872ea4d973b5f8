"""Batch records carry where the time went: the timings split and the model's token counts, summed per page."""

from ocula.pipelines.batch.records import extraction_record
from ocula.schemas import Extraction


def test_record_writes_timings_and_tokens() -> None:
    one = Extraction(value={"a": 1}, timings={"ocr": 1.5, "scoring": 0.25}, tokens={"prefilled": 300, "scored": 12})
    two = Extraction(value={"a": 2}, timings={"ocr": 0.5, "json": 0.1}, tokens={"prefilled": 20, "decoded": 9})
    record = extraction_record("doc", "k", one)
    assert record["timings"] == {"ocr": 1.5, "scoring": 0.25}
    assert record["tokens"] == {"prefilled": 300, "scored": 12}
    per_page = extraction_record("doc", "k", [one, two])
    assert per_page["timings"] == {"ocr": 2.0, "scoring": 0.25, "json": 0.1}
    assert per_page["tokens"] == {"prefilled": 320, "scored": 12, "decoded": 9}
