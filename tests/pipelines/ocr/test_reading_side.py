"""Pages are loaded at the longest side their OCR engine reads at (`reading_side`): RapidOCR shrinks every page to
2000 pixels a side before reading it, so a larger page is loaded at that side, and its boxes still come back in
the page's own pixels (`ocula.ocr`, `ocula.extract`, the batch worker's read stage)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

import ocula.adapters.ocr as ocr_registry
import ocula.api as api
from ocula.adapters.io import DEFAULT_WORKING_PIXELS
from ocula.adapters.ocr import CombinedEngine, RapidOCREngine, get_engine, reading_side
from ocula.pipelines.batch.extract import PipelineExtract
from ocula.pipelines.ocr.orientation import with_orientation
from ocula.pipelines.ocr.pages import ocr_working_limits
from ocula.pipelines.ocr.regions import with_regions
from ocula.schemas import BBox, Line, OCRPage
from tests.fixtures import header_page
from tests.fixtures.fakes import FixedLayout, FixedOCR
from tests.fixtures.text_page import TEXTS, page


class SidedOCR(FixedOCR):
    """`FixedOCR` that reads pages at most `max_side` a side and records the shapes it was given."""

    def __init__(self, lines: list[Line], max_side: int | None) -> None:
        super().__init__(lines, name="sided")
        self.max_side = max_side
        self.shapes: list[tuple[int, int]] = []

    def read(self, image: np.ndarray, page: int = 0) -> OCRPage:
        self.shapes.append(image.shape[:2])
        return super().read(image, page)


def test_rapidocr_says_the_side_it_reads_at_and_wrappers_pass_it_on() -> None:
    assert RapidOCREngine().max_side == 2000
    assert RapidOCREngine(max_side_len=3000).max_side == 3000
    assert RapidOCREngine(params={"Global.use_preprocess_img": False}).max_side is None  # it reads every pixel
    rapid = RapidOCREngine()
    wrapped = with_regions(with_orientation(rapid, "auto", deskew=True), (), FixedLayout([]))
    assert reading_side(wrapped) == 2000
    assert reading_side(FixedOCR([])) is None  # an engine that says nothing reads every pixel
    assert reading_side(CombinedEngine(rapid, FixedOCR([]))) is None  # the second engine reads every pixel
    assert reading_side(CombinedEngine(rapid, RapidOCREngine(max_side_len=3000))) == 3000
    assert ocr_working_limits(wrapped) == {"working_pixels": DEFAULT_WORKING_PIXELS, "working_side": 2000}


def test_ocula_ocr_loads_a_large_page_at_the_side_rapidocr_reads(tmp_path: Path, monkeypatch) -> None:
    small, large = tmp_path / "small.png", tmp_path / "large.png"
    cv2.imwrite(str(small), page(1))  # 1200 x 800
    cv2.imwrite(str(large), page(3))  # 3600 x 2400: RapidOCR reads it at 2000 x 1333
    rapid = get_engine("rapidocr")
    seen: list[tuple[int, ...]] = []

    class Spy:
        name = "rapidocr"
        max_side = rapid.max_side

        def read(self, image: np.ndarray, page: int = 0) -> OCRPage:
            seen.append(image.shape[:2])
            return rapid.read(image, page)

    monkeypatch.setattr(api, "ocr_engine", lambda *args, **kwargs: Spy())
    at_one = {line.text: line.box.as_tuple() for line in api.ocr(small)[0].lines}
    result = api.ocr(large)[0]
    assert seen == [(800, 1200), (1333, 2000)]
    assert (result.width, result.height) == (3600, 2400)
    shrunk = {line.text: line.box.as_tuple() for line in result.lines}
    assert set(shrunk) == set(at_one) == {text for text, _, _ in TEXTS}
    for text, box in at_one.items():  # in the large page's own pixels, within 4 pixels of the reading at 1200 x 800
        assert shrunk[text] == pytest.approx([v * 3 for v in box], abs=12), text


def test_the_batch_read_stage_loads_pages_at_its_engines_side(tmp_path: Path, monkeypatch) -> None:
    engine = SidedOCR([Line(text="ACME Corp", box=BBox(x0=10, y0=5, x1=100, y1=20))], max_side=500)
    monkeypatch.setitem(ocr_registry._REGISTRY, "sided", lambda **_: engine)
    monkeypatch.setitem(ocr_registry._AVAILABLE, "sided", lambda: True)
    monkeypatch.setattr(ocr_registry, "_CACHE", {})
    path = tmp_path / "letter.png"
    image = np.full((1200, 1600, 3), 255, np.uint8)
    cv2.putText(image, "ACME Corp", (32, 64), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (0, 0, 0), 4)  # not a blank page
    cv2.imwrite(str(path), image)
    pipeline = PipelineExtract(ocr="sided", orientation=0, decoding="json", loader=header_page.load_answer)
    read = pipeline.for_schema(header_page.Letter).read(path)
    assert engine.shapes == [(375, 500)]
    result = read.pages[0][0]
    assert (result.width, result.height) == (1600, 1200)  # the page's own size
    assert result.lines[0].box.as_tuple() == pytest.approx((32, 16, 320, 64))  # 10..100 x 5..20, times 3.2
