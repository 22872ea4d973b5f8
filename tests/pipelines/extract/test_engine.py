"""The engine choice: one dispatch for `ocula.extract` and the batch (no model or OCR engine is loaded)."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from ocula.adapters.models.base import Capabilities, Generation, GenerationRequest, ModelAdapter
from ocula.pipelines.extract.engine import ENGINES, Engine, EngineName, choose_engine, make_extractor
from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor
from ocula.pipelines.extract.vlm import VlmExtractor
from ocula.schemas.errors import ModelError


class Model(ModelAdapter):
    name = "m"

    def __init__(self, images: bool) -> None:
        self.capabilities = Capabilities(images=images)

    def generate(self, request: GenerationRequest) -> Generation:
        raise AssertionError("not called")


class CountingOCR:
    """An OCR factory that counts how often an engine was built."""

    def __init__(self) -> None:
        self.built = 0

    def __call__(self) -> Any:
        self.built += 1
        return object()


def test_the_names_are_the_engines() -> None:
    assert ENGINES == ("ocr+llm", "vlm") == get_args(EngineName)
    assert [Engine(name) for name in ENGINES] == [Engine.OCR_LLM, Engine.VLM]


def test_no_engine_named_follows_the_model() -> None:
    assert choose_engine(None, Model(images=False)) is Engine.OCR_LLM
    assert choose_engine(None, Model(images=True)) is Engine.VLM
    assert choose_engine("ocr+llm", Model(images=True)) is Engine.OCR_LLM  # a VLM reads OCR text too


def test_bad_choices() -> None:
    with pytest.raises(ValueError, match="unknown engine 'gpt': use 'ocr\\+llm' or 'vlm'"):
        choose_engine("gpt", Model(images=True))
    with pytest.raises(ModelError, match="m cannot read images"):
        choose_engine("vlm", Model(images=False))


def test_the_ocr_engine_is_built_only_when_needed() -> None:
    ocr = CountingOCR()
    engine, extractor = make_extractor(None, Model(images=False), ExtractOptions(), ocr)
    assert engine is Engine.OCR_LLM and isinstance(extractor, OcrLlmExtractor) and ocr.built == 1
    engine, extractor = make_extractor("vlm", Model(images=True), ExtractOptions(grounded=False), ocr, boxes=True)
    assert engine is Engine.VLM and isinstance(extractor, VlmExtractor) and ocr.built == 1
    assert extractor.ocr is None and extractor.boxes
    _, grounded = make_extractor(None, Model(images=True), ExtractOptions(), ocr)
    assert isinstance(grounded, VlmExtractor) and grounded.ocr is not None and ocr.built == 2
