"""The review session: queue order and filters, corrections checked against the schema, undo, resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocula.review import FieldInvalid, NotFound, ReviewError, ReviewSession
from tests.fixtures.review import RECEIPT_TOTAL_BOX, truth_ocr, write_results

RECEIPT, FORM, FAILED = 0, 1, 2


def fields(session: ReviewSession, doc: int) -> dict[str, dict]:
    return {f["path"]: f for f in session.view(doc)["fields"]}


def test_the_queue_puts_the_lowest_confidence_first(session: ReviewSession) -> None:
    queue = session.queue()
    assert [e["id"] for e in queue] == [FAILED, RECEIPT, FORM]  # none, 0.3, 0.5
    assert [e["confidence"] for e in queue] == [None, 0.3, 0.5]
    assert [e["status"] for e in queue] == ["failed", "ok", "ok"]
    assert queue[1] | {"schema": "sroie", "name": "receipt.jpg", "done": False, "changes": 0} == queue[1]
    assert queue[2]["schema"].endswith("form_schema.py:Form")


def test_queue_filters(session: ReviewSession) -> None:
    assert [e["id"] for e in session.queue(status="failed")] == [FAILED]
    assert [e["id"] for e in session.queue(status="ok")] == [RECEIPT, FORM]
    assert [e["id"] for e in session.queue(below=0.4)] == [FAILED, RECEIPT]
    assert [e["id"] for e in session.queue(schema="sroie")] == [RECEIPT, FAILED][::-1]
    session.done(RECEIPT)
    assert [e["id"] for e in session.queue(pending=True)] == [FAILED, FORM]
    assert session.schemas()[-1] == "sroie" and len(session.schemas()) == 2


def test_a_partial_record_is_told_from_a_failed_one(tmp_path: Path) -> None:
    from tests.fixtures.review import receipt_record

    record = receipt_record() | {"status": "error", "error": "total: not valid"}
    session = ReviewSession(write_results(tmp_path / "r.jsonl", [record]), "sroie", ocr=truth_ocr)
    assert [e["status"] for e in session.queue()] == ["partial"]
    assert session.queue(status="partial")[0]["id"] == 0 and session.queue(status="failed") == []


def test_the_view_holds_each_field_with_its_evidence(session: ReviewSession) -> None:
    view = session.view(RECEIPT)
    assert view["pages"] == [{"index": 0, "width": 576.0, "height": 1088.0}]
    total = fields(session, RECEIPT)["total"]
    assert (
        total | {"value": "49.45", "confidence": 0.3, "source": "ocr_lines", "page": 0, "state": "unchecked"} == total
    )
    assert total["box"] == [495.0, 963.0, 553.0, 978.0]
    form = session.view(FORM)
    assert len(form["pages"]) == 2 and form["lists"] == ["household"]
    assert fields(session, FORM)["household.0.name"]["page"] == 1


def test_a_failed_record_shows_the_schema_fields_to_fill_in(session: ReviewSession) -> None:
    view = session.view(FAILED)
    assert [f["path"] for f in view["fields"]] == ["company", "date", "address", "total"]
    assert all(f["value"] is None and f["box"] is None for f in view["fields"])
    assert {"path": "company", "message": "Field required"} in view["errors"]
    session.correct(FAILED, "edit", "company", "KEDAI RUNCIT MAJU JAYA SDN BHD")
    assert session.view(FAILED)["errors"] == []


def test_an_edit_is_checked_against_the_schema_with_pydantics_message(session: ReviewSession) -> None:
    with pytest.raises(FieldInvalid) as err:
        session.check(RECEIPT, "total", "fifty")
    assert err.value.message == "Input should be a valid decimal" and err.value.path == "total"
    with pytest.raises(FieldInvalid, match="greater than or equal to 0"):
        session.correct(RECEIPT, "edit", "total", "-3")
    assert session.check(RECEIPT, "total", "50.55") == "50.55"
    change = session.correct(RECEIPT, "edit", "total", "50.55")
    assert change["old"] == {"value": "49.45", "page": 0, "box": [495.0, 963.0, 553.0, 978.0]}
    assert change["new"]["value"] == "50.55" and change["reviewer"] == "ana" and change["action"] == "edit"
    total = fields(session, RECEIPT)["total"]
    assert total["value"] == "50.55" and total["state"] == "edited" and total["original"]["value"] == "49.45"
    assert session.view(RECEIPT)["value"]["total"] == "50.55"
    with pytest.raises(NotFound):
        session.correct(RECEIPT, "edit", "colour", "red")
    with pytest.raises(ReviewError, match="at most"):
        session.correct(RECEIPT, "edit", "company", "x" * 20_000)


def test_absent_needs_an_optional_field(session: ReviewSession) -> None:
    with pytest.raises(FieldInvalid, match="valid string"):
        session.correct(RECEIPT, "absent", "company")
    session.correct(RECEIPT, "absent", "date")
    date = fields(session, RECEIPT)["date"]
    assert date["value"] is None and date["box"] is None and date["state"] == "absent"


def test_accept_keeps_the_value_and_marks_it_checked(session: ReviewSession) -> None:
    change = session.correct(RECEIPT, "accept", "company")
    assert change["old"] == change["new"]
    assert fields(session, RECEIPT)["company"]["state"] == "accepted"


def test_picking_a_line_takes_its_text_and_box(session: ReviewSession) -> None:
    lines = session.page_text(RECEIPT, 0)
    total_line = next(i for i, line in enumerate(lines) if line["box"] == RECEIPT_TOTAL_BOX)
    session.correct(RECEIPT, "pick", "total", pick={"page": 0, "line": total_line})
    total = fields(session, RECEIPT)["total"]
    assert total["value"] == "50.55" and total["box"] == RECEIPT_TOTAL_BOX and total["state"] == "picked"
    with pytest.raises(FieldInvalid, match="decimal"):  # "TOTAL" is not an amount
        session.correct(RECEIPT, "pick", "total", pick={"page": 0, "line": total_line - 1})
    with pytest.raises(NotFound):
        session.correct(RECEIPT, "pick", "total", pick={"page": 0, "line": 999})
    with pytest.raises(NotFound):
        session.correct(RECEIPT, "pick", "total", pick={"page": 3, "line": 0})


def test_picking_a_word_and_appending_a_line(session: ReviewSession) -> None:
    lines = session.page_text(RECEIPT, 0)
    date_line = next(i for i, line in enumerate(lines) if line["text"] == "DATE: 23/03/2018")
    session.correct(RECEIPT, "pick", "date", pick={"page": 0, "line": date_line, "word": 1})
    date = fields(session, RECEIPT)["date"]
    assert date["value"] == "23/03/2018" and date["box"] == lines[date_line]["words"][1]["box"]
    first, second = (
        next(i for i, x in enumerate(lines) if x["text"] == t) for t in ("TAMAN SRI PERMAI,", "81300 SKUDAI, JOHOR.")
    )
    session.correct(RECEIPT, "pick", "address", pick={"page": 0, "line": first})
    session.correct(RECEIPT, "pick", "address", pick={"page": 0, "line": second, "append": True})
    address = fields(session, RECEIPT)["address"]
    assert address["value"] == "TAMAN SRI PERMAI, 81300 SKUDAI, JOHOR."
    assert address["box"] == [170.0, 159.0, 400.0, 204.0]  # both lines


def test_ocr_boxes_are_scaled_into_the_records_pixels(tmp_path: Path) -> None:
    from tests.fixtures.review import receipt_record

    record = receipt_record()
    record["page_sizes"] = [[1152, 2176]]  # extracted from a rendering twice the size
    session = ReviewSession(write_results(tmp_path / "r.jsonl", [record]), "sroie", ocr=truth_ocr)
    line = session.page_text(0, 0)[0]
    assert line["box"] == [272.0, 78.0, 858.0, 118.0]  # [136, 39, 429, 59] doubled


def test_adding_a_list_item_on_the_second_page(session: ReviewSession) -> None:
    change = session.add_item(FORM, "household")
    assert change["index"] == 1
    view = session.view(FORM)
    added = [f for f in view["fields"] if f["path"].startswith("household.1.")]
    assert [f["path"] for f in added] == [f"household.1.{n}" for n in ("name", "relationship", "date_of_birth")]
    assert all(f["state"] == "added" and f["value"] is None for f in added)
    assert {"path": "household.1.name", "message": "Input should be a valid string"} in view["errors"]
    session.correct(FORM, "edit", "household.1.name", "Ellie Holloway")
    session.correct(FORM, "edit", "household.1.relationship", "Daughter")
    view = session.view(FORM)
    assert view["errors"] == [] and view["value"]["household"][1]["name"] == "Ellie Holloway"
    with pytest.raises(ReviewError, match="not a list"):
        session.add_item(FORM, "name")


def test_undo_takes_back_the_latest_change_one_at_a_time(session: ReviewSession) -> None:
    session.correct(RECEIPT, "edit", "total", "50.55")
    session.correct(RECEIPT, "absent", "date")
    undo = session.undo(RECEIPT)
    assert undo["action"] == "undo" and undo["path"] == "date"
    assert fields(session, RECEIPT)["date"]["value"] == "23/08/2018"
    assert fields(session, RECEIPT)["total"]["value"] == "50.55"
    session.undo(RECEIPT)
    assert fields(session, RECEIPT)["total"]["value"] == "49.45" and not session.view(RECEIPT)["can_undo"]
    with pytest.raises(ReviewError, match="nothing to undo"):
        session.undo(RECEIPT)


def test_reopening_resumes_and_the_results_file_is_never_written(results: Path) -> None:
    before = results.read_bytes()
    first = ReviewSession(results, "sroie", reviewer="ana", ocr=truth_ocr)
    assert first.resume_id() == FAILED
    first.correct(FAILED, "edit", "company", "KEDAI RUNCIT MAJU JAYA SDN BHD")
    first.done(FAILED)
    first.correct(RECEIPT, "edit", "total", "50.55")
    again = ReviewSession(results, "sroie", reviewer="bo", ocr=truth_ocr)
    assert again.resume_id() == RECEIPT
    assert fields(again, RECEIPT)["total"]["value"] == "50.55" and again.view(FAILED)["done"]
    assert results.read_bytes() == before
    log = [json.loads(x) for x in (results.parent / "results.corrections.jsonl").read_text().splitlines()]
    assert [e["action"] for e in log] == ["edit", "done", "edit"] and {e["reviewer"] for e in log} == {"ana"}


def test_corrections_of_a_document_no_longer_in_the_results_are_left_alone(results: Path, tmp_path: Path) -> None:
    from tests.fixtures.review import receipt_record

    ReviewSession(results, "sroie", ocr=truth_ocr).correct(RECEIPT, "edit", "total", "50.55")
    other = write_results(tmp_path / "other.jsonl", [receipt_record("elsewhere.jpg")])
    (tmp_path / "other.corrections.jsonl").write_bytes((tmp_path / "results.corrections.jsonl").read_bytes())
    session = ReviewSession(other, "sroie", ocr=truth_ocr)
    assert fields(session, 0)["total"]["value"] == "49.45" and not session.view(0)["file_found"]


def test_per_page_records_are_reviewed_page_by_page(tmp_path: Path) -> None:
    from tests.fixtures.review import FORM

    record = {
        "source": str(FORM),
        "key": "k",
        "status": "ok",
        "value": [{"company": "A", "total": "1.00"}, {"company": "B", "total": "2.00"}],
        "fields": {
            "p1.company": {"value": "A", "page": 0, "box": [1, 2, 3, 4], "confidence": 0.9, "source": "ocr_lines"},
            "p2.total": {"value": "2.00", "page": 1, "box": [5, 6, 7, 8], "confidence": 0.2, "source": "ocr_lines"},
        },
        "page_sizes": [[1240, 1754], [1240, 1754]],
    }
    session = ReviewSession(write_results(tmp_path / "r.jsonl", [record]), "sroie", ocr=truth_ocr)
    paths = [f["path"] for f in session.view(0)["fields"]]
    assert paths[:2] == ["p1.company", "p2.total"] and "p1.total" in paths and "p2.address" in paths
    session.correct(0, "edit", "p2.total", "2.50")
    assert session.view(0)["value"] == [{"company": "A", "total": "1.00"}, {"company": "B", "total": "2.50"}]
    with pytest.raises(NotFound):
        session.correct(0, "edit", "total", "1")
