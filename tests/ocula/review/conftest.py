from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ocula.review import ReviewSession
from tests.fixtures.review import RECEIPT, failed_record, form_record, receipt_record, write_form_schema, write_results


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """A results file: the sample receipt (sroie, from the command line), the two-page form (its record names
    its schema) and a document whose extraction failed."""
    form = form_record()
    form["schema"] = write_form_schema(tmp_path)
    blurry = tmp_path / "blurry.jpg"
    shutil.copy(RECEIPT, blurry)
    return write_results(tmp_path / "results.jsonl", [receipt_record(), form, failed_record(blurry)])


@pytest.fixture
def session(results: Path) -> ReviewSession:
    from tests.fixtures.review import truth_ocr

    return ReviewSession(results, "sroie", reviewer="ana", ocr=truth_ocr)
