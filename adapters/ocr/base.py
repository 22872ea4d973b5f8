"""The OCR engine interface and the small helpers every engine shares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from ocula.schemas import BBox, InputError, OCRPage, Word
from ocula.schemas.geometry import Point


@runtime_checkable
class OCREngine(Protocol):
    """Reads one page image into an `OCRPage`.

    `image` is RGB uint8 (H x W x 3); every box of the result is in pixels of that image and carries `page`.
    An engine loads its weights once, lazily, on first use, and keeps them for the life of the instance.
    """

    name: str

    def read(self, image: np.ndarray, page: int = 0) -> OCRPage: ...


def reading_side(engine: object) -> int | None:
    """The longest page side `engine` reads at: an engine that shrinks every larger page to a side before reading
    it says so in its `max_side` attribute (RapidOCR: 2000), and wrappers pass their engine's on. The pipelines
    load pages at that side (`load_document(working_side=...)`), so a large scan costs what the engine reads.
    None (the default, and for engines that read every pixel): pages are loaded at the working resolution."""
    side = getattr(engine, "max_side", None)
    return side if isinstance(side, int) and side > 0 else None


def as_rgb(image: np.ndarray) -> np.ndarray:
    """Check an input page and return it as contiguous RGB uint8 (grey and RGBA are converted)."""
    if not isinstance(image, np.ndarray):
        raise InputError("image", f"expected a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise InputError("image", f"expected uint8 pixels, got {image.dtype}")
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    elif image.ndim == 3 and image.shape[2] == 4:
        image = image[:, :, :3]
    elif image.ndim != 3 or image.shape[2] != 3:
        raise InputError("image", f"expected an H x W x 3 RGB array, got shape {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise InputError("image", "empty image")
    return np.ascontiguousarray(image)


def quad_to_points(quad: Sequence[Sequence[float]]) -> list[Point]:
    return [(float(p[0]), float(p[1])) for p in quad]


def proportional_words(text: str, box: BBox, confidence: float | None = None) -> list[Word]:
    """Split a line box into word boxes in proportion to character counts.

    An estimate for engines that give only line boxes: each word gets a horizontal slice of the line box as
    wide as its share of the line's characters (spaces included), the full line height.
    """
    words = text.split()
    if not words:
        return []
    n_chars = len(text)
    if n_chars == 0:
        return []
    per_char = box.width / n_chars
    out: list[Word] = []
    cursor = 0
    for word in words:
        start = text.index(word, cursor)
        end = start + len(word)
        cursor = end
        x0 = box.x0 + start * per_char
        x1 = box.x0 + end * per_char
        out.append(
            Word(
                text=word,
                box=BBox(x0=x0, y0=box.y0, x1=min(x1, box.x1), y1=box.y1, page=box.page),
                confidence=confidence,
            )
        )
    return out
