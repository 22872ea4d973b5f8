"""An OCR result read on a derived image (turned upright, straightened, shrunk) with its boxes back in the
original page's pixels."""

from __future__ import annotations

from ocula.schemas import Line, OCRPage, PageTransform


def _line_to_page(line: Line, transform: PageTransform) -> Line:
    return line.model_copy(
        update={
            "box": transform.to_page(line.box),
            "polygon": transform.points_to_page(line.polygon) if line.polygon else line.polygon,
            "words": [w.model_copy(update={"box": transform.to_page(w.box)}) for w in line.words],
        }
    )


def to_original(result: OCRPage, transform: PageTransform, angle: int) -> OCRPage:
    """An OCR result of the turned image with every box in the original page's pixels (lines keep their order)."""
    width, height = transform.src_size
    lines = [_line_to_page(line, transform) for line in result.lines]
    return result.model_copy(update={"lines": lines, "width": width, "height": height, "orientation": angle})


__all__ = ["to_original"]
