"""Box conventions of model families, and the one pure conversion from each to original-page pixels.

A convention says how four numbers (or two patch indices) a model emits locate a box in the image the
model saw. `to_page_box` turns them into `BBox` pixels of that image (fixing corner order, clipping), then
maps them back to the original page with the preprocessing `PageTransform`. `from_page_box` is the
inverse, used to write boxes into prompts and few-shot examples, and to test the round trip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ocula.schemas.families import FAMILY_RECORDS, Family, family_record
from ocula.schemas.geometry import BBox, PageTransform

Size = tuple[int, int]  # (width, height)


@dataclass(frozen=True)
class BoxConvention:
    """How a family's numbers locate a box in the image the model saw.

    `scale`: the numbers are out of `scale` (1000, 1024 bins, 1.0, 100); `None` means pixels.
    `y_first`: the numbers come as `y0 x0 y1 x1`.
    `offset`: added to a quantised bin before scaling (0.5: the bin's centre, as Florence-2 dequantises).
    `max_bin`: the largest bin a quantiser emits (used by `from_page_box`; `None`: unquantised).
    `grid`: the numbers are two patch indices on a `grid` x `grid` raster (top-left, bottom-right patch).
    `pixels_of`: for pixel conventions, whether they refer to the image handed to the model ("input")
    or to the image after the processor's own resize ("resized", Qwen2.5-VL's smart_resize).
    """

    name: str
    scale: float | None = None
    y_first: bool = False
    offset: float = 0.0
    max_bin: int | None = None
    integer: bool = True
    grid: int | None = None
    pixels_of: Literal["input", "resized"] = "input"
    note: str = ""

    @property
    def arity(self) -> int:
        return 2 if self.grid else 4


BOX_CONVENTIONS: dict[str, BoxConvention] = {
    c.name: c
    for c in (
        BoxConvention("norm1000_xyxy", scale=1000, note="Qwen2-VL, Qwen3-VL, InternVL; Ocula's own prompt"),
        BoxConvention(
            "pixels_resized_xyxy",
            pixels_of="resized",
            note="Qwen2.5-VL: absolute pixels of the processor-resized (smart_resize) image",
        ),
        BoxConvention("loc1024_yxyx", scale=1024, y_first=True, max_bin=1023, note="PaliGemma <locNNNN>, 1024 bins"),
        BoxConvention("loc1000_xyxy", scale=1000, offset=0.5, max_bin=999, note="Florence-2 <loc_N>, bin centres"),
        BoxConvention("patch32", grid=32, note="Kosmos-2 <patch_index_N> pairs, patch cell extents"),
        BoxConvention("norm1000_yxyx", scale=1000, y_first=True, note="Gemini box_2d"),
        BoxConvention("unit_xyxy", scale=1.0, integer=False, note="Moondream 0-1 floats"),
        BoxConvention("pct100_xyxy", scale=100, integer=False, note="Molmo points, percent of the image"),
        BoxConvention("pixels_xyxy", note="plain pixels of the model input image"),
    )
}

# Each family's convention, from its record (`families.FAMILY_RECORDS`).
FAMILY_BOX_CONVENTION: dict[Family, str] = {family: r.box_convention for family, r in FAMILY_RECORDS.items()}


def get_convention(convention: str | BoxConvention) -> BoxConvention:
    if isinstance(convention, BoxConvention):
        return convention
    try:
        return BOX_CONVENTIONS[convention]
    except KeyError:
        raise ValueError(f"unknown box convention {convention!r}; known: {sorted(BOX_CONVENTIONS)}") from None


def convention_for_family(family: Family | str | None) -> BoxConvention:
    """The box convention of a family (None: a family no record describes); `ValueError` for an unknown name."""
    return BOX_CONVENTIONS[family_record(family).box_convention]


def qwen_smart_resize(
    width: int,
    height: int,
    *,
    factor: int = 28,
    min_pixels: int = 56 * 56,
    max_pixels: int = 28 * 28 * 1280,
) -> Size:
    """(width, height) the Qwen2-VL/2.5-VL processor resizes an image to (multiples of `factor`).

    Qwen2.5-VL boxes are pixels of this size; defaults are the transformers image processor's.
    Qwen3-VL uses `factor=32`.
    """
    if min(width, height) <= 0:
        raise ValueError(f"image size must be positive, got {(width, height)}")
    h_bar = max(factor, round(height / factor) * factor)
    w_bar = max(factor, round(width / factor) * factor)
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return (w_bar, h_bar)


def _frame(conv: BoxConvention, input_size: Size, resized_size: Size | None) -> tuple[float, float]:
    """Width and height of the frame the numbers are measured in (`scale` units or reference pixels)."""
    if conv.scale is not None:
        return (conv.scale, conv.scale)
    if conv.pixels_of == "resized" and resized_size is not None:
        return (float(resized_size[0]), float(resized_size[1]))
    return (float(input_size[0]), float(input_size[1]))


def _patches_to_unit(values: Sequence[float], grid: int) -> tuple[float, float, float, float]:
    """Two patch indices -> the extents of the patch cells they span, as 0-1 fractions."""
    last = grid * grid - 1
    a, b = (min(max(int(v), 0), last) for v in values)
    cols = sorted((a % grid, b % grid))
    rows = sorted((a // grid, b // grid))
    return (cols[0] / grid, rows[0] / grid, (cols[1] + 1) / grid, (rows[1] + 1) / grid)


def to_input_box(
    values: Sequence[float],
    convention: str | BoxConvention,
    *,
    input_size: Size,
    resized_size: Size | None = None,
    page: int = 0,
) -> BBox:
    """The family's numbers -> a clipped, ordered box in pixels of the model input image."""
    conv = get_convention(convention)
    if len(values) != conv.arity:
        raise ValueError(f"{conv.name} needs {conv.arity} numbers, got {len(values)}")
    nums = [float(v) for v in values]
    if not all(math.isfinite(v) for v in nums):
        raise ValueError(f"non-finite box values: {list(values)}")
    w, h = input_size
    if conv.grid:
        ux0, uy0, ux1, uy1 = _patches_to_unit(nums, conv.grid)
        box = BBox.from_corners(ux0 * w, uy0 * h, ux1 * w, uy1 * h, page=page)
        return box.clip(w, h)
    a, b, c, d = (v + conv.offset for v in nums)
    x0, y0, x1, y1 = (b, a, d, c) if conv.y_first else (a, b, c, d)
    fw, fh = _frame(conv, input_size, resized_size)
    sx, sy = w / fw, h / fh
    return BBox.from_corners(x0 * sx, y0 * sy, x1 * sx, y1 * sy, page=page).clip(w, h)


