"""Overlay drawing: boxes, stable colours, readable labels kept inside the image, results, sheets, PNGs."""

from __future__ import annotations

import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from ocula.pipelines.overlay.draw import (
    PALETTE,
    Annotation,
    Style,
    ascii_text,
    assign_colours,
    colour_for,
    colour_key_for_path,
    contact_sheet,
    draw,
    draw_boxes,
    fit_text,
    label_rect,
    save_png,
    text_colour,
)
from ocula.schemas import (
    BBox,
    Detection,
    Detections,
    Extraction,
    FieldResult,
    Line,
    OCRPage,
    Word,
)

WHITE = (255, 255, 255)


def blank(width: int = 400, height: int = 300) -> np.ndarray:
    return np.full((height, width, 3), 255, dtype=np.uint8)


def box(x0: float, y0: float, x1: float, y1: float, page: int = 0) -> BBox:
    return BBox(x0=x0, y0=y0, x1=x1, y1=y1, page=page)


def px(image: np.ndarray, x: int, y: int) -> tuple[int, int, int]:
    return tuple(int(v) for v in image[y, x])  # type: ignore[return-value]


def colliding_labels() -> tuple[str, str]:
    """Two different labels whose hash lands on the same palette slot."""
    seen: dict[int, str] = {}
    for i in range(1000):
        label = f"field{i}"
        slot = zlib.crc32(label.encode()) % len(PALETTE)
        if slot in seen:
            return seen[slot], label
        seen[slot] = label
    raise AssertionError("no collision found")


# boxes and colours -----------------------------------------------------------------------------
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


def test_colour_is_stable_hash_of_the_label() -> None:
    assert colour_for("total") == PALETTE[zlib.crc32(b"total") % len(PALETTE)]
    assert assign_colours(["total"]) == {"total": colour_for("total")}


def test_same_label_same_colour() -> None:
    items = [Annotation(box(20, 100, 80, 140), "price"), Annotation(box(250, 200, 350, 260), "price")]
    out = draw_boxes(blank(), items)
    assert px(out, 19, 120) == px(out, 249, 230) == colour_for("price")


def test_different_labels_get_different_colours_even_when_their_hashes_collide() -> None:
    a, b = colliding_labels()
    assert colour_for(a) == colour_for(b)
    items = [Annotation(box(20, 100, 80, 140), a), Annotation(box(250, 200, 350, 260), b)]
    out = draw_boxes(blank(), items)
    assert px(out, 19, 120) != px(out, 249, 230)
    # the choice depends on the set of labels, not on drawing order
    assert assign_colours([a, b]) == assign_colours([b, a])


def test_colour_key_overrides_label_for_colour() -> None:
    item = Annotation(box(50, 100, 150, 160), "items[0].price: 3", colour_key="items[].price")
    out = draw_boxes(blank(), [item])
    assert px(out, 49, 130) == colour_for("items[].price")


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


# labels ------------------------------------------------------------------------------------------
def test_text_colour_contrasts_with_background() -> None:
    assert text_colour((255, 255, 255)) == (0, 0, 0)
    assert text_colour((255, 215, 0)) == (0, 0, 0)
    assert text_colour((0, 0, 128)) == (255, 255, 255)
    assert text_colour((128, 0, 0)) == (255, 255, 255)


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


def test_confidence_is_appended_when_asked() -> None:
    item = Annotation(box(100, 200, 300, 260), "cat", confidence=0.87)
    with_conf = draw_boxes(blank(600, 400), [item])
    without = draw_boxes(blank(600, 400), [item], show_confidence=False)
    assert not np.array_equal(with_conf, without)


# results -----------------------------------------------------------------------------------------
def extraction() -> Extraction:
    return Extraction(
        value={"total": "12.50", "date": "01/02/2024"},
        fields={
            "total": FieldResult(path="total", value="12.50", page=0, box=box(100, 200, 200, 230)),
            "date": FieldResult(path="date", value="01/02/2024", page=1, box=box(100, 100, 200, 130, 1)),
            "shop": FieldResult(path="shop", value="Nowhere"),  # no box: not drawn
        },
        pages=2,
    )


