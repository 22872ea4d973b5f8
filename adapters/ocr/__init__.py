"""OCR engines: each reads one page into an `OCRPage`. Engines are looked up by name in a small registry."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

from ocula.adapters.ocr.base import OCREngine, as_rgb, proportional_words, reading_side
from ocula.adapters.ocr.combined import CombinedEngine
from ocula.adapters.ocr.rapid import RapidOCREngine
from ocula.adapters.ocr.tesseract import TesseractEngine
from ocula.schemas import ModelError

EngineFactory = Callable[..., OCREngine]
DEFAULT_OCR = "rapidocr"  # the engine every entry point reads pages with when none is named

_REGISTRY: dict[str, EngineFactory] = {}
_AVAILABLE: dict[str, Callable[[], bool]] = {}
_CACHE: dict[tuple[str, tuple[tuple[str, Any], ...]], OCREngine] = {}


def register_engine(name: str, factory: EngineFactory, available: Callable[[], bool] = lambda: True) -> None:
    """Add an engine under `name`; `available()` says whether it can run on this machine."""
    _REGISTRY[name.lower()] = factory
    _AVAILABLE[name.lower()] = available


def engine_names() -> list[str]:
    """Every registered engine name, whether or not it can run here."""
    return list(_REGISTRY)


def available_engines() -> list[str]:
    """The registered engines whose libraries or binaries are present on this machine."""
    return [name for name in _REGISTRY if _AVAILABLE[name]()]


def get_engine(name: str, **options: Any) -> OCREngine:
    """The engine `name` built with `options`.

    The same name and options give the same instance, so an engine's weights load once per process
    however many documents are read (engines keep no per-page state).
    """
    key = name.lower()
    factory = _factory(key, name)
    try:
        cache_key: tuple[str, tuple[tuple[str, Any], ...]] | None = (key, tuple(sorted(options.items())))
        hash(cache_key)
    except TypeError:  # unhashable option values (lists, dicts): build a fresh engine
        cache_key = None
    if cache_key is not None and cache_key in _CACHE:
        return _CACHE[cache_key]
    engine = factory(**options)
    if cache_key is not None:
        _CACHE[cache_key] = engine
    return engine


def check_engine_name(name: str) -> None:
    """`ModelError` unless `name` is a registered engine or two joined by '+' (nothing is built or loaded)."""
    _factory(name.lower(), name)


def _factory(key: str, name: str) -> EngineFactory:
    """The registered factory of `key`, or for `"first+second"` one building a `CombinedEngine` (the first
    engine's lines with the second's readings as alternatives; options go to the first engine)."""
    if key in _REGISTRY:
        return _REGISTRY[key]
    if "+" not in key:
        raise ModelError(f"unknown OCR engine {name!r}; choose from {', '.join(_REGISTRY)}")
    first, _, second = key.partition("+")
    if not first or not second or "+" in second:
        raise ModelError(f"a combined OCR engine is two names joined by '+', e.g. 'rapidocr+tesseract', got {key!r}")
    for part in (first, second):
        _factory(part, part)  # each part a registered engine
    return lambda **options: CombinedEngine(get_engine(first, **options), get_engine(second))


def is_available(name: str) -> bool:
    """Whether engine `name` (or every part of a combined `"first+second"`) can run on this machine."""
    parts = name.lower().split("+")
    return all(part in _AVAILABLE and _AVAILABLE[part]() for part in parts)


def _has_rapidocr() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("rapidocr", "onnxruntime"))


register_engine("rapidocr", RapidOCREngine, _has_rapidocr)
register_engine("tesseract", TesseractEngine, lambda: TesseractEngine.find_binary() is not None)

__all__ = [
    "DEFAULT_OCR",
    "CombinedEngine",
    "OCREngine",
    "RapidOCREngine",
    "TesseractEngine",
    "as_rgb",
    "available_engines",
    "check_engine_name",
    "engine_names",
    "get_engine",
    "is_available",
    "proportional_words",
    "reading_side",
    "register_engine",
]
