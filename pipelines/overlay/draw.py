"""Draw boxes and labels on page images with OpenCV (RGB uint8 in, a new RGB uint8 array out).

Text uses OpenCV's built-in Hershey fonts, so drawing works on a machine with no system fonts.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ocula.schemas import BBox, Detections, Extraction, OCRPage

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

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_ELLIPSIS = "..."
_INDEX = re.compile(r"\[\d+\]|(?<=\.)\d+(?=\.|$)")


@dataclass(frozen=True)
class Annotation:
    """One thing to draw: a box (or polygon) and its label; `colour_key` picks the colour (default: label)."""

    box: BBox
    label: str = ""
    confidence: float | None = None
    polygon: list[tuple[float, float]] | None = None
    colour_key: str | None = None

    @property
    def key(self) -> str:
        return self.colour_key if self.colour_key is not None else self.label


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


# colours ---------------------------------------------------------------------------------------
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
    return text[: max(0, max_chars - len(_ELLIPSIS))].rstrip() + _ELLIPSIS


def fit_text(text: str, max_width: int, style: Style) -> str:
    """The longest prefix of `text` (with '...' when cut) whose rendered width fits `max_width` pixels."""
    if _text_size(text, style)[0] <= max_width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # largest n with text[:n] + '...' fitting
        mid = (lo + hi + 1) // 2
        if _text_size(text[:mid].rstrip() + _ELLIPSIS, style)[0] <= max_width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + _ELLIPSIS if lo > 0 else _ELLIPSIS


def _text_size(text: str, style: Style) -> tuple[int, int, int]:
    (w, h), baseline = cv2.getTextSize(text, _FONT, style.font_scale, style.text_thickness)
    return w, h, baseline


# geometry of labels ----------------------------------------------------------------------------
Rect = tuple[int, int, int, int]


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


# drawing ---------------------------------------------------------------------------------------
def _as_rgb(image: np.ndarray) -> np.ndarray:
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
    out = _as_rgb(image)
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
    tw, th, baseline = _text_size(text, style)
    size = (tw + 2 * style.pad, th + baseline + 2 * style.pad)
    rect = label_rect(box, size, (width, height), placed, obstacles)
    lx0, ly0, lx1, ly1 = rect
    cv2.rectangle(out, (lx0, ly0), (lx1 - 1, ly1 - 1), colour, cv2.FILLED)
    origin = (lx0 + style.pad, ly1 - style.pad - baseline)
    cv2.putText(out, text, origin, _FONT, style.font_scale, text_colour(colour), style.text_thickness, cv2.LINE_AA)
    return rect


# results ---------------------------------------------------------------------------------------
def colour_key_for_path(path: str) -> str:
    """`items[3].price` and `items.3.price` -> `items[].price`: every row of a list shares its colour."""
    return _INDEX.sub("[]", path).replace(".[]", "[]")


def _scaler(declared: tuple[int, int] | None, image: np.ndarray) -> tuple[float, float]:
    """Boxes are pixels of the page the result was made from; rescale them if the image has another size."""
    if not declared or declared[0] <= 0 or declared[1] <= 0:
        return (1.0, 1.0)
    height, width = image.shape[:2]
    return (width / declared[0], height / declared[1])


def _scaled(box: BBox, s: tuple[float, float]) -> BBox:
    return box if s == (1.0, 1.0) else box.scale(*s)


def _scaled_polygon(
    polygon: list[tuple[float, float]] | None, s: tuple[float, float]
) -> list[tuple[float, float]] | None:
    if polygon is None:
        return None
    return [(x * s[0], y * s[1]) for x, y in polygon]


def extraction_annotations(
    result: Extraction[Any], page: int, scale: tuple[float, float] = (1.0, 1.0), value_chars: int = 32
) -> list[Annotation]:
    """One annotation per field with a box on `page`, labelled `path: value`."""
    items = []
    for path, field in result.fields.items():
        if field.box is None:
            continue
        field_page = field.page if field.page is not None else field.box.page
        if field_page != page:
            continue
        value = "" if field.value is None else shorten(ascii_text(str(field.value)), value_chars)
        label = f"{field.path or path}: {value}" if value else (field.path or path)
        items.append(
            Annotation(
                box=_scaled(field.box, scale),
                label=label,
                confidence=field.confidence,
                colour_key=colour_key_for_path(field.path or path),
            )
        )
    return items


def ocr_annotations(
    result: OCRPage,
    *,
    lines: bool = True,
    words: bool = False,
    show_text: bool = False,
    scale: tuple[float, float] = (1.0, 1.0),
) -> list[Annotation]:
    """Line boxes (labelled with their text if `show_text`), and word boxes if `words`."""
    items: list[Annotation] = []
    for line in result.lines:
        if lines:
            items.append(
                Annotation(
                    box=_scaled(line.box, scale),
                    label=line.text if show_text else "",
                    confidence=line.confidence if show_text else None,
                    polygon=_scaled_polygon(line.polygon, scale),
                    colour_key="line",
                )
            )
        if words:
            items.extend(
                Annotation(
                    box=_scaled(word.box, scale),
                    label=word.text if show_text and not lines else "",
                    colour_key="word",
                )
                for word in line.words
            )
    return items


def detection_annotations(result: Detections, scale: tuple[float, float] = (1.0, 1.0)) -> list[Annotation]:
    """One annotation per detection, labelled and coloured by its class."""
    return [
        Annotation(
            box=_scaled(d.box, scale),
            label=d.label,
            confidence=d.confidence,
            polygon=_scaled_polygon(d.polygon, scale),
            colour_key=d.label,
        )
        for d in result.items
    ]


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
        scale = _scaler(declared, image)  # type: ignore[arg-type]
        items = extraction_annotations(result, page, scale, value_chars)
    elif isinstance(result, OCRPage):
        scale = _scaler((result.width, result.height), image)
        items = ocr_annotations(result, lines=lines, words=words, show_text=show_text, scale=scale)
    elif isinstance(result, Detections):
        items = detection_annotations(result, _scaler((result.width, result.height), image))
    else:
        raise TypeError(f"cannot draw a {type(result).__name__}")
    return draw_boxes(image, items, fill_alpha=fill_alpha, show_confidence=show_confidence, thickness=thickness)


# sheets and files ------------------------------------------------------------------------------
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
    cells = [_resize_to_width(_as_rgb(im), cell_width) for im in images]
    base = Style.for_size(cell_width, cell_width)
    style = Style(base.font_scale * 1.4, base.text_thickness + 1, base.line_thickness, base.pad)
    title_h = 0
    if titles:
        _, th, baseline = _text_size("Ag", style)
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
                _, th, baseline = _text_size(title, style)
                origin = (x + style.pad, y + title_h - style.pad - baseline)
                cv2.putText(
                    sheet,
                    title,
                    origin,
                    _FONT,
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


def save_png(image: np.ndarray, path: str | Path) -> Path:
    """Write an RGB (or grey) uint8 image as PNG, creating the folder; returns the path written."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    ok, data = cv2.imencode(".png", cv2.cvtColor(_as_rgb(image), cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"{out}: could not encode the image as PNG")
    out.write_bytes(data.tobytes())
    return out
