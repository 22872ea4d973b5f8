"""The extraction engines by name, and the one function that picks an engine for a model and builds its
extractor (used by `ocula.extract` and by the batch)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from ocula.adapters.models.base import ModelAdapter
from ocula.adapters.models.registry import reads_images
from ocula.adapters.ocr.base import OCREngine
from ocula.pipelines.extract.lists import list_fields
from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor
from ocula.pipelines.ocr.regions import check_labels
from ocula.schemas.errors import ModelError

if TYPE_CHECKING:
    from ocula.pipelines.extract.vlm import VlmExtractor


class Engine(StrEnum):
    OCR_LLM = "ocr+llm"  # OCR each page, a language model picks each value among the page's text
    VLM = "vlm"  # a vision-language model reads the page image


EngineName = Literal["ocr+llm", "vlm"]  # the values of `Engine`, for signatures
ENGINES: tuple[str, ...] = tuple(engine.value for engine in Engine)


def choose_engine(engine: str | None, model: ModelAdapter) -> Engine:
    """The engine named, or when None the model's own: `vlm` for a model that reads images, else `ocr+llm`.

    `ValueError` for an unknown name, `ModelError` for `vlm` on a model that cannot read images."""
    if engine is None:
        return Engine.VLM if reads_images(model) else Engine.OCR_LLM
    try:
        chosen = Engine(engine)
    except ValueError:
        raise ValueError(f"unknown engine {engine!r}: use {' or '.join(map(repr, ENGINES))}") from None
    if chosen is Engine.VLM and not reads_images(model):
        raise ModelError(f"{model.name} cannot read images: use engine 'ocr+llm' or a vision-language model")
    return chosen


def check_layout(layout: bool | None, exclude_regions: Sequence[str]) -> tuple[str, ...]:
    """`exclude_regions` as region names; `ValueError` for a name the layout regions do not have, or for regions
    to exclude with `layout=False` (only the layout model finds them)."""
    exclude = check_labels(exclude_regions)
    if exclude and layout is False:
        raise ValueError("exclude_regions needs the layout model: leave layout=None or set it True")
    return exclude


def uses_layout(layout: bool | None, exclude_regions: Sequence[str], schema: type[BaseModel]) -> bool:
    """Whether the OCR runs the layout model with each page (`ocula.pipelines.ocr.regions`): `layout` when given,
    else (None) when the schema has a list of objects (the layout's tables bound its rows) or `exclude_regions`
    names a region. The one rule of `ocula.extract` and the batch (`PipelineExtract.for_schema`)."""
    exclude = check_layout(layout, exclude_regions)
    if layout is not None:
        return layout
    return bool(exclude) or bool(list_fields(schema.model_json_schema()))


def make_extractor(
    engine: str | None,
    model: ModelAdapter,
    options: ExtractOptions,
    ocr: Callable[[], OCREngine],
    *,
    boxes: bool = False,
    orientation: str | int = 0,
) -> tuple[Engine, OcrLlmExtractor | VlmExtractor]:
    """The chosen engine and its extractor. `ocr()` builds the OCR engine, called only when one is needed: always
    for `ocr+llm`, for `vlm` when `options.grounded` (values are matched to OCR boxes). `boxes`: the vlm engine
    asks the model for a box per value as well. `orientation`: how the pages lie, for the vlm engine, which turns
    them upright for the model (the OCR engine `ocr()` builds turns them itself)."""
    chosen = choose_engine(engine, model)
    if chosen is Engine.OCR_LLM:
        return chosen, OcrLlmExtractor(model, ocr(), options)
    from ocula.pipelines.extract.vlm import VlmExtractor

    reader = ocr() if options.grounded else None
    return chosen, VlmExtractor(model, options, ocr=reader, boxes=boxes, orientation=orientation)
