"""`ocula review`: usage errors, --export, loopback by default, and `ocula finetune` on the export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

import ocula.cli.finetune
import ocula.cli.review  # noqa: F401  (registers the commands)
from ocula.cli import app
from ocula.errors import OculaError
from ocula.review import ReviewSession
from ocula.review.server import HostRefused, bind, check_host, is_loopback, review_url, serve
from tests.fixtures.review import truth_ocr

RECEIPT = 0


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere.jsonl"], "nowhere.jsonl: no such file"),
        (["{results}", "--all"], "--all and --done-only go with --export"),
        (["{results}", "--schema", "nonsense"], "unknown schema"),
        (["{results}", "--only", "train/*"], "--only goes with --export or --compare"),
    ],
)
def test_usage_errors(results: Path, args: list[str], message: str) -> None:
    result = run("review", *[a.format(results=results) for a in args])
    assert result.exit_code == 2 and message in result.stderr


def test_export_from_the_command_line(results: Path, tmp_path: Path) -> None:
    ReviewSession(results, "sroie", ocr=truth_ocr).correct(RECEIPT, "edit", "total", "50.55")
    out = tmp_path / "labelled.jsonl"
    result = run("review", str(results), "--schema", "sroie", "--export", str(out))
    assert result.exit_code == 0, result.stderr
    assert "1 record(s) written" in result.stderr and "2 left out" in result.stderr
    assert json.loads(out.read_text())["value"]["total"] == "50.55"
    result = run("review", str(results), "--schema", "sroie", "--export", str(out), "--all")
    assert "3 record(s) written" in result.stderr and "1 not valid for the schema yet" in result.stderr


def test_records_that_name_their_schema_need_no_schema_option(results: Path, tmp_path: Path) -> None:
    named = tmp_path / "named.jsonl"
    lines = [json.loads(line) for line in results.read_text().splitlines()]
    named.write_text("".join(json.dumps(r | {"schema": r.get("schema", "sroie")}) + "\n" for r in lines))
    ReviewSession(named, ocr=truth_ocr).correct(RECEIPT, "edit", "total", "50.55")  # default receipt, record wins
    out = tmp_path / "labelled.jsonl"
    result = run("review", str(named), "--export", str(out))
    assert result.exit_code == 0, result.stderr
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["schema"] == "sroie" and record["value"]["total"] == "50.55"
    unnamed = run("review", str(results), "--export", str(out), "--all")  # as the default schema, receipt
    assert unnamed.exit_code == 0, unnamed.stderr
    schemas = {r["key"]: r["schema"] for r in map(json.loads, out.read_text().splitlines())}
    assert schemas["receipt-key"] == "receipt" and schemas["form-key"].endswith("form_schema.py:Form")


def test_only_loopback_addresses_unless_asked_explicitly(session: ReviewSession) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1") and is_loopback("127.1.2.3")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4") and not is_loopback("example.org")
    check_host("127.0.0.1", allow_remote=False)
    check_host("0.0.0.0", allow_remote=True)
    with pytest.raises(HostRefused, match=r"give --host 0\.0\.0\.0 explicitly"):
        check_host("0.0.0.0", allow_remote=False)
    with pytest.raises(HostRefused):  # refused before anything listens
        serve(session, host="0.0.0.0", port=0, open_browser=False)


def test_a_busy_port_is_a_clear_error() -> None:
    taken = bind("127.0.0.1", 0)
    taken.listen()
    try:
        with pytest.raises(OculaError, match=r"cannot listen on 127\.0\.0\.1.*use another --port"):
            bind("127.0.0.1", taken.getsockname()[1]).close()
    finally:
        taken.close()
    assert review_url("127.0.0.1", 8765, "t") == "http://127.0.0.1:8765/?token=t"
