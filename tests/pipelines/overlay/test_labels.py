"""Label text and placement: kept inside the image, off other labels, fitted, sized to the page, ASCII."""

from __future__ import annotations

import cv2
import pytest

from ocula.pipelines.overlay import Style, ascii_text, fit_text, label_rect


@pytest.mark.parametrize(
    ("rect", "image"),
    [
        ((0, 0, 200, 200), (200, 200)),  # box fills the image
        ((180, 180, 199, 199), (200, 200)),  # bottom-right corner
        ((150, 5, 199, 15), (200, 200)),  # right edge, no room above
        ((-30, -30, 10, 10), (200, 200)),
    ],
)
def test_label_rect_is_always_inside_the_image(rect: tuple[int, int, int, int], image: tuple[int, int]) -> None:
    x0, y0, x1, y1 = label_rect(rect, (90, 24), image)
    assert 0 <= x0 < x1 <= image[0] and 0 <= y0 < y1 <= image[1]
    assert (x1 - x0, y1 - y0) == (90, 24)


def test_label_avoids_an_already_placed_label() -> None:
    first = label_rect((100, 100, 200, 140), (80, 20), (400, 400))
    second = label_rect((100, 100, 200, 140), (80, 20), (400, 400), placed=[first])
    assert first != second
    assert not (second[0] < first[2] and first[0] < second[2] and second[1] < first[3] and first[1] < second[3])


def test_long_labels_are_truncated_with_an_ellipsis() -> None:
    style = Style.for_size(600, 400)
    text = "description: " + "very long words " * 20
    short = fit_text(text, 200, style)
    assert short.endswith("...") and len(short) < len(text)
    (w, _), _ = cv2.getTextSize(short, cv2.FONT_HERSHEY_SIMPLEX, style.font_scale, style.text_thickness)
    assert w <= 200
    assert fit_text("ok", 200, style) == "ok"


def test_text_scales_with_page_size() -> None:
    photo, scan = Style.for_size(600, 450), Style.for_size(1754, 2480)
    assert scan.font_scale > photo.font_scale
    assert scan.line_thickness >= photo.line_thickness
    (_, h_photo), _ = cv2.getTextSize("Ag", cv2.FONT_HERSHEY_SIMPLEX, photo.font_scale, photo.text_thickness)
    (_, h_scan), _ = cv2.getTextSize("Ag", cv2.FONT_HERSHEY_SIMPLEX, scan.font_scale, scan.text_thickness)
    assert h_photo >= 9  # legible on a small photo
    assert h_scan >= 18  # and on an A4 scan


def test_ascii_text_for_hershey_fonts() -> None:
    assert ascii_text("Café  Zürich\n12 €") == "Cafe Zurich 12 ?"
