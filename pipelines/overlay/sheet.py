"""Contact sheets: several images side by side in a grid, each with an optional title."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ocula.pipelines.overlay.boxes import as_rgb
from ocula.pipelines.overlay.colours import RGB
from ocula.pipelines.overlay.labels import FONT, Style, ascii_text, fit_text, text_size


def contact_sheet(
    images: Sequence[np.ndarray],
    *,
    columns: int = 2,
    cell_width: int = 800,
    gap: int = 8,
    titles: Sequence[str] | None = None,
    background: RGB = (235, 235, 235),
) -> np.ndarray:
    """Images side by side, `columns` per row, each resized to `cell_width` wide, with optional titles."""
    if not images:
        raise ValueError("contact sheet of no images")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"{len(titles)} titles for {len(images)} images")
    columns = max(1, min(columns, len(images)))
    cells = [_resize_to_width(as_rgb(im), cell_width) for im in images]
    base = Style.for_size(cell_width, cell_width)
    style = Style(base.font_scale * 1.4, base.text_thickness + 1, base.line_thickness, base.pad)
    title_h = 0
    if titles:
        _, th, baseline = text_size("Ag", style)
        title_h = th + baseline + 2 * style.pad
    rows = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    row_heights = [max(c.shape[0] for c in row) + title_h for row in rows]
    sheet_w = columns * cell_width + (columns + 1) * gap
    sheet_h = sum(row_heights) + (len(rows) + 1) * gap
    sheet = np.empty((sheet_h, sheet_w, 3), dtype=np.uint8)
    sheet[:] = background
    y = gap
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            x = gap + c * (cell_width + gap)
            if titles:
                title = fit_text(ascii_text(titles[r * columns + c]), cell_width - 2 * style.pad, style)
                _, th, baseline = text_size(title, style)
                origin = (x + style.pad, y + title_h - style.pad - baseline)
                cv2.putText(
                    sheet,
                    title,
                    origin,
                    FONT,
                    style.font_scale,
                    (0, 0, 0),
                    style.text_thickness,
                    cv2.LINE_AA,
                )
            sheet[y + title_h : y + title_h + cell.shape[0], x : x + cell.shape[1]] = cell
        y += row_heights[r] + gap
    return sheet


def _resize_to_width(image: np.ndarray, width: int) -> np.ndarray:
    h, w = image.shape[:2]
    if w == width:
        return image
    height = max(1, round(h * width / w))
    interpolation = cv2.INTER_AREA if width < w else cv2.INTER_LINEAR
    return cv2.resize(image, (width, height), interpolation=interpolation)
