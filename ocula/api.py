"""The public functions: `extract`, `ocr`, `detect`, `plot`, `load_model`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from ocula.adapters.io.document import Document
from ocula.adapters.io.loading import load_document
from ocula.adapters.models.base import ModelAdapter
from ocula.adapters.models.registry import image_load_options
from ocula.adapters.ocr import DEFAULT_OCR
from ocula.model_cache import load_model
from ocula.pipelines.extract.engine import Engine, EngineName, check_layout, make_extractor, uses_layout
from ocula.pipelines.extract.ocr_llm import AttemptHook, ExtractOptions, OcrLlmExtractor
from ocula.pipelines.extract.schema_check import check_schema
from ocula.pipelines.ocr.pages import ocr_working_limits
from ocula.pipelines.ocr.regions import with_regions
from ocula.schema_loader import resolve_schema
from ocula.schemas import Detections, Extraction, ModelError, OCRPage
from ocula.schemas.packs.detect import parse_locales
from ocula.schemas.ready import Receipt
from ocula.schemas.regions import refuse_regions_on_text

Source = str | os.PathLike[str] | bytes | np.ndarray | Any

__all__ = ["detect", "extract", "load_model", "ocr", "plot"]


def _document(source: Source | Document, dpi: int, pages: Any, reader: Any = None) -> Document:
    """`source` loaded (a `Document` as it is). Pages the OCR engine `reader` will read are loaded within its
    working limits (`ocr_working_limits`: a larger page is read shrunk, its boxes mapped back to its own pixels)."""
    if isinstance(source, Document):
        return source
    limits = ocr_working_limits(reader) if reader is not None else {}
    return load_document(source, dpi=dpi, pages=pages, **limits)


def ocr_engine(name: str = DEFAULT_OCR, orientation: str | int | None = 0, deskew: bool = False, **options: Any) -> Any:
    """An OCR engine; `get_engine` returns one instance per name and options, so weights load once.

    `orientation` other than 0 (`"auto"` or an angle) reads each page turned upright, boxes mapped back
    (`ocula.pipelines.ocr.orientation`); `deskew` reads a page lying a few degrees askew straightened
    (`ocula.pipelines.ocr.deskew`)."""
    from ocula.adapters.ocr import get_engine
    from ocula.pipelines.ocr.orientation import with_orientation

    return with_orientation(get_engine(name, **options), orientation, deskew)


TRAINED_OPTIONS = ("decoding",)  # how the model was asked in training: extraction asks the same way


def _trained_options(adapter: str | os.PathLike[str]) -> dict[str, Any]:
    """The extraction options an adapter was trained with (recorded by `ocula finetune`)."""
    from ocula.adapters.models.lora.load import read_adapter

    recorded = read_adapter(adapter).meta.get("extract_options", {})
    return {k: v for k, v in recorded.items() if k in TRAINED_OPTIONS}


def extract(
    source: Source | Document,
    schema: type[BaseModel] | str = Receipt,
    model: ModelAdapter | str | None = None,
    engine: EngineName | None = None,
    *,
    ocr: str = DEFAULT_OCR,
    orientation: str | int = "auto",
    deskew: bool = False,
    per_page: bool = False,
    max_attempts: int = 3,
    on_error: Literal["raise", "partial"] = "raise",
    grounded: bool = True,
    boxes: bool = False,
    instructions: str | None = None,
    hooks: list[AttemptHook] | None = None,
    dpi: int = 150,
    pages: str | list[int] | None = None,
    adapter: str | os.PathLike[str] | None = None,
    locale: str | list[str] | None = None,
    layout: bool | None = None,
    exclude_regions: Sequence[str] = (),
    **options: Any,
) -> Extraction[Any] | list[Extraction[Any]]:
    """Extract `schema` from a document or photo; one `Extraction` (or one per page with `per_page=True`).

    The default engine, `ocr+llm`, OCRs each page and lets a small local language model choose each field's
    value among the page's text under a grammar, so every string value is text printed on the page and has
    a box. `engine="vlm"` reads the page image with a vision-language model instead. `adapter` is a folder
    written by `ocula finetune`: the model (by default the adapter's base model) runs with that LoRA applied,
    and with the decoding it was trained for unless `options` name another. `orientation` (`"auto"`, 0, 90,
    180, 270) is how the pages lie; the OCR reads each page upright (see `ocr`), and so does the model of the
    `vlm` engine, its boxes mapped back to the page's pixels; `deskew` has the OCR read a page lying a few degrees
    askew straightened (see `ocr`). `locale` (`"de"`, or several:
    `["de", "en"]`, or `"de,en"`) names the locale packs of the page's language and country
    (`ocula.schemas.packs`), applied after the base pack; an unknown name is a ValueError naming those there are.
    Without it the locale is detected from each page's text (the packs whose label words, dated month names,
    currency markers and decimal mark it prints; English as a fallback; `ocula.schemas.packs.detect`), and the
    `Extraction` records it (`locale`, `locales`). `packs=[...]` names any packs (names, .toml files, `Pack`s).
    `layout` runs the bundled layout model with the OCR (`ocula.pipelines.ocr.regions`): its tables bound the
    rows of lists of objects, the lines are read in the order of its regions (columns, captions), and the lines
    in regions named by `exclude_regions` (e.g. `("header", "footer")`) are left out of the extraction. None
    (default): when the schema has a list of objects or `exclude_regions` names a region.
    """
    exclude = check_layout(layout, exclude_regions)
    if locale is not None:
        if "packs" in options:
            raise ValueError("give locale= or packs=, not both")
        options["packs"] = parse_locales(locale)
    schema_cls = resolve_schema(schema)
    check_schema(schema_cls, grounded_text=False)  # a SchemaError before the model loads or the source is read
    # engine="vlm" is the user saying that the model reads images (a served model cannot tell)
    load_options = image_load_options(model) if engine == Engine.VLM else {}
    if adapter is not None:
        if isinstance(model, ModelAdapter):
            raise ModelError("adapter= applies to a model given by name; pass load_model(name, adapter=...) instead")
        load_options["adapter"] = adapter
        options = {**_trained_options(adapter), **options}
    llm = model if isinstance(model, ModelAdapter) else load_model(model, **load_options)
    opts = ExtractOptions(
        max_attempts=max_attempts,
        on_error=on_error,
        grounded=grounded,
        instructions=instructions,
        hooks=list(hooks or []),
        **options,
    )
    if uses_layout(layout, exclude, schema_cls):
        reader = partial(_layout_reader, ocr, orientation, exclude, deskew)
    else:
        reader = partial(ocr_engine, ocr, orientation, deskew)
    chosen, extractor = make_extractor(engine, llm, opts, reader, boxes=boxes, orientation=orientation)
    if chosen is Engine.OCR_LLM:
        refuse_regions_on_text(schema_cls.model_json_schema(), llm.name)  # boxes are not page text
        check_schema(schema_cls, grounded_text=grounded)
    document = _document(source, dpi, pages, extractor.ocr if isinstance(extractor, OcrLlmExtractor) else None)
    if not per_page:
        return extractor.run(document, schema_cls)
    return [extractor.run(_single_page(document, p), schema_cls) for p in document.page_indices]


def _layout_reader(name: str, orientation: str | int, exclude: Sequence[str], deskew: bool = False) -> Any:
    """The OCR engine with the layout model run on each page (`ocula.pipelines.ocr.regions`)."""
    return with_regions(ocr_engine(name, orientation, deskew), exclude)


def _single_page(document: Document, index: int) -> Document:
    return Document(document.source, [index], document.loader, document.kind, document.dpi, document.metadata)


def _vision_model(model: ModelAdapter | str) -> ModelAdapter:
    """A model for a job that needs images; a served model (`openai:...`) is taken to read them."""
    if isinstance(model, ModelAdapter):
        return model
    return load_model(model, **image_load_options(model))


def ocr(
    source: Source | Document,
    engine: str = DEFAULT_OCR,
    model: ModelAdapter | str | None = None,
    *,
    orientation: str | int = "auto",
    deskew: bool = False,
    dpi: int = 150,
    pages: str | list[int] | None = None,
    **engine_options: Any,
) -> list[OCRPage]:
    """Text of every page with line and word boxes in original-page pixels, in reading order.

    `engine="vlm"` has the vision-language `model` transcribe each page under a grammar of lines with boxes
    (`engine_options`: `max_lines`, `max_line_chars`, `rotate`; see `ocula.pipelines.ocr.vlm`); its word
    boxes are the line box split in proportion to character counts. Other engines take their own options.
    `orientation` is how the pages lie: `"auto"` (default) classifies each page with the bundled orientation
    model (checked by the OCR's confidence when unsure), or 0, 90, 180, 270 degrees turned clockwise; each page
    is read turned upright, boxes come back in its own pixels and `OCRPage.orientation` says how it lay.
    `deskew` estimates how many degrees each upright page lies askew (up to 10) and reads one at 0.5 degrees or
    more straightened, boxes back in its own pixels (the box around each turned box); `OCRPage.skew` says by how
    much; the estimate and the turn cost about 1 % of the OCR's CPU time (benchmarks/README.md). Off by default.
    """
    from ocula.pipelines.ocr.pages import run_ocr

    if engine == "vlm":
        if model is None:
            raise ModelError("the vlm OCR engine needs a vision-language model: pass model=<folder or hub id>")
        from ocula.pipelines.ocr.orientation import with_orientation
        from ocula.pipelines.ocr.vlm import VlmOCREngine

        reader: Any = with_orientation(VlmOCREngine(_vision_model(model), **engine_options), orientation, deskew)
        return run_ocr(_document(source, dpi, pages, reader), reader)
    reader = ocr_engine(engine, orientation, deskew, **engine_options)
    return run_ocr(_document(source, dpi, pages, reader), reader)


def detect(
    source: Source | Document,
    labels: str | list[str] | None = None,
    model: ModelAdapter | str | None = None,
    *,
    dpi: int = 150,
    pages: str | list[int] | None = None,
    native: bool = False,
    max_objects: int | None = None,
    rotate: int = 0,
    progress: bool = False,
    **options: Any,
) -> Detections | list[Detections]:
    """Labels and boxes of objects (photos) or regions (documents), by a vision-language model or, with no
    `model`, the bundled document layout model (offline: table, figure, title, text, header, footer, caption,
    equation; `ocula.pipelines.detect.layout`).

    `labels` restricts the labels to a list (a string is comma-separated); `None` lets the model name what
    it finds. Boxes are pixels of the original page, clipped to it. An image gives one `Detections`; a PDF
    or TIFF gives a list, one per selected page (even when one page is selected). `native=True` uses the
    family's own grounding prompt and format where it has one (Qwen2-VL/2.5-VL/3-VL, PaliGemma, Florence-2,
    Kosmos-2, InternVL). `max_objects` caps the objects of a page (default 20 for a VLM, every region for the
    layout model). `rotate` turns each page counter-clockwise (degrees, a multiple of 90) before the
    model sees it; boxes still come back in the unturned page's pixels. Raises `ValueError` on an empty
    label list and `ModelError` for a model that cannot read images.
    """
    from ocula.pipelines.detect.vlm import DEFAULT_MAX_OBJECTS, DetectOptions, Detector, normalise_labels

    wanted = normalise_labels(labels)
    detector: Any
    if model is None:
        if native:
            raise ModelError("native=True needs a vision-language model (the layout model has no native format)")
        from ocula.pipelines.detect.layout import LayoutDetector

        detector = LayoutDetector(labels=wanted, max_objects=max_objects, rotate=rotate, **options)
    else:
        cap = max_objects or DEFAULT_MAX_OBJECTS
        opts = DetectOptions(labels=wanted, max_objects=cap, native=native, rotate=rotate, **options)
        detector = Detector(_vision_model(model), opts)
    document = _document(source, dpi, pages)
    results = detector.run(document, progress=progress)
    return results[0] if document.kind == "image" else results


def plot(
    result: Extraction[Any] | OCRPage | Detections,
    source: Source | Document,
    *,
    page: int = 0,
    out: str | os.PathLike[str] | None = None,
    **options: Any,
) -> np.ndarray:
    """Draw a result's boxes on its page; writes a PNG when `out` is given and returns the RGB image."""
    from ocula.pipelines.overlay.draw import draw, save_png

    document = _document(source, 150, None)
    image = draw(document.page(page).image, result, page=page, **options)
    if out is not None:
        save_png(image, Path(out))
    return image
