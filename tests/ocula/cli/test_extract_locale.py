"""`ocula extract --locale`: comma-separated locale packs, checked against those there are, handed to every
document's extraction (and into its result key)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import ocula.cli.extract as cli_extract
from ocula.cli import app

RECEIPT = Path(__file__).resolve().parents[3] / "samples" / "receipt.jpg"


class _Stop(Exception):
    pass


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    captured: dict[str, Any] = {}

    def fake_run_batch(inputs: Any, schema: Any, out: Any, *, extract_fn: Any, **_: Any) -> Any:
        captured["extractor"] = extract_fn
        raise _Stop

    monkeypatch.setattr(cli_extract, "run_batch", fake_run_batch)
    return captured


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["extract", str(RECEIPT), "--schema", "sroie", *args])


def test_the_locales_reach_the_extractor(seen: dict[str, Any]) -> None:
    result = run("--locale", "de, en")
    assert isinstance(result.exception, _Stop), result.stderr
    extractor = seen["extractor"]
    assert extractor.locale == ["de", "en"]
    assert extractor.identity()["locale"] == ["de", "en"]  # a run with other locales is another result


def test_without_locale_it_is_detected(seen: dict[str, Any]) -> None:
    result = run()
    assert isinstance(result.exception, _Stop), result.stderr
    assert seen["extractor"].locale is None and "locale" not in seen["extractor"].identity()


@pytest.mark.parametrize("value", ["xx", "de,klingon", ","])
def test_an_unknown_locale_is_a_usage_error_naming_the_packs(seen: dict[str, Any], value: str) -> None:
    result = run("--locale", value)
    assert result.exit_code == 2 and "extractor" not in seen
    assert result.stderr.startswith("error: --locale") and result.stderr.count("\n") == 1
    assert "de, en, es, fr, id, it, my, nl, pt" in result.stderr
