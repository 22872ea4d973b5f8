"""The layout engine interface: one page image in, labelled regions in that image's pixels out."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from ocula.schemas import Detection

# The region names Ocula gives on documents, whatever model found them.
REGION_LABELS: tuple[str, ...] = (
    "table",
    "figure",
    "title",
    "text",
    "header",
    "footer",
    "caption",
    "equation",
)


@runtime_checkable
class LayoutEngine(Protocol):
    """Finds document layout regions on one page.

    `image` is RGB uint8 (H x W x 3); every box of the result is in pixels of that image, carries `page`, and
    is labelled with one of `labels` (Ocula's region names, `REGION_LABELS`). An engine loads its weights once,
    lazily, on first use.
    """

    name: str
    labels: tuple[str, ...]

    def detect(self, image: np.ndarray, page: int = 0) -> list[Detection]: ...