def to_page_box(
    values: Sequence[float],
    convention: str | BoxConvention,
    *,
    input_size: Size,
    transform: PageTransform | None = None,
    page: int = 0,
    resized_size: Size | None = None,
) -> BBox:
    """A family's box numbers -> `BBox` in pixels of the original page.

    `input_size` is (w, h) of the image the model saw; `resized_size` is the processor's own resize for
    "pixels_resized_xyxy" (Qwen2.5-VL; see `qwen_smart_resize`; when omitted, `input_size` is taken to be
    already the resized image). Corners in the wrong order are swapped and the box is clipped to the image,
    then mapped through `transform.to_page` when a transform is given. Raises `ValueError` on a wrong count
    or non-finite numbers.
    """
    box = to_input_box(values, convention, input_size=input_size, resized_size=resized_size, page=page)
    return transform.to_page(box) if transform is not None else box


def from_page_box(
    box: BBox,
    convention: str | BoxConvention,
    input_size: Size,
    transform: PageTransform | None = None,
    *,
    resized_size: Size | None = None,
) -> list[float]:
    """The inverse of `to_page_box`: an original-page box -> the numbers the family would emit.

    Quantised conventions return whole bins (as floats); a round trip is exact to within one bin.
    """
    conv = get_convention(convention)
    inp = transform.to_input(box) if transform is not None else box
    w, h = input_size
    inp = inp.clip(w, h)
    if conv.grid:
        g, eps = conv.grid, 1e-9  # eps: a corner on a cell edge stays on its side despite float error
        c0 = min(math.floor(inp.x0 / w * g + eps), g - 1)
        r0 = min(math.floor(inp.y0 / h * g + eps), g - 1)
        c1 = max(c0, min(math.ceil(inp.x1 / w * g - eps) - 1, g - 1))
        r1 = max(r0, min(math.ceil(inp.y1 / h * g - eps) - 1, g - 1))
        return [float(r0 * g + c0), float(r1 * g + c1)]
    fw, fh = _frame(conv, input_size, resized_size)
    xs = [inp.x0 * fw / w, inp.x1 * fw / w]
    ys = [inp.y0 * fh / h, inp.y1 * fh / h]
    out = [xs[0], ys[0], xs[1], ys[1]]
    if conv.max_bin is not None:  # a quantiser: floor into bins (centres via `offset` when decoding)
        out = [float(min(max(math.floor(v + 0.5 - conv.offset), 0), conv.max_bin)) for v in out]
    elif conv.integer:
        out = [float(round(v)) for v in out]
    return [out[1], out[0], out[3], out[2]] if conv.y_first else out
