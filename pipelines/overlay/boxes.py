"""Boxes and labels drawn on an image with OpenCV (RGB uint8 in, a new RGB uint8 array out)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ocula.pipelines.overlay.annotations import Annotation
from ocula.pipelines.overlay.colours import RGB, assign_colours, text_colour
from ocula.pipelines.overlay.labels import FONT, Rect, Style, ascii_text, fit_text, label_rect, text_size
from ocula.schemas import BBox


def as_rgb(image: np.ndarray) -> np.ndarray:
    """An H x W x 3 uint8 copy of a grey, RGB or RGBA uint8 image (RGBA loses its alpha)."""
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim == 3 and image.shape[2] == 3:
        return image.copy()
    if image.ndim == 3 and image.shape[2] == 4:
        return np.ascontiguousarray(image[:, :, :3])
    raise ValueError(f"expected an H x W, H x W x 3 or H x W x 4 image, got shape {image.shape}")


def _pixel_box(box: BBox, width: int, height: int) -> Rect | None:
    x0, y0, x1, y1 = box.as_int()
    x0, x1 = max(0, x0), min(width - 1, x1)
    y0, y1 = max(0, y0), min(height - 1, y1)
    if x1 < x0 or y1 < y0:
        return None
    return (x0, y0, x1, y1)


def _points(polygon: Sequence[Sequence[float]]) -> np.ndarray:
    return np.round(np.asarray(polygon, dtype=np.float64)).astype(np.int32).reshape(-1, 1, 2)


def _label_text(item: Annotation, show_confidence: bool) -> str:
    text = ascii_text(item.label)
    if show_confidence and item.confidence is not None:
        text = f"{text} {item.confidence:.2f}".strip()
    return text


def draw_boxes(
    image: np.ndarray,
    items: Sequence[Annotation],
    *,
    fill_alpha: float = 0.0,
    show_confidence: bool = True,
    thickness: int | None = None,
) -> np.ndarray:
    """Boxes or polygons with labels on a copy of `image`: fills first, then outlines, labels on top."""
    out = as_rgb(image)
    height, width = out.shape[:2]
    style = Style.for_size(width, height, thickness)
    colours = assign_colours(item.key for item in items)
    drawn = [(item, rect) for item in items if (rect := _pixel_box(item.box, width, height)) is not None]

    if fill_alpha > 0 and drawn:
        layer = out.copy()
        for item, (x0, y0, x1, y1) in drawn:
            colour = colours[item.key]
            if item.polygon:
                cv2.fillPoly(layer, [_points(item.polygon)], colour, cv2.LINE_AA)
            else:
                cv2.rectangle(layer, (x0, y0), (x1, y1), colour, cv2.FILLED)
        alpha = float(np.clip(fill_alpha, 0.0, 1.0))
        out = cv2.addWeighted(layer, alpha, out, 1.0 - alpha, 0.0)

    t = style.line_thickness
    frames: list[Rect] = []
    for item, rect in drawn:
        colour = colours[item.key]
        if item.polygon:
            cv2.polylines(out, [_points(item.polygon)], True, colour, t, cv2.LINE_AA)
            frames.append(rect)
        else:
            frames.append(_frame(out, rect, t, colour))

    placed: list[Rect] = []
    for i, (item, rect) in enumerate(drawn):
        text = _label_text(item, show_confidence)
        if not text:
            continue
        max_width = max(rect[2] - rect[0], int(0.35 * width), 120)
        label = _draw_label(out, text, frames[i], colours[item.key], style, placed, frames, max_width)
        placed.append(label)
    return out


def _frame(out: np.ndarray, rect: Rect, t: int, colour: RGB) -> Rect:
    """A `t` px outline just outside `rect` (so the boxed content stays visible), moved inside at the
    image border; returns the outer rect (inclusive corners)."""
    height, width = out.shape[:2]
    x0, y0 = max(0, rect[0] - t), max(0, rect[1] - t)
    x1, y1 = min(width - 1, rect[2] + t), min(height - 1, rect[3] + t)
    out[y0 : y0 + t, x0 : x1 + 1] = colour
    out[max(y0, y1 - t + 1) : y1 + 1, x0 : x1 + 1] = colour
    out[y0 : y1 + 1, x0 : x0 + t] = colour
    out[y0 : y1 + 1, max(x0, x1 - t + 1) : x1 + 1] = colour
    return (x0, y0, x1 + 1, y1 + 1)


def _draw_label(
    out: np.ndarray,
    text: str,
    box: Rect,
    colour: RGB,
    style: Style,
    placed: Sequence[Rect],
    obstacles: Sequence[Rect],
    max_width: int,
) -> Rect:
    """Draw `text` on a filled `colour` background next to `box`; returns the label rect."""
    height, width = out.shape[:2]
    text = fit_text(text, min(max_width, width) - 2 * style.pad, style)
    tw, th, baseline = text_size(text, style)
    size = (tw + 2 * style.pad, th + baseline + 2 * style.pad)
    rect = label_rect(box, size, (width, height), placed, obstacles)
    lx0, ly0, lx1, ly1 = rect
    cv2.rectangle(out, (lx0, ly0), (lx1 - 1, ly1 - 1), colour, cv2.FILLED)
    origin = (lx0 + style.pad, ly1 - style.pad - baseline)
    cv2.putText(out, text, origin, FONT, style.font_scale, text_colour(colour), style.text_thickness, cv2.LINE_AA)
    return rect
