"""Pixel limits against decompression bombs, kept consistent with Pillow's own limit."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image

from ocula.schemas.errors import InputError

DEFAULT_MAX_PIXELS = 200_000_000
"""Largest page accepted by default (200 megapixels, about 600 MB as RGB)."""

_lock = threading.Lock()
_active: list[int | None] = []
_saved: list[int | None] = []


def over_limit(max_pixels: int | None) -> str:
    """The end of every too-large message."""
    limit = "the limit" if max_pixels is None else f"the limit of {max_pixels / 1e6:g} megapixels"
    return f"exceeds {limit} (possible decompression bomb; raise max_pixels to allow it)"


def check_pixels(source: str, width: int, height: int, max_pixels: int | None, what: str = "image") -> None:
    """Raise `InputError` when a `width` x `height` page exceeds `max_pixels` (None: no limit)."""
    if max_pixels is not None and width * height > max_pixels:
        size = f"{width} x {height} = {width * height / 1e6:.0f} megapixels"
        raise InputError(source, f"{what} of {size} {over_limit(max_pixels)}")


def _widest(limits: list[int | None]) -> int | None:
    return None if any(v is None for v in limits) else max(v for v in limits if v is not None)


@contextmanager
def pil_pixel_limit(max_pixels: int | None) -> Iterator[None]:
    """Let Pillow decode anything up to `max_pixels` while the block runs.

    Pillow refuses images over twice its global `MAX_IMAGE_PIXELS`; our own `check_pixels` is the limit
    that counts, so Pillow's is widened (never narrowed) to it for the duration and restored afterwards.
    Overlapping calls from several threads share the widest limit any of them asked for.
    """
    with _lock:
        if not _active:
            _saved[:] = [Image.MAX_IMAGE_PIXELS]
        _active.append(max_pixels)
        Image.MAX_IMAGE_PIXELS = _widest([*_active, *_saved])
    try:
        with warnings.catch_warnings():
            # Pillow warns between its limit and twice it; `check_pixels` decides instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    finally:
        with _lock:
            _active.remove(max_pixels)
            Image.MAX_IMAGE_PIXELS = _widest([*_active, *_saved]) if _active else _saved[0]
