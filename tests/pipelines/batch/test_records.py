"""Batch records: a value with a flagged part is partial, not ok and not an error."""

from ocula.pipelines.batch.records import extraction_record
from ocula.schemas import Extraction


def test_status_ok_partial_error() -> None:
    ok = Extraction(value={"total": 1}, page_sizes=[(10, 10)])
    flagged = Extraction(value={"total": 1}, errors=["items: the line totals add up to 2, not 1"])
    failed = Extraction(value=None, errors=["still invalid"])
    assert extraction_record("a", "k", ok)["status"] == "ok"
    partial = extraction_record("a", "k", flagged)
    assert partial["status"] == "partial" and "add up to 2" in partial["error"]
    assert extraction_record("a", "k", failed)["status"] == "error"
