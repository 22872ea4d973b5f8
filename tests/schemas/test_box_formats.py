"""Box conventions: hand-checked conversions per family, corner order, clipping, transforms, round trips."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocula.schemas import BBox, PageTransform
from ocula.schemas.box_formats import (
    BOX_CONVENTIONS,
    FAMILY_BOX_CONVENTION,
    convention_for_family,
    from_page_box,
    qwen_smart_resize,
    to_page_box,
)

BRIEF_FAMILIES = [
    "qwen2_vl",
    "qwen2_5_vl",
    "qwen3_vl",
    "paligemma",
    "florence2",
    "kosmos-2",
    "gemini",
    "moondream",
    "idefics3",
    "llava",
    "llava_next",
    "smolvlm",
    "gemma3",
    "internvl",
    "mistral3",
    "mllama",
    "instructblip",
    "idefics",
]


def corners(box: BBox) -> tuple[float, ...]:
    return tuple(round(v, 6) for v in box.as_tuple())


def test_every_family_has_a_known_convention() -> None:
    for family in BRIEF_FAMILIES:
        assert FAMILY_BOX_CONVENTION[family] in BOX_CONVENTIONS
    assert FAMILY_BOX_CONVENTION["qwen2_5_vl"] == "pixels_resized_xyxy"
    assert FAMILY_BOX_CONVENTION["paligemma"] == "loc1024_yxyx"
    assert FAMILY_BOX_CONVENTION["gemini"] == "norm1000_yxyx"
    assert FAMILY_BOX_CONVENTION["llava"] == "norm1000_xyxy"
    with pytest.raises(ValueError, match="unknown model family"):
        convention_for_family("no_such_vlm")


@pytest.mark.parametrize(
    ("values", "convention", "size", "expected"),
    [
        # Qwen2-VL / Qwen3-VL: 0-1000, x first
        ([100, 200, 500, 1000], "norm1000_xyxy", (640, 480), (64, 96, 320, 480)),
        # PaliGemma <loc0256><loc0128><loc0768><loc0896>: y0 x0 y1 x1 out of 1024
        ([256, 128, 768, 896], "loc1024_yxyx", (1024, 512), (128, 128, 896, 384)),
        # Florence-2 <loc_0>..<loc_999>: bin centres
        ([0, 0, 999, 999], "loc1000_xyxy", (1000, 500), (0.5, 0.25, 999.5, 499.75)),
        ([52, 333, 932, 774], "loc1000_xyxy", (2000, 1000), (105, 333.5, 1865, 774.5)),
        # Kosmos-2 <patch_index_0044><patch_index_0863>: cell (row 1, col 12) to cell (row 26, col 31)
        ([44, 863], "patch32", (320, 640), (120, 20, 320, 540)),
        ([0, 0], "patch32", (320, 320), (0, 0, 10, 10)),
        # Gemini box_2d [ymin, xmin, ymax, xmax] / 1000
        ([100, 200, 300, 400], "norm1000_yxyx", (1000, 2000), (200, 200, 400, 600)),
        # Moondream 0-1 floats
        ([0.25, 0.5, 0.75, 1.0], "unit_xyxy", (800, 600), (200, 300, 600, 600)),
        # Molmo percent point -> zero-size box
        ([50.0, 25.0, 50.0, 25.0], "pct100_xyxy", (800, 400), (400, 100, 400, 100)),
        # plain pixels of the model input
        ([10, 20, 30, 40], "pixels_xyxy", (100, 100), (10, 20, 30, 40)),
    ],
)
def test_family_numbers_to_input_pixels(
    values: list[float], convention: str, size: tuple[int, int], expected: tuple[float, ...]
) -> None:
    box = to_page_box(values, convention, input_size=size)
    assert corners(box) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("good", "swapped", "convention"),
    [
        ([100, 200, 500, 600], [500, 600, 100, 200], "norm1000_xyxy"),
        ([100, 200, 500, 600], [100, 600, 500, 200], "norm1000_xyxy"),  # only y swapped
        ([256, 128, 768, 896], [768, 896, 256, 128], "loc1024_yxyx"),
        ([100, 200, 300, 400], [300, 400, 100, 200], "norm1000_yxyx"),
        ([52, 333, 932, 774], [932, 774, 52, 333], "loc1000_xyxy"),
        ([0.1, 0.2, 0.3, 0.4], [0.3, 0.4, 0.1, 0.2], "unit_xyxy"),
        ([44, 863], [863, 44], "patch32"),
        # top-right patch as "upper-left", bottom-left as "lower-right": same cells as the ordered pair
        ([31 * 32 + 0, 0 * 32 + 31], [0 * 32 + 31, 31 * 32 + 0], "patch32"),
    ],
)
def test_swapped_corners_give_the_ordered_box(good: list[float], swapped: list[float], convention: str) -> None:
    a = to_page_box(good, convention, input_size=(640, 480))
    b = to_page_box(swapped, convention, input_size=(640, 480))
    assert a == b
    assert a.x1 > a.x0 and a.y1 > a.y0


def test_patch_pair_in_opposite_corners_spans_the_whole_grid() -> None:
    box = to_page_box([31, 31 * 32], "patch32", input_size=(640, 480))
    assert corners(box) == (0, 0, 640, 480)


@pytest.mark.parametrize(
    ("values", "convention", "expected"),
    [
        ([-20, 50, 1100, 990], "norm1000_xyxy", (0, 25, 500, 495)),
        ([950, -5, 1200, 1010], "norm1000_yxyx", (0, 475, 500, 500)),
        ([-3, -3, 0.5, 1.7], "unit_xyxy", (0, 0, 250, 500)),
        ([10, 20, 900, 700], "pixels_xyxy", (10, 20, 500, 500)),
        ([0, 2000], "patch32", (0, 0, 500, 500)),  # index past the grid's last patch
    ],
)
def test_out_of_range_values_are_clipped_to_the_input(
    values: list[float], convention: str, expected: tuple[float, ...]
) -> None:
    box = to_page_box(values, convention, input_size=(500, 500))
    assert corners(box) == pytest.approx(expected)


def test_box_entirely_outside_collapses_to_the_edge() -> None:
    box = to_page_box([1100, 1200, 1300, 1400], "norm1000_xyxy", input_size=(100, 100))
    assert box.area == 0 and box.x0 == 100 and box.y1 == 100


@pytest.mark.parametrize(
    ("values", "convention"),
    [
        ([1, 2, 3], "norm1000_xyxy"),
        ([1, 2, 3, 4, 5], "loc1024_yxyx"),
        ([44, 863, 900], "patch32"),
        ([1, math.nan, 3, 4], "unit_xyxy"),
        ([1, 2, math.inf, 4], "pixels_xyxy"),
    ],
)
def test_wrong_arity_or_non_finite_raise(values: list[float], convention: str) -> None:
    with pytest.raises(ValueError):
        to_page_box(values, convention, input_size=(100, 100))


def test_unknown_convention_raises() -> None:
    with pytest.raises(ValueError, match="unknown box convention"):
        to_page_box([1, 2, 3, 4], "norm999", input_size=(100, 100))


def test_qwen_smart_resize_matches_the_processor_rule() -> None:
    assert qwen_smart_resize(640, 480) == (644, 476)  # round(640/28)*28, round(480/28)*28
    w, h = qwen_smart_resize(4000, 3000)
    assert w % 28 == 0 and h % 28 == 0 and w * h <= 28 * 28 * 1280
    assert w / h == pytest.approx(4 / 3, rel=0.05)
    w, h = qwen_smart_resize(20, 20)  # below min_pixels: scaled up
    assert w * h >= 56 * 56
    assert qwen_smart_resize(640, 480, factor=32) == (640, 480)


def test_qwen2_5_boxes_are_pixels_of_the_resized_image() -> None:
    # the model saw a 640x480 input, which its processor resized to 644x476
    resized = qwen_smart_resize(640, 480)
    box = to_page_box([322, 238, 644, 476], "pixels_resized_xyxy", input_size=(640, 480), resized_size=resized)
    assert corners(box) == pytest.approx((320, 240, 640, 480))
    # without a resized size the numbers are read as pixels of the input itself
    same = to_page_box([322, 238, 644, 476], "pixels_resized_xyxy", input_size=(640, 480))
    assert corners(same) == pytest.approx((322, 238, 640, 476))


def test_transform_maps_back_to_the_original_page() -> None:
    page = (2000, 1000)
    t = PageTransform.resize(page, (1000, 500))
    box = to_page_box([100, 200, 500, 600], "norm1000_xyxy", input_size=(1000, 500), transform=t, page=3)
    assert corners(box) == pytest.approx((200, 200, 1000, 600))
    assert box.page == 3


def test_transform_through_crop_and_rotation() -> None:
    # page 400x300 cropped to its right half (200x300), then turned a quarter counter-clockwise (300x200)
    t = PageTransform.crop((400, 300), 200, 0, 400, 300).then(PageTransform.rotate90((200, 300), 1))
    assert t.dst_size == (300, 200)
    # Gemini box over the whole rotated image -> the whole cropped half of the page
    box = to_page_box([0, 0, 1000, 1000], "norm1000_yxyx", input_size=(300, 200), transform=t)
    assert corners(box) == pytest.approx((200, 0, 400, 300))


# ---------------------------------------------------------------------------------- round trips
def _bin_px(
    convention: str, page: tuple[int, int], input_size: tuple[int, int], resized: tuple[int, int]
) -> tuple[float, float]:
    """One quantisation step of `convention`, in page pixels."""
    conv = BOX_CONVENTIONS[convention]
    if conv.grid:
        frame = (conv.grid, conv.grid)
    elif conv.scale is not None:
        frame = (conv.scale, conv.scale) if conv.integer else (1e9, 1e9)
    elif conv.pixels_of == "resized":
        frame = resized
    else:
        frame = input_size
    return (page[0] / frame[0], page[1] / frame[1])


sizes = st.integers(min_value=32, max_value=3000)


@st.composite
def page_box_cases(draw: st.DrawFn) -> tuple[tuple[int, int], tuple[int, int], BBox]:
    pw, ph = draw(sizes), draw(sizes)
    iw, ih = draw(st.integers(16, 2000)), draw(st.integers(16, 2000))
    fx = sorted(draw(st.floats(0, 1)) for _ in range(2))
    fy = sorted(draw(st.floats(0, 1)) for _ in range(2))
    box = BBox(x0=fx[0] * pw, y0=fy[0] * ph, x1=fx[1] * pw, y1=fy[1] * ph)
    return (pw, ph), (iw, ih), box


@pytest.mark.parametrize("convention", sorted(BOX_CONVENTIONS))
@settings(max_examples=150, deadline=None)
@given(case=page_box_cases())
def test_page_box_round_trips_within_one_bin(
    convention: str, case: tuple[tuple[int, int], tuple[int, int], BBox]
) -> None:
    page, input_size, box = case
    t = PageTransform.resize(page, input_size)
    resized = qwen_smart_resize(*input_size)
    values = from_page_box(box, convention, input_size, t, resized_size=resized)
    back = to_page_box(values, convention, input_size=input_size, transform=t, resized_size=resized)
    bx, by = _bin_px(convention, page, input_size, resized)
    tol = 1e-6
    assert abs(back.x0 - box.x0) <= bx + tol and abs(back.x1 - box.x1) <= bx + tol
    assert abs(back.y0 - box.y0) <= by + tol and abs(back.y1 - box.y1) <= by + tol


@st.composite
def native_values(draw: st.DrawFn, convention: str) -> list[float]:
    conv = BOX_CONVENTIONS[convention]
    if conv.grid:
        g = conv.grid
        r = sorted(draw(st.integers(0, g - 1)) for _ in range(2))
        c = sorted(draw(st.integers(0, g - 1)) for _ in range(2))
        return [float(r[0] * g + c[0]), float(r[1] * g + c[1])]
    top = conv.max_bin if conv.max_bin is not None else int(conv.scale or 0)
    a = sorted(draw(st.integers(0, top)) for _ in range(2))
    b = sorted(draw(st.integers(0, top)) for _ in range(2))
    return [float(a[0]), float(b[0]), float(a[1]), float(b[1])]


@pytest.mark.parametrize("convention", ["norm1000_xyxy", "norm1000_yxyx", "loc1024_yxyx", "loc1000_xyxy", "patch32"])
@settings(max_examples=150, deadline=None)
@given(data=st.data(), page=st.tuples(sizes, sizes), input_size=st.tuples(sizes, sizes))
def test_native_bins_survive_a_round_trip_exactly(
    convention: str, data: st.DataObject, page: tuple[int, int], input_size: tuple[int, int]
) -> None:
    values = data.draw(native_values(convention))
    t = PageTransform.resize(page, input_size)
    box = to_page_box(values, convention, input_size=input_size, transform=t)
    assert from_page_box(box, convention, input_size, t) == values


def test_from_page_box_emits_family_order_and_bins() -> None:
    box = BBox(x0=128, y0=128, x1=896, y1=384)
    assert from_page_box(box, "loc1024_yxyx", (1024, 512)) == [256, 128, 768, 896]
    assert from_page_box(box, "norm1000_yxyx", (1024, 512)) == [250, 125, 750, 875]
    # a box edge on the image border lands in the last bin, not one past it
    full = BBox(x0=0, y0=0, x1=1000, y1=500)
    assert from_page_box(full, "loc1000_xyxy", (1000, 500)) == [0, 0, 999, 999]
    assert from_page_box(full, "loc1024_yxyx", (1000, 500)) == [0, 0, 1023, 1023]
    assert from_page_box(full, "patch32", (1000, 500)) == [0, 1023]
