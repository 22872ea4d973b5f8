"""A detector over a document: every selected page in turn, with an optional callback and progress lines."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from ocula.adapters.io.document import Document, Page
from ocula.schemas import Detections

PageCallback = Callable[[Page, Detections], None]
DetectImage = Callable[..., Detections]


def detect_pages(
    detect_image: DetectImage,
    document: Document,
    noun: str,
    *,
    progress: bool = False,
    on_page: PageCallback | None = None,
) -> list[Detections]:
    """`detect_image(image, page=, source=)` on every selected page of `document`, one page at a time;
    `on_page(page, result)` sees each page image with its result (e.g. to draw an overlay); `progress` writes
    one line per page to stderr, counting the results as `noun` ("objects", "regions")."""
    results: list[Detections] = []
    total = len(document)
    for n, page in enumerate(document.pages(), start=1):
        start = time.perf_counter()
        result = detect_image(page.image, page=page.index, source=document.source)
        if on_page is not None:
            on_page(page, result)
        results.append(result)
        if progress:
            print(
                f"detect {document.source}: page {n}/{total}, {len(result)} {noun}, "
                f"{time.perf_counter() - start:.2f} s",
                file=sys.stderr,
            )
    return results
