"""Small-angle deskew: the skew of synthetic text pages is estimated within a fraction of a degree, a page read
straightened has its line boxes back where the text lies on the askew page, and a straight page is read as it is."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocula.pipelines.ocr.deskew import DeskewOCR, estimate_skew, straighten
from ocula.pipelines.ocr.orientation import UprightOCR, as_upright, with_orientation
from ocula.pipelines.ocr.pages import ocr_image, resolve_engine
from ocula.schemas import BBox, Line, OCRPage, PageTransform

TEXTS = ["INVOICE NUMBER 20417", "Total amount due 128.40", "Paid by card 4417", "Thank you for your visit"]


def text_page() -> tuple[np.ndarray, list[BBox]]:
    """A white page with a few lines of text, and the box of each line's ink."""
    image = Image.new("RGB", (900, 700), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=34)
    boxes = []
    for i, text in enumerate(TEXTS):
        xy = (80, 90 + 140 * i)
        draw.text(xy, text, fill="black", font=font)
        boxes.append(BBox.from_corners(*draw.textbbox(xy, text, font=font)))
    return np.asarray(image), boxes


def skewed(image: np.ndarray, degrees: float) -> tuple[np.ndarray, PageTransform]:
    """The page turned `degrees` counter-clockwise on a white canvas that holds it all (how a scan lies askew)."""
    return straighten(image, -degrees)


@pytest.mark.parametrize("degrees", [3.0, -3.0, 7.0, -6.0, 1.2])
def test_the_skew_of_a_text_page_is_estimated(degrees: float) -> None:
    page, _ = text_page()
    askew, _ = skewed(page, degrees)
    assert estimate_skew(askew) == pytest.approx(degrees, abs=0.3)


def test_a_page_without_ink_has_no_skew() -> None:
    assert estimate_skew(np.full((300, 200, 3), 255, np.uint8)) == 0.0


class Recorder:
    """An OCR engine that records the images it is given and reads nothing."""

    name = "recorder"

    def __init__(self) -> None:
        self.images: list[np.ndarray] = []

    def read(self, image: np.ndarray, page: int = 0) -> OCRPage:
        self.images.append(image)
        return OCRPage(page=page, width=image.shape[1], height=image.shape[0], engine=self.name)


def test_a_straight_page_is_read_as_it_is() -> None:
    page, _ = text_page()
    inner = Recorder()
    result = DeskewOCR(inner).read(page)
    assert inner.images[0] is page and result.skew == 0.0


def test_a_page_barely_askew_is_read_as_it_is() -> None:
    page, _ = text_page()
    askew, _ = skewed(page, 0.3)
    inner = Recorder()
    DeskewOCR(inner).read(askew)
    assert inner.images[0] is askew


def test_an_askew_page_is_given_to_the_engine_straight() -> None:
    page, _ = text_page()
    askew, _ = skewed(page, 5.0)
    inner = Recorder()
    result = DeskewOCR(inner).read(askew)
    assert result.skew == pytest.approx(5.0, abs=0.3)
    assert (result.width, result.height) == (askew.shape[1], askew.shape[0])  # the page's own size
    assert abs(estimate_skew(inner.images[0])) < 0.5


@pytest.fixture(scope="module")
def rapidocr():
    return resolve_engine("rapidocr")


@pytest.mark.parametrize("degrees", [3.0, -3.0, 7.0])
def test_line_boxes_come_back_where_the_text_lies_on_the_askew_page(rapidocr, degrees: float) -> None:
    page, boxes = text_page()
    askew, turn = skewed(page, degrees)
    known = [turn.to_input(box) for box in boxes]  # the box around each line's ink on the askew page
    result = ocr_image(askew, DeskewOCR(rapidocr))
    assert result.skew == pytest.approx(degrees, abs=0.3)
    for text, box in zip(TEXTS, known, strict=True):
        found = [ln for ln in result.lines if ln.box.iou(box) >= 0.5]
        assert found, (
            f"{text!r} not found near {box.as_tuple()}: {[(ln.text, ln.box.as_tuple()) for ln in result.lines]}"
        )
    assert [ln.text for ln in result.lines][:2] == TEXTS[:2]  # read in the straight page's order


def test_as_upright_straightens_the_reading(rapidocr) -> None:
    page, boxes = text_page()
    askew, _ = skewed(page, 6.0)
    result = ocr_image(askew, DeskewOCR(rapidocr))
    straight, transform = as_upright(result)
    assert straight.skew == 0.0 and (straight.width, straight.height) == transform.dst_size
    heights = [ln.box.height for ln in straight.lines]
    assert max(heights) < 2 * min(boxes, key=lambda b: b.height).height  # straight again: no taller than a line
    back = transform.to_page(straight.lines[0].box)
    assert back.iou(result.lines[0].box) > 0.8


def test_deskew_goes_inside_the_upright_turn() -> None:
    inner = Recorder()
    assert isinstance(with_orientation(inner, 0, deskew=True), DeskewOCR)
    wrapped = with_orientation(inner, 90, deskew=True)
    assert isinstance(wrapped, UprightOCR) and isinstance(wrapped.engine, DeskewOCR)
    assert with_orientation(inner, 0) is inner


def test_line_to_input_keeps_quarter_turn_boxes() -> None:
    line = Line(text="x", box=BBox(x0=10, y0=20, x1=60, y1=30))
    page = OCRPage(width=200, height=100, lines=[line], orientation=90)
    up, _ = as_upright(page)
    assert up.lines[0].box.as_tuple() == (20.0, 140.0, 30.0, 190.0)
