"""The OCR pipeline: each page of a document through an OCR engine, lines put in reading order.

A page with no ink (`blank.is_blank`, milliseconds) is not read: its result has no lines and says `blank`. A
page shrunk to the working resolution as it was loaded is read shrunk, and its boxes come back through
`Page.transform` in the original page's pixels.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np

from ocula.adapters.io.document import Document, Page
from ocula.adapters.io.working import DEFAULT_WORKING_PIXELS
from ocula.adapters.ocr import OCREngine, get_engine, reading_side
from ocula.pipelines.ocr.blank import is_blank
from ocula.pipelines.ocr.orientation import reading_order, to_original
from ocula.schemas import Line, OCRPage

PageCallback = Callable[[Page, OCRPage], None]


def ocr_working_limits(engine: OCREngine) -> dict[str, int | None]:
    """`load_document`'s working limits for pages `engine` will read: the working resolution, and the longest side
    the engine reads at when it shrinks pages itself (`reading_side`), so no page is loaded larger than it is read."""
    return {"working_pixels": DEFAULT_WORKING_PIXELS, "working_side": reading_side(engine)}


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
    ordered = reading_order(result.lines, result.orientation, (result.width, result.height), result.skew)
    lines = [_on_page(line, page) for line in ordered]
    return result.model_copy(
        update={
            "page": page,
            "lines": lines,
            "engine": result.engine or reader.name,
            "seconds": time.perf_counter() - start,
        }
    )


def blank_page(page: Page, engine: str, seconds: float) -> OCRPage:
    """The result of a page with no ink: no lines, `blank`, in the original page's size."""
    return OCRPage(page=page.index, width=page.width, height=page.height, engine=engine, seconds=seconds, blank=True)


def in_page_pixels(result: OCRPage, page: Page) -> OCRPage:
    """A result read on `page.image` with its boxes in the original page's pixels (unchanged when the page
    was not shrunk)."""
    transform = page.transform
    if transform is None:
        return result
    mapped = to_original(result, transform, result.orientation)
    regions = getattr(result, "regions", None)  # layout regions found with the OCR, when an engine adds them
    if regions:
        moved = [
            r.model_copy(
                update={
                    "box": transform.to_page(r.box),
                    "polygon": transform.points_to_page(r.polygon) if r.polygon else r.polygon,
                }
            )
            for r in regions
        ]
        mapped = mapped.model_copy(update={"regions": moved})
    return mapped


def read_page(engine: OCREngine, page: Page) -> OCRPage:
    """One page of a document through `engine` (lines in the engine's own order), in the original page's
    pixels; a blank page is not read."""
    start = time.perf_counter()
    if is_blank(page.image):
        return blank_page(page, engine.name, time.perf_counter() - start)
    return in_page_pixels(engine.read(page.image, page.index), page)


def ocr_page(page: Page, engine: OCREngine | str = "rapidocr") -> OCRPage:
    """`ocr_image` on a page of a document, in the original page's pixels; a blank page is not read."""
    reader = resolve_engine(engine)
    start = time.perf_counter()
    if is_blank(page.image):
        return blank_page(page, reader.name, time.perf_counter() - start)
    result = in_page_pixels(ocr_image(page.image, reader, page=page.index), page)
    return result.model_copy(update={"seconds": time.perf_counter() - start})


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
        result = ocr_page(page, reader)
        if on_page is not None:
            on_page(page, result)
        results.append(result)
        if progress:
            print(
                f"ocr {document.source}: page {n}/{total}, {len(result.lines)} lines, {result.seconds:.2f} s",
                file=sys.stderr,
            )
    return results
