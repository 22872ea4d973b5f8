"""Boxes on an image: a new array, outlines outside the box, fills, polygons, clipping, labels drawn."""

from __future__ import annotations

import numpy as np
import pytest

from ocula.pipelines.overlay import Annotation, colour_for, draw_boxes, label_rect, text_colour
from ocula.schemas import BBox
from tests.fixtures.overlay import WHITE, blank, box, px


def test_input_is_not_modified_and_a_new_array_is_returned() -> None:
    image = blank()
    before = image.copy()
    out = draw_boxes(image, [Annotation(box(50, 60, 150, 120), "total")], fill_alpha=0.3)
    assert out is not image
    assert np.array_equal(image, before)
    assert out.shape == image.shape and out.dtype == np.uint8


def test_box_outline_is_drawn_just_outside_the_box_in_the_label_colour() -> None:
    out = draw_boxes(blank(), [Annotation(box(50, 100, 150, 160), "total")], show_confidence=False)
    colour = colour_for("total")
    assert px(out, 49, 130) == colour  # left edge
    assert px(out, 151, 130) == colour  # right edge
    assert px(out, 100, 161) == colour  # bottom edge
    assert px(out, 100, 130) == WHITE  # the boxed content is left alone without a fill


def test_fill_alpha_tints_the_inside() -> None:
    out = draw_boxes(blank(), [Annotation(box(50, 100, 150, 160), "")], fill_alpha=0.5)
    inside = np.array(px(out, 100, 130))
    expected = (np.array(WHITE) + np.array(colour_for(""))) / 2
    assert np.all(np.abs(inside - expected) <= 2)
    assert px(out, 300, 250) == WHITE  # outside untouched


def test_polygon_is_drawn_as_a_polygon() -> None:
    triangle = [(50.0, 50.0), (50.0, 250.0), (250.0, 250.0)]
    item = Annotation(BBox.from_polygon(triangle), "", polygon=triangle)
    out = draw_boxes(blank(), [item], thickness=3)
    colour = np.array(colour_for(""))
    assert np.abs(np.array(px(out, 150, 150)) - colour).max() < 60  # on the hypotenuse
    assert px(out, 248, 52) == WHITE  # the bounding box's corner is not drawn


def test_boxes_outside_the_image_are_clipped_or_skipped() -> None:
    items = [Annotation(box(-50, -50, 500, 500), "page"), Annotation(box(900, 900, 950, 950), "away")]
    out = draw_boxes(blank(), items)
    assert px(out, 0, 150) == colour_for("page")  # the frame moves inside at the border
    assert out.shape == (300, 400, 3)


def test_grey_input_is_accepted_and_float_input_refused() -> None:
    grey = np.full((100, 100), 200, dtype=np.uint8)
    assert draw_boxes(grey, [Annotation(box(10, 10, 50, 50), "x")]).shape == (100, 100, 3)
    with pytest.raises(ValueError, match="uint8"):
        draw_boxes(np.zeros((10, 10, 3), dtype=np.float32), [])


def test_label_is_drawn_above_the_box_on_its_colour_with_contrasting_text() -> None:
    out = draw_boxes(blank(600, 400), [Annotation(box(100, 200, 300, 260), "total: 12.50")])
    colour = colour_for("total: 12.50")
    band = out[150:196, 100:300].reshape(-1, 3)
    colours = {tuple(int(v) for v in p) for p in band}
    assert colour in colours
    assert text_colour(colour) in colours  # anti-aliased text keeps some pure pixels


def test_label_goes_below_a_box_at_the_top_edge_and_stays_inside() -> None:
    rect = label_rect((10, 0, 100, 20), (80, 20), (200, 200))
    assert rect[1] >= 20 and rect[3] <= 200
    out = draw_boxes(blank(600, 400), [Annotation(box(100, 0, 300, 40), "date")], thickness=2)
    below = out[44:60, 100:300].reshape(-1, 3)
    assert any(tuple(int(v) for v in p) == colour_for("date") for p in below)


def test_confidence_is_appended_when_asked() -> None:
    item = Annotation(box(100, 200, 300, 260), "cat", confidence=0.87)
    with_conf = draw_boxes(blank(600, 400), [item])
    without = draw_boxes(blank(600, 400), [item], show_confidence=False)
    assert not np.array_equal(with_conf, without)
