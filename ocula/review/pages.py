"""Page images and page OCR of the documents under review, rendered on demand and kept in small caches.

Boxes in a record are pixels of the page as `ocula extract` saw it (`page_sizes`); a page rendered here may
differ in size (another resolution), so OCR boxes are scaled into the record's pixels before they are shown
or become a field's box.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocula.schemas import OCRPage

MAX_PAGES = 500
OcrFn = Callable[[Path, int], OCRPage]


class LRU:
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()  # outside the lock: rendering and OCR take a while
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


@dataclass(frozen=True)
class PageImage:
    png: bytes
    width: int
    height: int


def default_ocr(engine: str | None, dpi: int) -> OcrFn:
    """Page `index` of a file read by `ocula.ocr` at `dpi`, with `engine` (None: `ocula.ocr`'s default)."""
    options = {"engine": engine} if engine else {}

    def read(path: Path, index: int) -> OCRPage:
        import ocula

        return ocula.ocr(path, dpi=dpi, pages=[index], **options)[0]

    return read


class PageCache:
    """Renders pages to PNG and reads their text, each at most once while it stays in the cache."""

    def __init__(self, ocr: OcrFn, dpi: int = 150, images: int = 12, texts: int = 64) -> None:
        self.ocr = ocr
        self.dpi = dpi
        self._images = LRU(images)
        self._texts = LRU(texts)
        self._counts = LRU(1024)

    def count(self, path: Path) -> int:
        """The document's number of pages (at most MAX_PAGES are reviewed)."""
        from ocula.adapters.io.loading import load_document

        return min(self._counts.get(path, lambda: len(load_document(path, dpi=self.dpi))), MAX_PAGES)

    def image(self, path: Path, index: int) -> PageImage:
        return self._images.get((path, index), lambda: self._render(path, index))

    def _render(self, path: Path, index: int) -> PageImage:
        from PIL import Image

        from ocula.adapters.io.loading import load_document

        page = load_document(path, dpi=self.dpi, pages=[index]).page(index)
        buffer = io.BytesIO()
        Image.fromarray(page.image).save(buffer, format="PNG", compress_level=1)
        return PageImage(buffer.getvalue(), page.width, page.height)

    def text(self, path: Path, index: int) -> OCRPage:
        return self._texts.get((path, index), lambda: self.ocr(path, index))


def scaled_lines(page: OCRPage, width: float, height: float) -> list[dict[str, Any]]:
    """The page's lines and words with boxes in a `width` x `height` page's pixels."""
    sx = width / page.width if page.width else 1.0
    sy = height / page.height if page.height else 1.0

    def box(b: Any) -> list[float]:
        return [round(b.x0 * sx, 1), round(b.y0 * sy, 1), round(b.x1 * sx, 1), round(b.y1 * sy, 1)]

    return [
        {"text": line.text, "box": box(line.box), "words": [{"text": w.text, "box": box(w.box)} for w in line.words]}
        for line in page.lines
    ]
