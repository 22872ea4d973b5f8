"""Blank pages: a page with no ink on it is found in milliseconds, before any OCR or model runs.

A page of one flat colour (no two pixels `MIN_CONTRAST` grey levels apart) is blank at once. Otherwise the check
looks at a grey copy of the page shrunk (by area averaging) to at most `CHECK_SIDE` pixels a side, no finer than
the OCR detector itself looks (it shrinks pages to 2000 pixels a side), so a mark the OCR could find
survives it. Each pixel is compared with the page's smooth background (the grey view shrunk 16 times and
stretched back): a pixel differs by more than the page's own noise allows (five times its median absolute
deviation, at least `MIN_CONTRAST` and at most `MAX_CONTRAST` grey levels) is ink, and ink counts when at
least two of its eight neighbours are ink too (a stroke, not a speck of dust or sensor noise). A page with
fewer than `MIN_INK` such pixels is blank. The rule errs towards reading: a page with any mark on it is read.
"""

from __future__ import annotations

import cv2
import numpy as np

CHECK_SIDE = 1600  # longest side of the grey view the check looks at
BACKGROUND_SHRINK = 16  # the background is the view shrunk this many times (text is far thinner)
MIN_CONTRAST = 24  # grey levels: a mark fainter than this against its surroundings is not ink
MAX_CONTRAST = 64  # noisy pages never ask more than this (black print stands 150+ levels off white)
NOISE_SIGMAS = 5.0  # a pixel is ink when it stands off the background by this many noise deviations
MIN_INK = 8  # stroke pixels a page needs not to be blank


def _grey_view(image: np.ndarray) -> np.ndarray:
    """The page in grey, shrunk by a whole factor to at most `CHECK_SIDE` pixels a side (area averaging by a
    whole factor is OpenCV's fast path; the few rows and columns past the last whole block are left out)."""
    height, width = image.shape[:2]
    k = -(-max(height, width) // CHECK_SIDE)
    if k > 1:
        image = cv2.resize(
            image[: height // k * k, : width // k * k], (width // k, height // k), interpolation=cv2.INTER_AREA
        )
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image


def _deviation(grey: np.ndarray) -> np.ndarray:
    """How far each pixel stands off the page's smooth background, in grey levels."""
    height, width = grey.shape
    small = (max(1, width // BACKGROUND_SHRINK), max(1, height // BACKGROUND_SHRINK))
    background = cv2.resize(cv2.resize(grey, small, interpolation=cv2.INTER_AREA), (width, height))
    return cv2.absdiff(grey, background)


def _threshold(deviation: np.ndarray) -> int:
    """Grey levels of deviation from which a pixel is ink: the noise's median absolute deviation times
    `NOISE_SIGMAS` (as a standard deviation), kept within `MIN_CONTRAST`..`MAX_CONTRAST`."""
    counts = np.bincount(deviation.ravel(), minlength=256)
    median = int(np.searchsorted(np.cumsum(counts), (deviation.size + 1) // 2))
    return int(np.clip(NOISE_SIGMAS * 1.4826 * median, MIN_CONTRAST, MAX_CONTRAST))


def ink_pixels(image: np.ndarray) -> int:
    """Stroke pixels of the page's grey view: pixels off the background beyond its noise, with ink neighbours."""
    if image.size == 0:
        return 0
    low, high, _, _ = cv2.minMaxLoc(image.reshape(image.shape[0], -1))
    if high - low <= MIN_CONTRAST:  # one flat colour: nothing can stand off it (the common blank page, at once)
        return 0
    deviation = _deviation(_grey_view(image))
    ink = (deviation > _threshold(deviation)).astype(np.uint8)
    if not ink.any():
        return 0
    around = cv2.boxFilter(ink, -1, (3, 3), normalize=False, borderType=cv2.BORDER_CONSTANT)
    return int(np.count_nonzero(ink & (around >= 3)))


def is_blank(image: np.ndarray) -> bool:
    """Whether a page (RGB or grey uint8) holds no ink: nothing on it an OCR engine could read."""
    return ink_pixels(image) < MIN_INK


__all__ = ["ink_pixels", "is_blank"]
