"""What an overlay draws: `Annotation`s made from an extraction's fields, OCR lines and words, or detections.

Boxes are pixels of the page a result was made from; `page_scale` maps them onto an image of another size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from ocula.pipelines.overlay.labels import ascii_text, shorten
from ocula.schemas import BBox, Detections, Extraction, OCRPage

Scale = tuple[float, float]

# A list item's path: the list's own path, then the item's index ("items[3]", "items.3", "items/3").
_ITEM = re.compile(r"^(?P<list>.+?)(?:\[(?P<a>\d+)\]|[./](?P<b>\d+)(?=[./]|$))")


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


def colour_key_for_path(path: str) -> str:
    """`items[3].price`, `items.3.price` and `items/3/price` -> `items[3]`: each item of a list has one colour,
    its box and the boxes of its fields alike; a field outside any list keeps its own path."""
    m = _ITEM.match(path)
    return f"{m.group('list')}[{m.group('a') or m.group('b')}]" if m else path


def page_scale(declared: tuple[int, int] | None, image: np.ndarray) -> Scale:
    """Boxes are pixels of the page the result was made from; rescale them if the image has another size."""
    if not declared or declared[0] <= 0 or declared[1] <= 0:
        return (1.0, 1.0)
    height, width = image.shape[:2]
    return (width / declared[0], height / declared[1])


def _scaled(box: BBox, s: Scale) -> BBox:
    return box if s == (1.0, 1.0) else box.scale(*s)


def _scaled_polygon(polygon: list[tuple[float, float]] | None, s: Scale) -> list[tuple[float, float]] | None:
    if polygon is None:
        return None
    return [(x * s[0], y * s[1]) for x, y in polygon]


def extraction_annotations(
    result: Extraction[Any], page: int, scale: Scale = (1.0, 1.0), value_chars: int = 32
) -> list[Annotation]:
    """One annotation per field with a box on `page`, labelled `path: value`."""
    items = []
    for path, field in result.fields.items():
        if field.box is None:
            continue
        field_page = field.page if field.page is not None else field.box.page
        if field_page != page:
            continue
        whole = isinstance(field.value, dict | list)  # a list item's own box: labelled with its path
        value = "" if field.value is None or whole else shorten(ascii_text(str(field.value)), value_chars)
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
    scale: Scale = (1.0, 1.0),
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


def detection_annotations(result: Detections, scale: Scale = (1.0, 1.0)) -> list[Annotation]:
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
