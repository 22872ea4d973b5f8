"""Upright pages for OCR: each page's orientation found (or given), the page turned upright, boxes mapped back.

`orientation` is how a page lies: `0`, `90`, `180` or `270` degrees turned clockwise from upright (its text runs
top to bottom at 90, upside down at 180), or `"auto"` to classify each page with the bundled orientation model.
The page is turned that many degrees counter-clockwise before OCR (as `detect(rotate=...)` turns it), and every
box, quad and word of the result is mapped back through the same `PageTransform`, so results are always in the
original page's pixels; `OCRPage.orientation` records the angle used.

Under `"auto"` a verdict the classifier gives with `sure` probability or more is taken as it is (the classifier,
a few milliseconds, is then the only cost). An unsure verdict is checked with the OCR's own confidence: the page
is also read at the next candidate (as it lies when the classifier said it is turned, else the classifier's second
choice), and that reading replaces the classifier's only when it holds more than `1 + margin` times its
confidently read characters. The check guards against gross errors (a photo or a label the classifier cannot
place, where one reading is far better), not fine ones: RapidOCR reads sideways and upside-down lines fairly well
by itself (it turns tall line crops and flips upside-down ones), so on document pages the reading of a wrong
orientation is often within 10 % of the right one, and there the classifier decides (benchmarks/README.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ocula.adapters.ocr.base import OCREngine, reading_side
from ocula.adapters.orientation import ANGLES, OrientationClassifier, PageOrientation, RapidOrientationClassifier
from ocula.pipelines.ocr.mapping import to_original
from ocula.pipelines.ocr.reading_order import sort_lines
from ocula.schemas import BBox, FieldResult, Line, OCRPage, PageTransform

Orientation = Literal["auto", 0, 90, 180, 270]

_CLASSIFIERS: dict[str, OrientationClassifier] = {}


def parse_orientation(value: str | int | None) -> str | int:
    """`"auto"` or an angle among 0, 90, 180, 270 (strings such as `"90"` accepted); None means 0."""
    if value is None:
        return 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "auto":
            return "auto"
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"orientation must be 'auto', 0, 90, 180 or 270, got {value!r}") from None
    if isinstance(value, bool) or value % 360 not in ANGLES:
        raise ValueError(f"orientation must be 'auto', 0, 90, 180 or 270, got {value!r}")
    return int(value) % 360


def default_classifier() -> OrientationClassifier:
    """The bundled orientation classifier, loaded once per process."""
    if "rapid" not in _CLASSIFIERS:
        _CLASSIFIERS["rapid"] = RapidOrientationClassifier()
    return _CLASSIFIERS["rapid"]


def upright(image: np.ndarray, angle: int) -> tuple[np.ndarray, PageTransform]:
    """The page turned `angle` degrees counter-clockwise (upright if it lay `angle` turned clockwise), and the
    transform from the original page's pixels to the turned image's."""
    height, width = image.shape[:2]
    turns = (angle // 90) % 4
    transform = PageTransform.rotate90((width, height), turns)
    return (np.ascontiguousarray(np.rot90(image, turns)) if turns else image), transform


def _line_to_input(line: Line, transform: PageTransform) -> Line:
    polygon = _points_to_input(line.polygon, transform)
    a, b, _, d, e, _ = transform.matrix
    askew = abs(a * b) > 1e-12 or abs(d * e) > 1e-12  # not by quarter turns: a turned box grows, its quad does not
    box = BBox.from_polygon(polygon).clip(*transform.dst_size) if polygon and askew else transform.to_input(line.box)
    return line.model_copy(
        update={
            "box": box.with_page(line.box.page),
            "polygon": polygon,
            "words": [
                w.model_copy(update={"box": transform.to_input(w.box).with_page(w.box.page)}) for w in line.words
            ],
        }
    )


def upright_transform(size: tuple[int, int], angle: int, skew: float = 0.0) -> PageTransform:
    """From the pixels of a `size` page lying `angle` degrees turned (and its lines `skew` degrees askew once
    upright, `OCRPage.skew`) to the upright, straightened page's."""
    transform = PageTransform.rotate90(size, (angle // 90) % 4)
    return transform.then(PageTransform.rotate(transform.dst_size, -skew)) if skew else transform


def as_upright(page: OCRPage) -> tuple[OCRPage, PageTransform]:
    """A reading of a page that lay turned (`page.orientation`) or askew (`page.skew`) with its boxes as on the
    upright, straight page, and the transform from the page's pixels to that page's (`to_page` maps a box back)."""
    transform = upright_transform((page.width, page.height), page.orientation, page.skew)
    if not page.orientation and not page.skew:
        return page, transform
    width, height = transform.dst_size
    update = {
        "lines": [_line_to_input(line, transform) for line in page.lines],
        "regions": [
            r.model_copy(update={"box": transform.to_input(r.box).with_page(r.box.page)}) for r in page.regions
        ],
        "width": int(width),
        "height": int(height),
        "orientation": 0,
        "skew": 0.0,
    }
    return page.model_copy(update=update), transform


def fields_to_page(fields: dict[str, FieldResult], transforms: dict[int, PageTransform]) -> dict[str, FieldResult]:
    """Field results whose boxes are on upright pages, with every box mapped back to its page's own pixels."""
    out = {}
    for path, result in fields.items():
        box = result.box
        if box is not None and box.page in transforms:
            result = result.model_copy(update={"box": transforms[box.page].to_page(box).with_page(box.page)})
        out[path] = result
    return out


def reading_order(lines: Sequence[Line], angle: int, size: tuple[int, int], skew: float = 0.0) -> list[Line]:
    """`sort_lines` as the upright page reads: lines (in the pixels of a `size` page lying `angle` degrees
    turned, and `skew` degrees askew) are ordered on their upright, straight positions and returned unchanged."""
    if angle % 360 == 0 and not skew:
        return sort_lines(lines)
    transform = upright_transform(size, angle, skew)
    turned = [_line_to_input(Line(text=ln.text, box=ln.box, polygon=ln.polygon), transform) for ln in lines]
    index = {id(t): i for i, t in enumerate(turned)}
    return [lines[index[id(t)]] for t in sort_lines(turned)]


def _points_to_input(points: Sequence[tuple[float, float]] | None, transform: PageTransform) -> Any:
    return [transform.map_point(x, y) for x, y in points] if points else None


def read_score(result: OCRPage) -> float:
    """How much text an OCR reading holds, weighted by how sure the engine was: sum of confidence x characters."""
    return sum(
        (line.confidence if line.confidence is not None else 0.5) * len(line.text.strip()) for line in result.lines
    )


@dataclass
class UprightOCR:
    """An OCR engine that reads each page upright and answers in the original page's pixels.

    `orientation` is `"auto"` (classify each page; see the module's note) or a fixed angle. `sure`: the
    classifier's probability from which its verdict is taken without a check. `margin`: how much more (as a
    share) the other reading's score must be than the classifier's for an unsure verdict to be overruled.
    """

    engine: OCREngine
    orientation: str | int = "auto"
    classifier: OrientationClassifier | None = None
    sure: float = 0.8
    margin: float = 0.15

    def __post_init__(self) -> None:
        self.orientation = parse_orientation(self.orientation)

    @property
    def name(self) -> str:
        return self.engine.name

    @property
    def max_side(self) -> int | None:
        return reading_side(self.engine)

    def read_turned(self, image: np.ndarray, angle: int, page: int = 0) -> OCRPage:
        """The page read turned upright from `angle`, in the original page's pixels."""
        pixels, transform = upright(image, angle)
        return to_original(self.engine.read(pixels, page=page), transform, angle)

    def read(self, image: np.ndarray, page: int = 0) -> OCRPage:
        if self.orientation != "auto":
            return self.read_turned(image, int(self.orientation), page)
        verdict = self.classify(image)
        if verdict.confidence >= self.sure:
            return self.read_turned(image, verdict.angle, page)
        other = 0 if verdict.angle else next(a for a in verdict.ranked() if a != 0)
        chosen = self.read_turned(image, verdict.angle, page)
        alternative = self.read_turned(image, other, page)
        return alternative if read_score(alternative) > (1 + self.margin) * read_score(chosen) else chosen

    def classify(self, image: np.ndarray) -> PageOrientation:
        """The classifier's verdict on one page (the bundled classifier unless another was given)."""
        return (self.classifier or default_classifier()).classify(image)


def with_orientation(
    engine: OCREngine, orientation: str | int | None, deskew: bool = False, **options: Any
) -> OCREngine:
    """`engine` itself for orientation 0 (or None), otherwise `engine` wrapped to read pages upright; with
    `deskew`, each upright page lying askew is read straightened (`ocula.pipelines.ocr.deskew`)."""
    from ocula.pipelines.ocr.deskew import with_deskew

    engine = with_deskew(engine, deskew)
    value = parse_orientation(orientation)
    if value == 0:
        return engine
    return UprightOCR(engine, value, **options)


__all__ = [
    "Orientation",
    "UprightOCR",
    "as_upright",
    "default_classifier",
    "fields_to_page",
    "parse_orientation",
    "read_score",
    "reading_order",
    "to_original",
    "upright",
    "upright_transform",
    "with_orientation",
]
