"""Colours of overlays: the palette, a stable colour per label, distinct colours within one image, text contrast."""

from __future__ import annotations

import zlib
from collections.abc import Iterable

RGB = tuple[int, int, int]

# Readable on white paper and on photos; no two entries are close in hue and lightness.
PALETTE: tuple[RGB, ...] = (
    (230, 25, 75),  # red
    (60, 180, 75),  # green
    (0, 130, 200),  # blue
    (245, 130, 48),  # orange
    (145, 30, 180),  # purple
    (70, 240, 240),  # cyan
    (240, 50, 230),  # magenta
    (210, 245, 60),  # lime
    (0, 128, 128),  # teal
    (170, 110, 40),  # brown
    (128, 0, 0),  # maroon
    (0, 0, 128),  # navy
    (128, 128, 0),  # olive
    (255, 215, 0),  # gold
    (220, 190, 255),  # lavender
    (255, 110, 180),  # pink
    (100, 100, 100),  # grey
    (0, 200, 140),  # sea green
)


def colour_for(key: str) -> RGB:
    """The label's own palette colour: crc32 of the text, so it is the same in every run and process."""
    return PALETTE[_slot(key)]


def _slot(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % len(PALETTE)


def assign_colours(keys: Iterable[str]) -> dict[str, RGB]:
    """A colour per distinct key: its hashed colour, unless another key of the same image already holds it.

    Contested slots go to the keys in sorted order and the others move to the next free slot, so the
    result depends only on the set of keys, never on drawing order. Past the palette size colours repeat.
    """
    unique = sorted(set(keys))
    owner: dict[int, str] = {}
    for key in unique:  # first pass: uncontested hashed slots
        owner.setdefault(_slot(key), key)
    out = {key: PALETTE[slot] for slot, key in owner.items()}
    for key in unique:  # second pass: the rest move to the next free slot
        if key in out:
            continue
        free = [(_slot(key) + step) % len(PALETTE) for step in range(len(PALETTE))]
        slot = next((s for s in free if s not in owner), _slot(key))
        owner.setdefault(slot, key)
        out[key] = PALETTE[slot]
    return out


def text_colour(background: RGB) -> RGB:
    """Black on light backgrounds, white on dark ones (ITU-R BT.601 luma)."""
    r, g, b = background
    return (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 150 else (255, 255, 255)
