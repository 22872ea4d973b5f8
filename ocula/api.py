"""The public functions: `extract`, `ocr`, `plot`, `load_model`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from ocula.adapters.io.document import Document
from ocula.adapters.io.loading import load_document
from ocula.adapters.models.base import ModelAdapter
from ocula.pipelines.extract import AttemptHook, ExtractOptions, OcrLlmExtractor
from ocula.schemas import Detections, Extraction, ModelError, OCRPage
from ocula.schemas.ready import Receipt

from .models import load_model
from .schema_loader import resolve_schema

Source = str | os.PathLike[str] | bytes | np.ndarray | Any

__all__ = ["extract", "load_model", "ocr", "plot"]


def _document(source: Source | Document, dpi: int, pages: Any) -> Document:
    return source if isinstance(source, Document) else load_document(source, dpi=dpi, pages=pages)


def ocr_engine(name: str = "rapidocr", **options: Any) -> Any:
    """An OCR engine; `get_engine` returns one instance per name and options, so weights load once."""
    from ocula.adapters.ocr import get_engine

    return get_engine(name, **options)


def extract(
    source: Source | Document,
    schema: type[BaseModel] | str = Receipt,
    model: ModelAdapter | str | None = None,
    engine: Literal["ocr+llm", "vlm"] | None = None,
    *,
    ocr: str = "rapidocr",
    per_page: bool = False,
    max_attempts: int = 3,
    on_error: Literal["raise", "partial"] = "raise",
    grounded: bool = True,
    boxes: bool = False,
    instructions: str | None = None,
    hooks: list[AttemptHook] | None = None,
    dpi: int = 150,
    pages: str | list[int] | None = None,
    **options: Any,
) -> Extraction[Any] | list[Extraction[Any]]:
    """Extract `schema` from a document or photo; one `Extraction` (or one per page with `per_page=True`).

    The default engine, `ocr+llm`, OCRs each page and lets a small local language model choose each field's
    value among the page's text under a grammar, so every string value is text printed on the page and has
    a box. `engine="vlm"` reads the page image with a vision-language model instead.
    """
    schema_cls = resolve_schema(schema)
    adapter = model if isinstance(model, ModelAdapter) else load_model(model)
    engine = engine or ("vlm" if adapter.capabilities.images else "ocr+llm")
    opts = ExtractOptions(
        max_attempts=max_attempts,
        on_error=on_error,
        grounded=grounded,
        instructions=instructions,
        hooks=list(hooks or []),
        **options,
    )
    document = _document(source, dpi, pages)
    if engine == "vlm":
        if not adapter.capabilities.images:
            raise ModelError(f"{adapter.name} cannot read images: use engine='ocr+llm' or a vision-language model")
        from ocula.pipelines.extract_vlm import VlmExtractor

        extractor: Any = VlmExtractor(adapter, opts, ocr=ocr_engine(ocr) if grounded else None, boxes=boxes)
    elif engine == "ocr+llm":
        extractor = OcrLlmExtractor(adapter, ocr_engine(ocr), opts)
    else:
        raise ValueError(f"unknown engine {engine!r}: use 'ocr+llm' or 'vlm'")
    if not per_page:
        return extractor.run(document, schema_cls)
    return [extractor.run(_single_page(document, p), schema_cls) for p in document.page_indices]


def _single_page(document: Document, index: int) -> Document:
    return Document(document.source, [index], document.loader, document.kind, document.dpi, document.metadata)


def ocr(
    source: Source | Document,
    engine: str = "rapidocr",
    model: ModelAdapter | str | None = None,
    *,
    dpi: int = 150,
    pages: str | list[int] | None = None,
) -> list[OCRPage]:
    """Text of every page with line and word boxes in original-page pixels, in reading order."""
    from ocula.pipelines.ocr import run_ocr

    document = _document(source, dpi, pages)
    if engine == "vlm":
        raise ModelError("the vlm OCR engine needs a vision-language model; pass engine='rapidocr' or 'tesseract'")
    return run_ocr(document, ocr_engine(engine))


def plot(
    result: Extraction[Any] | OCRPage | Detections,
    source: Source | Document,
    *,
    page: int = 0,
    out: str | os.PathLike[str] | None = None,
    **options: Any,
) -> np.ndarray:
    """Draw a result's boxes on its page; writes a PNG when `out` is given and returns the RGB image."""
    from ocula.pipelines.overlay import draw, save_png

    document = _document(source, 150, None)
    image = draw(document.page(page).image, result, page=page, **options)
    if out is not None:
        save_png(image, Path(out))
    return image
