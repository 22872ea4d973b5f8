"""`ocula.extract(..., locale=...)` selects the base pack and the named locale packs."""

from __future__ import annotations

from typing import Any

import pytest

import ocula.api as api


class _Stop(Exception):
    pass


def _capture(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def fake_make_extractor(engine: Any, llm: Any, opts: Any, ocr: Any, **_: Any) -> Any:
        seen["packs"] = opts.packs
        raise _Stop

    monkeypatch.setattr(api, "load_model", lambda *a, **k: object())
    monkeypatch.setattr(api, "make_extractor", fake_make_extractor)
    return seen


def test_locale_sets_the_packs(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _capture(monkeypatch)
    with pytest.raises(_Stop):
        api.extract("page.png", locale="de")
    assert seen["packs"] == ["de"]
    with pytest.raises(_Stop):
        api.extract("page.png", locale=["fr", "en"])
    assert seen["packs"] == ["fr", "en"]


def test_no_locale_keeps_the_default_packs(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _capture(monkeypatch)
    with pytest.raises(_Stop):
        api.extract("page.png")
    assert seen["packs"] is None


def test_locale_and_packs_together_is_an_error() -> None:
    with pytest.raises(ValueError, match="locale= or packs="):
        api.extract("page.png", locale="de", packs=["de"])
