"""OCR with layout regions: each page's regions found by the bundled layout model, kept with its lines.

`RegionOCR` wraps an OCR engine (an `UprightOCR` too: the layout model then sees the page turned as the OCR
read it). Each page it reads gets `OCRPage.regions` (tables, figures, titles, text, headers, footers, captions,
equations; boxes in the original page's pixels), the lines inside regions of the `exclude` labels (say the
running header and the footer) are dropped, and the lines are put in the regions' reading order
(`reading_order.sort_in_regions`: columns of text regions left to right, a caption read after its figure; the
engine's own order otherwise).
The extraction uses the tables to bound the rows of its lists of objects (`grounding/layout_tables.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ocula.adapters.layout import REGION_LABELS, LayoutEngine
from ocula.adapters.ocr.base import OCREngine, reading_side
from ocula.pipelines.detect.layout import LayoutDetector
from ocula.pipelines.ocr.reading_order import sort_in_regions
from ocula.schemas import BBox, Detection, Line, OCRPage, PageTransform

INSIDE = 0.5  # share of a line's box inside a region for the line to belong to it


def inside(box: BBox, region: BBox) -> bool:
    """Whether at least `INSIDE` of `box` lies in `region`."""
    return box.intersection(region) >= INSIDE * max(box.area, 1e-6)


def check_labels(labels: Sequence[str]) -> tuple[str, ...]:
    """`labels` as region names; raises `ValueError` for a name the layout regions do not have."""
    out = tuple(label.strip().lower() for label in labels)
    unknown = [label for label in out if label not in REGION_LABELS]
    if unknown:
        raise ValueError(f"regions are {', '.join(REGION_LABELS)}; not {', '.join(map(repr, unknown))}")
    return out


def upright_boxes(lines: Sequence[Line], regions: Sequence[Detection], page: OCRPage) -> tuple[list, list]:
    """Lines and regions with their boxes as on the upright page (for ordering a page that lay turned)."""
    if not page.orientation:
        return list(lines), list(regions)
    turn = PageTransform.rotate90((page.width, page.height), (page.orientation // 90) % 4)
    return (
        [Line(text=ln.text, box=turn.to_input(ln.box)) for ln in lines],
        [r.model_copy(update={"box": turn.to_input(r.box)}) for r in regions],
    )


@dataclass
class RegionOCR:
    """An OCR engine whose pages carry their layout regions (see the module's note)."""

    engine: OCREngine
    exclude: tuple[str, ...] = ()
    layout: LayoutEngine | None = None

    def __post_init__(self) -> None:
        self.exclude = check_labels(self.exclude)

    @property
    def name(self) -> str:
        return self.engine.name

    @property
    def max_side(self) -> int | None:
        return reading_side(self.engine)

    def read(self, image: np.ndarray, page: int = 0) -> OCRPage:
        return add_regions(self.engine.read(image, page=page), image, self.exclude, self.layout)


def add_regions(
    result: OCRPage, image: np.ndarray, exclude: Sequence[str] = (), layout: LayoutEngine | None = None
) -> OCRPage:
    """`result` (an OCR reading of `image`) with the page's layout regions, without the lines inside regions of
    the `exclude` labels, its lines in the regions' reading order (see the module's note)."""
    detector = LayoutDetector(layout, rotate=result.orientation)
    regions = detector.detect_image(image, page=result.page).items
    dropped = [r.box for r in regions if r.label in exclude]
    lines = [ln for ln in result.lines if not any(inside(ln.box, box) for box in dropped)]
    kept = [r for r in regions if r.label not in exclude]
    turned_lines, turned_regions = upright_boxes(lines, kept, result)
    index = {id(t): i for i, t in enumerate(turned_lines)}
    ordered = [lines[index[id(t)]] for t in sort_in_regions(turned_lines, turned_regions)]
    return result.model_copy(update={"lines": ordered, "regions": regions})


def with_regions(engine: OCREngine, exclude: Sequence[str] = (), layout: LayoutEngine | None = None) -> RegionOCR:
    """`engine` wrapped so that each page carries its layout regions (see `RegionOCR`)."""
    return RegionOCR(engine, tuple(exclude), layout)


__all__ = ["INSIDE", "RegionOCR", "add_regions", "check_labels", "inside", "with_regions"]
