import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocula.schemas import BBox, PageTransform, union_all

sizes = st.tuples(st.integers(10, 4000), st.integers(10, 4000))


@st.composite
def page_and_box(draw):
    w, h = draw(sizes)
    x0 = draw(st.floats(0, w - 1))
    y0 = draw(st.floats(0, h - 1))
    x1 = draw(st.floats(x0, w))
    y1 = draw(st.floats(y0, h))
    return (w, h), BBox(x0=x0, y0=y0, x1=x1, y1=y1, page=draw(st.integers(0, 5)))


def close(a: BBox, b: BBox, tol: float = 1e-6) -> bool:
    return all(abs(p - q) <= tol * max(1.0, abs(p)) for p, q in zip(a.as_tuple(), b.as_tuple(), strict=True))


def test_measures_and_iou():
    a = BBox(x0=0, y0=0, x1=10, y1=10)
    b = BBox(x0=5, y0=5, x1=15, y1=15)
    assert a.area == 100 and a.width == 10 and a.center == (5, 5)
    assert a.intersection(b) == 25
    assert a.iou(b) == pytest.approx(25 / 175)
    assert a.iou(a) == 1.0
    assert a.iou(BBox(x0=20, y0=20, x1=30, y1=30)) == 0.0


def test_corner_order_clip_union_scale():
    with pytest.raises(ValueError):
        BBox(x0=10, y0=0, x1=0, y1=5)
    assert BBox.from_corners(10, 8, 2, 1).as_tuple() == (2, 1, 10, 8)
    assert BBox(x0=-5, y0=-5, x1=50, y1=50).clip(20, 30).as_tuple() == (0, 0, 20, 30)
    u = union_all([BBox(x0=0, y0=0, x1=1, y1=1), BBox(x0=5, y0=-2, x1=6, y1=3)])
    assert u.as_tuple() == (0, -2, 6, 3)
    assert BBox(x0=1, y0=2, x1=3, y1=4).scale(2, 3).as_tuple() == (2, 6, 6, 12)
    assert BBox.from_quad([(3, 1), (9, 2), (8, 7), (2, 6)]).as_tuple() == (2, 1, 9, 7)
    assert BBox.from_xywh(1, 2, 3, 4).as_tuple() == (1, 2, 4, 6)


def test_json_round_trip():
    b = BBox(x0=1.5, y0=2, x1=3, y1=4, page=2)
    assert BBox.model_validate_json(b.model_dump_json()) == b
    t = PageTransform.resize((100, 200), (50, 80)).then(PageTransform.rotate90((50, 80), 1))
    assert PageTransform.model_validate(json.loads(t.model_dump_json())) == t


@given(page_and_box(), sizes)
def test_resize_round_trip(pb, dst):
    (w, h), box = pb
    t = PageTransform.resize((w, h), dst)
    assert close(t.to_page(t.to_input(box)), box)


@given(page_and_box(), st.integers(0, 7))
def test_rotate_round_trip(pb, k):
    (w, h), box = pb
    t = PageTransform.rotate90((w, h), k)
    mapped = t.to_input(box)
    assert mapped.x1 <= t.dst_size[0] + 1e-6 and mapped.y1 <= t.dst_size[1] + 1e-6
    assert close(t.to_page(mapped), box)


@given(page_and_box(), st.integers(0, 3), sizes)
def test_composed_round_trip(pb, k, dst):
    (w, h), box = pb
    rot = PageTransform.rotate90((w, h), k)
    t = rot.then(PageTransform.resize(rot.dst_size, dst))
    assert close(t.to_page(t.to_input(box)), box, tol=1e-5)


def test_rotation_matches_numpy_rot90():
    import numpy as np

    img = np.zeros((40, 100), dtype=np.uint8)
    img[5:10, 70:90] = 1  # a box at x 70..90, y 5..10
    box = BBox(x0=70, y0=5, x1=90, y1=10)
    for k in range(4):
        t = PageTransform.rotate90((100, 40), k)
        rotated = np.rot90(img, k)
        ys, xs = np.nonzero(rotated)
        mapped = t.to_input(box)
        assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == pytest.approx(mapped.as_tuple())


def test_crop_maps_back_and_clips():
    t = PageTransform.crop((1000, 800), 100, 50, 600, 450)
    inside = BBox(x0=10, y0=10, x1=20, y1=30)
    assert t.to_page(inside).as_tuple() == (110, 60, 120, 80)
    assert t.to_page(BBox(x0=-500, y0=0, x1=10, y1=10)).x0 == 0


@pytest.mark.parametrize("degrees", [3.0, -6.0, 7.5, 90.0])
def test_rotate_matches_opencv_and_holds_the_whole_page(degrees: float) -> None:
    import cv2
    import numpy as np

    w, h = 300, 500
    t = PageTransform.rotate((w, h), degrees)
    cv = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    assert np.allclose(np.array(t.matrix[:2]), cv[0, :2]) and np.allclose(np.array(t.matrix[3:5]), cv[1, :2])
    out_w, out_h = t.dst_size
    for x, y in ((0, 0), (w, 0), (0, h), (w, h)):  # every corner of the page lands on the grown canvas
        px, py = t.map_point(x, y)
        assert -1e-6 <= px <= out_w + 1e-6 and -1e-6 <= py <= out_h + 1e-6
    box = BBox(x0=40, y0=60, x1=200, y1=90)
    back = t.to_page(t.to_input(box))
    assert back.x0 <= box.x0 + 1e-6 and back.x1 >= box.x1 - 1e-6  # the box around the turned corners holds it
    assert PageTransform.rotate((w, h), 0.0) == PageTransform.identity((w, h))
