"""Label text of overlays: sizes derived from the page, ASCII text fitted to a width, and where a label goes.

Text uses OpenCV's built-in Hershey fonts, so drawing works on a machine with no system fonts.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX
ELLIPSIS = "..."

Rect = tuple[int, int, int, int]


@dataclass(frozen=True)
class Style:
    """Sizes derived from the page, so labels read the same on a 600 px photo and a 2500 px scan."""

    font_scale: float
    text_thickness: int
    line_thickness: int
    pad: int

    @classmethod
    def for_size(cls, width: int, height: int, thickness: int | None = None) -> Style:
        long_side = max(width, height)
        scale = float(np.clip(0.45 * np.sqrt(long_side / 600.0), 0.4, 2.0))
        line = thickness if thickness is not None else max(2, round(long_side / 800))
        return cls(
            font_scale=scale,
            text_thickness=max(1, round(scale * 1.6)),
            line_thickness=max(1, line),
            pad=max(2, round(scale * 5)),
        )


# text ------------------------------------------------------------------------------------------
def ascii_text(text: str) -> str:
    """Hershey fonts hold ASCII only: strip accents, replace other characters with '?', flatten whitespace."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = " ".join(plain.split())
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in plain)


def shorten(text: str, max_chars: int) -> str:
    """At most `max_chars` characters, ending with '...' when cut."""
    if len(text) <= max_chars:
        return text
    return text[: max(0, max_chars - len(ELLIPSIS))].rstrip() + ELLIPSIS


def fit_text(text: str, max_width: int, style: Style) -> str:
    """The longest prefix of `text` (with '...' when cut) whose rendered width fits `max_width` pixels."""
    if text_size(text, style)[0] <= max_width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # largest n with text[:n] + '...' fitting
        mid = (lo + hi + 1) // 2
        if text_size(text[:mid].rstrip() + ELLIPSIS, style)[0] <= max_width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + ELLIPSIS if lo > 0 else ELLIPSIS


def text_size(text: str, style: Style) -> tuple[int, int, int]:
    """Width, height and baseline of `text` rendered in `style`, in pixels."""
    (w, h), baseline = cv2.getTextSize(text, FONT, style.font_scale, style.text_thickness)
    return w, h, baseline


# placement -------------------------------------------------------------------------------------
def _overlap_areas(candidates: np.ndarray, rects: np.ndarray) -> np.ndarray:
    """Total area each candidate rect (C x 4) shares with `rects` (R x 4): a length-C array."""
    if len(rects) == 0:
        return np.zeros(len(candidates))
    c, r = candidates[:, None, :], rects[None, :, :]
    w = np.minimum(c[..., 2], r[..., 2]) - np.maximum(c[..., 0], r[..., 0])
    h = np.minimum(c[..., 3], r[..., 3]) - np.maximum(c[..., 1], r[..., 1])
    return (np.clip(w, 0, None) * np.clip(h, 0, None)).sum(axis=1)


def label_rect(
    box: Rect,
    size: tuple[int, int],
    image_size: tuple[int, int],
    placed: Sequence[Rect] = (),
    obstacles: Sequence[Rect] = (),
) -> Rect:
    """Where a `size` label of `box` goes; always inside the image.

    In order of preference: above the box, below it, inside its top, then further above or below.
    A position is skipped if it covers a label already `placed`, and penalised for covering `obstacles`
    (the boxes, its own included), so dense pages keep both labels and boxed text readable.
    """
    x0, y0, x1, y1 = box
    width, height = image_size
    lw, lh = min(size[0], width), min(size[1], height)
    rows = [y0 - lh, y1, y0]
    for k in range(1, 3):
        rows += [y0 - lh * (k + 1), y1 + lh * k]
    cands, ranks = [], []
    for rank, y in enumerate(rows):
        if y < 0 or y + lh > height:
            continue
        for shift, x in enumerate((x0, x1 - lw)):
            left = int(np.clip(x, 0, width - lw))
            cands.append((left, y, left + lw, y + lh))
            ranks.append(rank + 0.5 * shift)
    if not cands:
        top = int(np.clip(y0 - lh, 0, height - lh))
        left = int(np.clip(x0, 0, width - lw))
        return (left, top, left + lw, top + lh)
    arr = np.asarray(cands, dtype=np.float64)
    area = float(lw * lh)
    cost = (
        1000.0 * _overlap_areas(arr, np.asarray(placed, dtype=np.float64).reshape(-1, 4)) / area
        + _overlap_areas(arr, np.asarray(obstacles, dtype=np.float64).reshape(-1, 4)) / area
        + 0.15 * np.asarray(ranks)
    )
    return cands[int(np.argmin(cost))]
