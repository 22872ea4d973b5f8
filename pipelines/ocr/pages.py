"""The OCR pipeline: each page of a document through an OCR engine, lines put in reading order."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np

from ocula.adapters.io.document import Document, Page
from ocula.adapters.ocr import OCREngine, get_engine
from ocula.pipelines.ocr.orientation import reading_order
from ocula.schemas import Line, OCRPage

PageCallback = Callable[[Page, OCRPage], None]


def resolve_engine(engine: OCREngine | str) -> OCREngine:
    """An engine instance from a name (cached per name, so weights load once) or the instance itself."""
    return get_engine(engine) if isinstance(engine, str) else engine


def _on_page(line: Line, page: int) -> Line:
    return line.model_copy(
        update={
            "box": line.box.with_page(page),
            "words": [w.model_copy(update={"box": w.box.with_page(page)}) for w in line.words],
        }
    )


def ocr_image(image: np.ndarray, engine: OCREngine | str = "rapidocr", *, page: int = 0) -> OCRPage:
    """One RGB image through `engine`: lines in reading order (of the upright page, when the engine turned it:
    `OCRPage.orientation`), `page` on every box, `seconds` recorded."""
    reader = resolve_engine(engine)
    start = time.perf_counter()
    result = reader.read(image, page=page)
    ordered = reading_order(result.lines, result.orientation, (result.width, result.height))
    lines = [_on_page(line, page) for line in ordered]
    return result.model_copy(
        update={
            "page": page,
            "lines": lines,
            "engine": result.engine or reader.name,
            "seconds": time.perf_counter() - start,
        }
    )


def run_ocr(
    document: Document,
    engine: OCREngine | str = "rapidocr",
    *,
    progress: bool = False,
    on_page: PageCallback | None = None,
) -> list[OCRPage]:
    """Every selected page of `document`, one at a time (a page's image is dropped after use).

    `progress` writes one line per page to stderr; `on_page(page, result)` sees each page image with its
    result while the image is still in memory (e.g. to draw an overlay).
    """
    reader = resolve_engine(engine)
    results: list[OCRPage] = []
    total = len(document)
    for n, page in enumerate(document.pages(), start=1):
        result = ocr_image(page.image, reader, page=page.index)
        if on_page is not None:
            on_page(page, result)
        results.append(result)
        if progress:
            print(
                f"ocr {document.source}: page {n}/{total}, {len(result.lines)} lines, {result.seconds:.2f} s",
                file=sys.stderr,
            )
    return results
