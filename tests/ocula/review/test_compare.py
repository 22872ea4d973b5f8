"""Another run over the reviewed documents, scored field by field against the corrected values."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import ocula.cli.review  # noqa: F401  (registers the commands)
from ocula.cli import app
from ocula.review import ReviewSession
from ocula.review.compare import compare, same, table
from tests.fixtures.review import receipt_record, write_results

RECEIPT, FORM = 0, 1


def reviewed(session: ReviewSession) -> None:
    session.correct(RECEIPT, "edit", "total", "50.55")
    session.correct(RECEIPT, "edit", "date", "23/03/2018")
    session.done(FORM)  # the form, as extracted, is right


def test_values_are_the_same_number_or_the_same_text() -> None:
    assert same("50.55", 50.55) and same("50.5", "50.50") and same(" NO 17,\nJALAN ", "NO 17, JALAN")
    assert not same("50.55", "49.45") and not same(None, "x") and same(None, None) and not same("a", "A")


def test_the_extraction_itself_scores_below_a_corrected_run(
    session: ReviewSession, results: Path, tmp_path: Path
) -> None:
    reviewed(session)
    zero_shot = compare(session, results)
    assert zero_shot.documents == 2 and zero_shot.missing == 0
    assert (zero_shot.fields["total"].right, zero_shot.fields["total"].total) == (0, 1)
    assert zero_shot.fields["company"].accuracy == 1.0 and zero_shot.fields["household.name"].total == 1
    better = receipt_record() | {"value": receipt_record()["value"] | {"total": "50.55", "date": "23/03/2018"}}
    adapted = compare(session, write_results(tmp_path / "adapted.jsonl", [better]))
    assert adapted.missing == 1 and adapted.fields["total"].accuracy == 1.0 and adapted.fields["date"].accuracy == 1.0
    assert adapted.fields["name"].accuracy == 0.0  # the form is missing from that run
    held_out = compare(session, results, only=["*/receipt.jpg"])
    assert held_out.documents == 1 and set(held_out.fields) == {"company", "date", "address", "total"}
    text = table([zero_shot, adapted])
    assert text.splitlines()[0].split()[:3] == ["results", "documents", "address"]
    assert "results.jsonl" in text and "1 missing" in text


def test_compare_from_the_command_line(session: ReviewSession, results: Path) -> None:
    reviewed(session)
    out = CliRunner().invoke(app, ["review", str(results), "-s", "sroie", "--compare", str(results)])
    assert out.exit_code == 0, out.stderr
    assert "against the 2 reviewed document(s)" in out.stderr
    _, row = out.stdout.splitlines()
    assert row.startswith("results.jsonl") and row.split()[-1] == f"{8 / 10:.3f}"
    missing = CliRunner().invoke(app, ["review", str(results), "--compare", "nowhere.jsonl"])
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_nothing_reviewed_is_an_error(results: Path) -> None:
    out = CliRunner().invoke(app, ["review", str(results), "-s", "sroie", "--compare", str(results)])
    assert out.exit_code == 1 and "no reviewed document" in out.stderr
    assert json.loads(results.read_text().splitlines()[0])["key"] == "receipt-key"
