"""A result drawn on its page image, and an image written as PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ocula.pipelines.overlay.annotations import (
    detection_annotations,
    extraction_annotations,
    ocr_annotations,
    page_scale,
)
from ocula.pipelines.overlay.boxes import as_rgb, draw_boxes
from ocula.schemas import Detections, Extraction, OCRPage


def draw(
    image: np.ndarray,
    result: Extraction[Any] | OCRPage | Detections,
    *,
    page: int = 0,
    fill_alpha: float = 0.0,
    show_confidence: bool = True,
    thickness: int | None = None,
    show_text: bool = False,
    lines: bool = True,
    words: bool = False,
    value_chars: int = 32,
) -> np.ndarray:
    """Draw a result on its page image.

    `page` selects the fields of an Extraction; an OCRPage or Detections describes one page already.
    Boxes are rescaled when the result records a page size different from the image's.
    `show_text`, `lines` and `words` apply to an OCRPage; `value_chars` to an Extraction's labels.
    """
    if isinstance(result, Extraction):
        sizes = result.page_sizes
        declared = tuple(sizes[page]) if 0 <= page < len(sizes) else None
        scale = page_scale(declared, image)  # type: ignore[arg-type]
        items = extraction_annotations(result, page, scale, value_chars)
    elif isinstance(result, OCRPage):
        scale = page_scale((result.width, result.height), image)
        items = ocr_annotations(result, lines=lines, words=words, show_text=show_text, scale=scale)
    elif isinstance(result, Detections):
        items = detection_annotations(result, page_scale((result.width, result.height), image))
    else:
        raise TypeError(f"cannot draw a {type(result).__name__}")
    return draw_boxes(image, items, fill_alpha=fill_alpha, show_confidence=show_confidence, thickness=thickness)


def save_png(image: np.ndarray, path: str | Path) -> Path:
    """Write an RGB (or grey) uint8 image as PNG, creating the folder; returns the path written."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    ok, data = cv2.imencode(".png", cv2.cvtColor(as_rgb(image), cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"{out}: could not encode the image as PNG")
    out.write_bytes(data.tobytes())
    return out