def test_draw_extraction_draws_only_the_fields_of_the_page() -> None:
    page0 = draw(blank(), extraction(), page=0)
    page1 = draw(blank(), extraction(), page=1)
    assert px(page0, 99, 215) == colour_for("total")
    assert px(page0, 99, 115) == WHITE
    assert px(page1, 99, 115) == colour_for("date")
    assert px(page1, 99, 215) == WHITE


def test_draw_extraction_rescales_boxes_to_the_image() -> None:
    result = extraction().model_copy(update={"page_sizes": [(800, 600), (800, 600)]})
    out = draw(blank(400, 300), result, page=0)  # image at half the page size
    assert px(out, 49, 107) == colour_for("total")


def test_list_rows_share_a_colour() -> None:
    assert colour_key_for_path("items[3].price") == "items[].price"
    assert colour_key_for_path("items.3.price") == "items[].price"
    assert colour_key_for_path("total") == "total"


def test_draw_ocr_lines_and_words() -> None:
    page = OCRPage(
        width=400,
        height=300,
        lines=[
            Line(
                text="Hello world",
                box=box(50, 50, 250, 80),
                words=[Word(text="Hello", box=box(50, 50, 140, 80)), Word(text="world", box=box(160, 50, 250, 80))],
            )
        ],
    )
    lines_only = draw(blank(), page)
    assert px(lines_only, 49, 65) == colour_for("line")
    assert px(lines_only, 150, 65) == WHITE
    with_words = draw(blank(), page, lines=False, words=True)
    assert px(with_words, 159, 65) == colour_for("word")
    labelled = draw(blank(), page, show_text=True)
    assert not np.array_equal(labelled, lines_only)


def test_draw_detections() -> None:
    detections = Detections(
        width=400,
        height=300,
        items=[
            Detection(label="cat", box=box(20, 100, 120, 200), confidence=0.9),
            Detection(label="dog", box=box(220, 100, 320, 200), confidence=0.8),
        ],
    )
    out = draw(blank(), detections)
    assert px(out, 19, 150) != px(out, 219, 150)
    assert px(out, 19, 150) in assign_colours(["cat", "dog"]).values()


# sheets and files --------------------------------------------------------------------------------
def test_contact_sheet_layout() -> None:
    a = np.zeros((200, 100, 3), dtype=np.uint8)
    b = np.full((100, 100, 3), 255, dtype=np.uint8)
    c = np.full((50, 50, 3), 128, dtype=np.uint8)
    sheet = contact_sheet([a, b, c], columns=2, cell_width=100, gap=8)
    assert sheet.shape == (8 + 200 + 8 + 100 + 8, 8 + 100 + 8 + 100 + 8, 3)
    assert px(sheet, 8 + 50, 8 + 100) == (0, 0, 0)  # first cell
    assert px(sheet, 8 + 100 + 8 + 50, 8 + 50) == WHITE  # second cell
    assert px(sheet, 58, 8 + 200 + 8 + 50) == (128, 128, 128)  # third cell, upscaled to 100 wide
    titled = contact_sheet([a, b], cell_width=100, titles=["page 1", "page 2"])
    assert titled.shape[0] > 8 + 200 + 8


def test_contact_sheet_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        contact_sheet([])
    with pytest.raises(ValueError):
        contact_sheet([blank()], titles=["a", "b"])


def test_save_png_writes_rgb_as_png_and_creates_the_folder(tmp_path: Path) -> None:
    image = blank(40, 30)
    image[5, 7] = (255, 0, 0)
    path = save_png(image, tmp_path / "deep" / "out.png")
    assert path.exists()
    back = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    assert np.array_equal(back, image)
