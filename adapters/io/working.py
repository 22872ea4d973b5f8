"""The working resolution: a page larger than a pixel budget is shrunk once, as it is loaded, before OCR sees it.

A 196-megapixel scan is 590 MB as an RGB array, and OCR takes about 25 bytes a pixel more while it reads a page
(RapidOCR on a 40-megapixel page: 1 GB); the text a reader can find on such a page stays readable at a fraction
of its pixels (the OCR detector itself looks at 2000 pixels a side, and reads each line it finds at 48 pixels
high). So the memory a page costs after loading is bounded by `working_pixels` (default
`DEFAULT_WORKING_PIXELS`): a larger page is resized to fit, its aspect kept, and the `PageTransform` from the
original page's pixels to the shrunk image travels with the page (`Page.transform`), so every box found on it is
mapped back to original pixels.

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


def working_size(width: int, height: int, max_pixels: int | None) -> tuple[int, int] | None:
    """The size a `width` x `height` page is shrunk to so it holds at most `max_pixels`; None when it fits."""
    if max_pixels is None or width * height <= max_pixels:
        return None
    scale = math.sqrt(max_pixels / (width * height))
    new_width, new_height = max(1, math.floor(width * scale)), max(1, math.floor(height * scale))
    new_width = max(1, min(new_width, max_pixels // new_height))  # a side kept at 1 pixel: the other fits
    return new_width, max(1, min(new_height, max_pixels // new_width))


def draft_for(img: Image.Image, max_pixels: int | None) -> None:
    """Let a JPEG decode at the smallest of its 1/2, 1/4, 1/8 scales that still covers the working size (no
    full-size decode); other formats ignore it. Call before the pixels are loaded."""
    size = working_size(img.width, img.height, max_pixels)
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


def shrink_array(image: np.ndarray, max_pixels: int | None) -> tuple[np.ndarray, PageTransform | None]:
    """An RGB page over `max_pixels` resized by area averaging, with the transform from its pixels to the
    result's; the page itself and None when it fits."""
    height, width = image.shape[:2]
    size = working_size(width, height, max_pixels)
    if size is None:
        return image, None
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return small, PageTransform.resize((width, height), size)


__all__ = ["DEFAULT_WORKING_PIXELS", "draft_for", "shrink_array", "shrink_pil", "working_size"]
