"""The working resolution: a page larger than a pixel budget is shrunk once, as it is loaded, before OCR sees it.

A 196-megapixel scan is 590 MB as an RGB array, and every copy a reading stage makes costs as much again; the text
a reader can find on such a page stays readable at a fraction of its pixels (RapidOCR's detector looks at 2000
pixels a side, and reads each line it finds at 48 pixels high). So the memory a page costs after loading is
bounded by `working_pixels` (default
`DEFAULT_WORKING_PIXELS`): a larger page is resized to fit, its aspect kept, and the `PageTransform` from the
original page's pixels to the shrunk image travels with the page (`Page.transform`), so every box found on it is
mapped back to original pixels.

An OCR engine that itself shrinks every page to a longest side before reading it (RapidOCR: 2000 pixels; its
`max_side`, `adapters.ocr.base.reading_side`) has the page loaded at that side (`working_side`) instead: nothing it
would read is lost, the page is shrunk once (with an antialiasing filter rather than the engine's linear resize),
and a large page costs what the engine reads, not what the scanner wrote (a 4945 x 8564 page: 2.3 megapixels,
not 20).

Decoding itself is bounded separately, by `max_pixels` (`limits`): a JPEG is decoded straight at a reduced
scale (its decoder can), other formats at full size once, then shrunk and freed.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image

from ocula.schemas.geometry import PageTransform

DEFAULT_WORKING_PIXELS = 20_000_000
"""Largest page kept after loading for OCR: 20 megapixels (60 MB as RGB), twice the detector's 2000 pixels a side
on a square page; an A4 page up to 450 dpi and a 12-megapixel photo keep their pixels."""

_RESIZE_AS = {"1": "L", "P": "RGB", "PA": "RGBA"}  # modes PIL resizes by nearest neighbour only


def working_size(
    width: int, height: int, max_pixels: int | None, max_side: int | None = None
) -> tuple[int, int] | None:
    """The size a `width` x `height` page is shrunk to so it holds at most `max_pixels` and neither side is longer
    than `max_side` (None: no such bound), its aspect kept; None when it fits both."""
    scale = 1.0
    if max_pixels is not None and width * height > max_pixels:
        scale = math.sqrt(max_pixels / (width * height))
    if max_side is not None and max(width, height) * scale > max_side:
        scale = max_side / max(width, height)
    if scale >= 1.0:
        return None
    new_width, new_height = max(1, math.floor(width * scale)), max(1, math.floor(height * scale))
    if max_pixels is not None:  # a side kept at 1 pixel: the other fits
        new_width = max(1, min(new_width, max_pixels // new_height))
        new_height = max(1, min(new_height, max_pixels // new_width))
    return new_width, new_height


def draft_for(img: Image.Image, max_pixels: int | None, max_side: int | None = None) -> None:
    """Let a JPEG decode at the smallest of its 1/2, 1/4, 1/8 scales that still covers the working size (no
    full-size decode); other formats ignore it. Call before the pixels are loaded."""
    size = working_size(img.width, img.height, max_pixels, max_side)
    if size is not None and img.format == "JPEG":
        img.draft(img.mode, size)


def shrink_pil(img: Image.Image, size: tuple[int, int], *, release: bool = False) -> Image.Image:
    """`img` resized to `size`: reduced by the largest whole factor first (block averages), then resampled with
    an antialiasing filter (a palette or 1-bit page is made grey or colour first, so thin strokes average instead
    of vanishing). `release` closes `img` once it is reduced: its full-size pixels are freed before the rest."""
    mode = _RESIZE_AS.get(img.mode)
    if mode == "RGB" and "transparency" in img.info:
        mode = "RGBA"
    source = img.convert(mode) if mode is not None else img
    factor = min(source.width // size[0], source.height // size[1])
    if factor >= 2:
        reduced = source.reduce(factor)
        if release:
            img.close()
            source.close()
        source = reduced
    return source.resize(size, Image.Resampling.LANCZOS)


def shrink_array(
    image: np.ndarray, max_pixels: int | None, max_side: int | None = None
) -> tuple[np.ndarray, PageTransform | None]:
    """An RGB page over `max_pixels` or `max_side` resized by area averaging, with the transform from its pixels
    to the result's; the page itself and None when it fits."""
    height, width = image.shape[:2]
    size = working_size(width, height, max_pixels, max_side)
    if size is None:
        return image, None
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return small, PageTransform.resize((width, height), size)


__all__ = ["DEFAULT_WORKING_PIXELS", "draft_for", "shrink_array", "shrink_pil", "working_size"]
