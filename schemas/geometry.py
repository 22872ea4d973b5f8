"""Boxes in absolute pixels of the original page, and exact transforms between a page and a model input."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict, model_validator

Point = tuple[float, float]


class BBox(BaseModel):
    """Axis-aligned box `x0 y0 x1 y1` in pixels of the original page `page` (0-based)."""

    model_config = ConfigDict(frozen=True)

    x0: float
    y0: float
    x1: float
    y1: float
    page: int = 0

    @model_validator(mode="after")
    def _ordered(self) -> BBox:
        if self.x1 < self.x0 or self.y1 < self.y0:
            raise ValueError(f"box corners out of order: {self.as_tuple()}")
        return self

    # construction -----------------------------------------------------------------------------
    @classmethod
    def from_corners(cls, x0: float, y0: float, x1: float, y1: float, page: int = 0) -> BBox:
        """Any two opposite corners, in any order (models sometimes emit them swapped)."""
        return cls(x0=min(x0, x1), y0=min(y0, y1), x1=max(x0, x1), y1=max(y0, y1), page=page)

    @classmethod
    def from_xywh(cls, x: float, y: float, w: float, h: float, page: int = 0) -> BBox:
        return cls.from_corners(x, y, x + w, y + h, page)

    @classmethod
    def from_polygon(cls, points: Iterable[Sequence[float]], page: int = 0) -> BBox:
        """The tightest axis-aligned box around a quad or polygon."""
        pts = [(float(p[0]), float(p[1])) for p in points]
        if not pts:
            raise ValueError("empty polygon")
        xs, ys = zip(*pts, strict=True)
        return cls(x0=min(xs), y0=min(ys), x1=max(xs), y1=max(ys), page=page)

    from_quad = from_polygon

    # measures ---------------------------------------------------------------------------------
    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def area(self) -> float:
        return self.width * self.height

    @property
    def center(self) -> Point:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)

    def as_int(self) -> tuple[int, int, int, int]:
        """Integer pixel corners that contain the box (for drawing and cropping)."""
        return (math.floor(self.x0), math.floor(self.y0), math.ceil(self.x1), math.ceil(self.y1))

    def intersection(self, other: BBox) -> float:
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return max(0.0, w) * max(0.0, h)

    def iou(self, other: BBox) -> float:
        inter = self.intersection(other)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    # derived boxes ----------------------------------------------------------------------------
    def clip(self, width: float, height: float) -> BBox:
        """Clip to a `width` x `height` page."""
        x0 = min(max(self.x0, 0.0), width)
        y0 = min(max(self.y0, 0.0), height)
        x1 = min(max(self.x1, 0.0), width)
        y1 = min(max(self.y1, 0.0), height)
        return BBox(x0=x0, y0=y0, x1=x1, y1=y1, page=self.page)

    def union(self, other: BBox) -> BBox:
        return BBox(
            x0=min(self.x0, other.x0),
            y0=min(self.y0, other.y0),
            x1=max(self.x1, other.x1),
            y1=max(self.y1, other.y1),
            page=self.page,
        )

    def scale(self, sx: float, sy: float | None = None) -> BBox:
        sy = sx if sy is None else sy
        return BBox(x0=self.x0 * sx, y0=self.y0 * sy, x1=self.x1 * sx, y1=self.y1 * sy, page=self.page)

    def with_page(self, page: int) -> BBox:
        return self.model_copy(update={"page": page})


def union_all(boxes: Iterable[BBox]) -> BBox:
    """The box around all `boxes` (raises on an empty iterable)."""
    it = iter(boxes)
    try:
        out = next(it)
    except StopIteration:
        raise ValueError("union of no boxes") from None
    for b in it:
        out = out.union(b)
    return out


Matrix = tuple[float, float, float, float, float, float]  # a b c d e f: x' = a x + b y + c; y' = d x + e y + f
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


def _compose(second: Matrix, first: Matrix) -> Matrix:
    a2, b2, c2, d2, e2, f2 = second
    a1, b1, c1, d1, e1, f1 = first
    return (
        a2 * a1 + b2 * d1,
        a2 * b1 + b2 * e1,
        a2 * c1 + b2 * f1 + c2,
        d2 * a1 + e2 * d1,
        d2 * b1 + e2 * e1,
        d2 * c1 + e2 * f1 + f2,
    )


class PageTransform(BaseModel):
    """An affine map from original-page pixels to the pixels of a derived image (resized, rotated, cropped).

    Transforms compose with `then`; `to_input` maps a page box into the derived image, `to_page` maps a box
    found in the derived image back to the original page, exactly (axis-aligned ops keep boxes axis-aligned).
    """

    model_config = ConfigDict(frozen=True)

    matrix: Matrix = _IDENTITY
    src_size: tuple[int, int]  # (width, height) of the original page
    dst_size: tuple[int, int]  # (width, height) of the derived image

    @classmethod
    def identity(cls, size: tuple[int, int]) -> PageTransform:
        return cls(src_size=size, dst_size=size)

    @classmethod
    def resize(cls, src: tuple[int, int], dst: tuple[int, int]) -> PageTransform:
        sx, sy = dst[0] / src[0], dst[1] / src[1]
        return cls(matrix=(sx, 0.0, 0.0, 0.0, sy, 0.0), src_size=src, dst_size=dst)

    @classmethod
    def crop(cls, src: tuple[int, int], x0: int, y0: int, x1: int, y1: int) -> PageTransform:
        return cls(matrix=(1.0, 0.0, -x0, 0.0, 1.0, -y0), src_size=src, dst_size=(x1 - x0, y1 - y0))

    @classmethod
    def rotate90(cls, src: tuple[int, int], quarter_turns: int) -> PageTransform:
        """Counter-clockwise rotation by `quarter_turns` x 90 degrees, as `np.rot90` does to an image."""
        w, h = src
        k = quarter_turns % 4
        if k == 0:
            return cls.identity(src)
        if k == 1:  # (x, y) -> (y, w - x)
            return cls(matrix=(0.0, 1.0, 0.0, -1.0, 0.0, float(w)), src_size=src, dst_size=(h, w))
        if k == 2:  # (x, y) -> (w - x, h - y)
            return cls(matrix=(-1.0, 0.0, float(w), 0.0, -1.0, float(h)), src_size=src, dst_size=(w, h))
        return cls(matrix=(0.0, -1.0, float(h), 1.0, 0.0, 0.0), src_size=src, dst_size=(h, w))

    @classmethod
    def rotate(cls, src: tuple[int, int], degrees: float) -> PageTransform:
        """Counter-clockwise rotation by any angle about the page's centre, as `cv2.getRotationMatrix2D` turns an
        image, onto a canvas grown to hold the whole turned page (`cv2.warpAffine` with this `matrix` and
        `dst_size` draws it). A box found on the turned image maps back (`to_page`) to the box around its
        turned corners, clipped to the page."""
        w, h = src
        if degrees % 360 == 0:
            return cls.identity(src)
        t = math.radians(degrees)
        cos, sin = math.cos(t), math.sin(t)
        out_w = math.ceil(w * abs(cos) + h * abs(sin) - 1e-6)
        out_h = math.ceil(h * abs(cos) + w * abs(sin) - 1e-6)
        cx, cy = w / 2, h / 2
        matrix = (cos, sin, out_w / 2 - (cos * cx + sin * cy), -sin, cos, out_h / 2 - (cos * cy - sin * cx))
        return cls(matrix=matrix, src_size=src, dst_size=(out_w, out_h))

    def then(self, other: PageTransform) -> PageTransform:
        """This transform followed by `other` (whose source is this one's destination)."""
        return PageTransform(
            matrix=_compose(other.matrix, self.matrix), src_size=self.src_size, dst_size=other.dst_size
        )

    def inverse_matrix(self) -> Matrix:
        a, b, c, d, e, f = self.matrix
        det = a * e - b * d
        if det == 0:
            raise ValueError("transform is not invertible")
        ia, ib, id_, ie = e / det, -b / det, -d / det, a / det
        return (ia, ib, -(ia * c + ib * f), id_, ie, -(id_ * c + ie * f))

    def map_point(self, x: float, y: float, inverse: bool = False) -> Point:
        a, b, c, d, e, f = self.inverse_matrix() if inverse else self.matrix
        return (a * x + b * y + c, d * x + e * y + f)

    def _map_box(self, box: BBox, inverse: bool) -> BBox:
        corners = [
            self.map_point(x, y, inverse)
            for x, y in ((box.x0, box.y0), (box.x1, box.y0), (box.x0, box.y1), (box.x1, box.y1))
        ]
        return BBox.from_polygon(corners, page=box.page)

    def to_input(self, box: BBox) -> BBox:
        """Original-page box -> derived-image box."""
        return self._map_box(box, inverse=False)

    def to_page(self, box: BBox, clip: bool = True) -> BBox:
        """Derived-image box -> original-page box, clipped to the page unless `clip=False`."""
        out = self._map_box(box, inverse=True)
        return out.clip(*self.src_size) if clip else out

    def points_to_page(self, points: Iterable[Sequence[float]]) -> list[Point]:
        return [self.map_point(float(p[0]), float(p[1]), inverse=True) for p in points]
