"""`ocula.load_model`: the model registry behind a per-process cache (the registry replaced by a recorder)."""

from __future__ import annotations

from typing import Any

import pytest

import ocula
from ocula import model_cache
from ocula.adapters.models import registry
from ocula.adapters.models.bundled import DEFAULT_MODEL


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    calls: list[tuple[Any, dict[str, Any]]] = []

    def load(spec: Any = None, **options: Any) -> object:
        calls.append((spec, options))
        return object()

    monkeypatch.setattr(registry, "load", load)
    monkeypatch.setattr(model_cache, "_CACHE", {})
    return calls


def test_a_name_is_loaded_once_per_options(loads: list[tuple[Any, dict[str, Any]]]) -> None:
    first = ocula.load_model("some/model", dtype="float32")
    assert ocula.load_model("some/model", dtype="float32") is first
    assert ocula.load_model("some/model") is not first
    assert ocula.load_model("some/model", dtype="float32", cache=False) is not first
    assert loads == [
        ("some/model", {"backend": None, "adapter": None, "dtype": "float32"}),
        ("some/model", {"backend": None, "adapter": None}),
        ("some/model", {"backend": None, "adapter": None, "dtype": "float32"}),
    ]


def test_no_name_is_the_default_model(loads: list[tuple[Any, dict[str, Any]]]) -> None:
    assert ocula.load_model() is ocula.load_model(DEFAULT_MODEL)
    assert loads == [(DEFAULT_MODEL, {"backend": None, "adapter": None})]


def test_an_instance_is_never_cached(loads: list[tuple[Any, dict[str, Any]]]) -> None:
    chat = object()
    ocula.load_model(chat)
    ocula.load_model(chat)
    assert [spec for spec, _ in loads] == [chat, chat]
