"""Upright OCR: a page turned by the test is classified right, read upright, and every box comes back in the
turned page's own pixels (the upright run's boxes mapped through the turn); the OCR's confidence checks the
classifier."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocula.adapters.orientation import PageOrientation
from ocula.pipelines.ocr.orientation import (
    UprightOCR,
    parse_orientation,
    read_score,
    reading_order,
    upright,
    with_orientation,
)
from ocula.pipelines.ocr.pages import ocr_image, resolve_engine
from ocula.schemas import BBox, Line, OCRPage, PageTransform, Word

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def line(text: str, x0: float, y0: float, x1: float, y1: float, confidence: float = 0.9) -> Line:
    box = BBox(x0=x0, y0=y0, x1=x1, y1=y1)
    polygon = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    return Line(text=text, box=box, confidence=confidence, words=[Word(text=text, box=box)], polygon=polygon)


class ShapeOCR:
    """Reads one line at a fixed place of whatever image it gets; how sure it is depends on the image's shape
    (a wide image reads well), and it records the shapes it was given."""

    name = "shape"

    def __init__(self) -> None:
        self.shapes: list[tuple[int, ...]] = []

    def read(self, image: np.ndarray, page: int = 0) -> OCRPage:
        self.shapes.append(image.shape)
        height, width = image.shape[:2]
        confidence = 0.9 if width > height else 0.3
        found = [line("TOTAL 12.50", 10, 20, 60, 30, confidence)]
        return OCRPage(page=page, width=width, height=height, lines=found, engine=self.name)


class FixedVerdict:
    name = "fixed"

    def __init__(self, angle: int, confidence: float) -> None:
        rest = (1 - confidence) / 3
        self.verdict = PageOrientation(
            angle, confidence, {a: confidence if a == angle else rest for a in (0, 90, 180, 270)}
        )

    def classify(self, image: np.ndarray) -> PageOrientation:
        return self.verdict


@pytest.mark.parametrize(
    ("value", "want"), [("auto", "auto"), ("AUTO", "auto"), ("90", 90), (270, 270), (None, 0), (-90, 270), (360, 0)]
)
def test_parse_orientation(value: object, want: object) -> None:
    assert parse_orientation(value) == want  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["sideways", 45, "12", True])
def test_parse_orientation_rejects(value: object) -> None:
    with pytest.raises(ValueError, match="orientation must be"):
        parse_orientation(value)  # type: ignore[arg-type]


def test_a_fixed_angle_turns_the_page_and_maps_every_box_back() -> None:
    ocr = ShapeOCR()
    page = np.zeros((100, 200, 3), np.uint8)  # lies turned 90 degrees clockwise: 200 wide, 100 high
    result = UprightOCR(ocr, 90).read(page, page=1)
    assert ocr.shapes == [(200, 100, 3)]  # read turned counter-clockwise: 100 wide, 200 high
    assert (result.width, result.height, result.orientation) == (200, 100, 90)
    want = PageTransform.rotate90((200, 100), 1).to_page(BBox(x0=10, y0=20, x1=60, y1=30))
    got = result.lines[0]
    assert got.box.as_tuple() == pytest.approx(want.as_tuple())
    assert got.words[0].box.as_tuple() == pytest.approx(want.as_tuple())
    assert BBox.from_polygon(got.polygon).as_tuple() == pytest.approx(want.as_tuple())


def test_orientation_zero_leaves_the_engine_alone() -> None:
    ocr = ShapeOCR()
    assert with_orientation(ocr, 0) is ocr and with_orientation(ocr, None) is ocr
    assert isinstance(with_orientation(ocr, "auto"), UprightOCR)


def test_auto_takes_a_sure_verdict_with_one_reading() -> None:
    ocr = ShapeOCR()
    result = UprightOCR(ocr, "auto", FixedVerdict(0, 0.92)).read(np.zeros((100, 200, 3), np.uint8))
    assert len(ocr.shapes) == 1 and result.orientation == 0
    ocr = ShapeOCR()
    # sure of 90: turned without a check, even though this double reads the turned page worse
    result = UprightOCR(ocr, "auto", FixedVerdict(90, 0.9)).read(np.zeros((100, 200, 3), np.uint8))
    assert ocr.shapes == [(200, 100, 3)] and result.orientation == 90


def test_an_unsure_turn_is_kept_unless_the_page_reads_far_better_as_it_lies() -> None:
    ocr = ShapeOCR()
    # a tall page the classifier thinks lies at 90: turned it is wide and reads better, so it stays turned
    result = UprightOCR(ocr, "auto", FixedVerdict(90, 0.6)).read(np.zeros((200, 100, 3), np.uint8))
    assert result.orientation == 90 and len(ocr.shapes) == 2
    # upside down, this double reads the same as it lies: no evidence against the classifier, which decides
    assert (
        UprightOCR(ShapeOCR(), "auto", FixedVerdict(180, 0.6)).read(np.zeros((100, 200, 3), np.uint8)).orientation
        == 180
    )


def test_an_unsure_turn_is_overruled_when_the_page_reads_far_better_as_it_lies() -> None:
    ocr = ShapeOCR()
    # a wide page the classifier thinks lies at 90: turned it is tall and reads three times worse
    result = UprightOCR(ocr, "auto", FixedVerdict(90, 0.6)).read(np.zeros((100, 200, 3), np.uint8))
    assert result.orientation == 0 and (result.width, result.height) == (200, 100)


def test_an_unsure_upright_verdict_is_checked_against_the_second_choice() -> None:
    ocr = ShapeOCR()
    classifier = FixedVerdict(0, 0.5)
    classifier.verdict = PageOrientation(0, 0.5, {0: 0.5, 90: 0.1, 180: 0.1, 270: 0.3})
    result = UprightOCR(ocr, "auto", classifier).read(np.zeros((200, 100, 3), np.uint8))
    assert result.orientation == 270 and len(ocr.shapes) == 2


def test_read_score_weighs_characters_by_confidence() -> None:
    page = OCRPage(width=10, height=10, lines=[line("abcd", 0, 0, 1, 1, 0.5), line("xy", 0, 2, 1, 3, 1.0)])
    assert read_score(page) == pytest.approx(4.0)


def test_reading_order_of_an_upside_down_page_is_the_upright_order() -> None:
    size = (200, 100)
    turn = PageTransform.rotate90(size, 2)  # upside down: its own inverse
    first, second = line("first", 10, 10, 100, 20), line("second", 10, 40, 100, 50)
    lying = [
        Line(text=ln.text, box=turn.to_page(ln.box), polygon=turn.points_to_page(ln.polygon)) for ln in (first, second)
    ]
    assert [ln.text for ln in reading_order(lying, 0, size)] == ["second", "first"]
    assert [ln.text for ln in reading_order(lying, 180, size)] == ["first", "second"]


def test_upright_gives_the_image_and_transform() -> None:
    image = np.arange(6, dtype=np.uint8).reshape(2, 3, 1).repeat(3, axis=2)
    turned, transform = upright(image, 270)
    assert turned.shape == (3, 2, 3) and transform.dst_size == (2, 3)
    assert np.array_equal(turned, np.rot90(image, 3))


# the real models ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def invoice() -> np.ndarray:
    return np.asarray(Image.open(SAMPLES / "invoice.png").convert("RGB"))


@pytest.fixture(scope="module")
def upright_run(invoice: np.ndarray) -> OCRPage:
    return ocr_image(invoice, "rapidocr")


def _matched_share(found: OCRPage, want: list[BBox]) -> float:
    return sum(max((ln.box.iou(w) for ln in found.lines), default=0) >= 0.5 for w in want) / len(want)


@pytest.mark.slow
@pytest.mark.parametrize("turns", [1, 2, 3])
def test_a_turned_page_is_classified_and_read_in_its_own_pixels(
    invoice: np.ndarray, upright_run: OCRPage, turns: int
) -> None:
    lying = np.ascontiguousarray(np.rot90(invoice, -turns))  # turned 90 x turns degrees clockwise by the test
    result = ocr_image(lying, UprightOCR(resolve_engine("rapidocr"), "auto"))
    assert result.orientation == 90 * turns
    assert (result.width, result.height) == (lying.shape[1], lying.shape[0])
    turn = PageTransform.rotate90((invoice.shape[1], invoice.shape[0]), -turns)  # upright page -> lying page
    want = [turn.to_input(ln.box) for ln in upright_run.lines]
    assert _matched_share(result, want) >= 0.95
    # read in the upright page's reading order
    assert [ln.text for ln in result.lines][:5] == [ln.text for ln in upright_run.lines][:5]
    assert result.text.replace(" ", "") == upright_run.text.replace(" ", "")


@pytest.mark.slow
def test_an_upright_page_under_auto_reads_as_without(invoice: np.ndarray, upright_run: OCRPage) -> None:
    result = ocr_image(invoice, UprightOCR(resolve_engine("rapidocr"), "auto"))
    assert result.orientation == 0 and result.text == upright_run.text
