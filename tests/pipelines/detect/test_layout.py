"""Layout detection, the offline default of `detect`: regions of sample documents in page pixels, labels filtered,
turned pages, and the same export paths as a VLM's detections."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocula.adapters.io import load_document
from ocula.pipelines.detect.layout import LayoutDetector, layout_labels
from ocula.schemas import BBox, Detection, Detections, PageTransform

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


class FixedLayout:
    """A layout engine double: the same regions, in pixels of the image it is given, whatever it is."""

    name = "fixed-layout"
    labels = ("table", "text", "title")

    def __init__(self, regions: list[tuple[str, tuple[float, float, float, float], float]]) -> None:
        self.regions = regions
        self.shapes: list[tuple[int, ...]] = []

    def detect(self, image: np.ndarray, page: int = 0) -> list[Detection]:
        self.shapes.append(image.shape)
        return [
            Detection(label=label, box=BBox(x0=b[0], y0=b[1], x1=b[2], y1=b[3], page=page), confidence=c)
            for label, b, c in self.regions
        ]


def test_labels_are_checked_against_what_the_model_finds() -> None:
    assert layout_labels(None, ("table", "text")) is None
    assert layout_labels(["Table", "table", "text"], ("table", "text")) == ("table", "text")
    with pytest.raises(ValueError, match="layout model finds table, text; not 'signature'"):
        layout_labels(["table", "signature"], ("table", "text"))


def test_filter_cap_and_order_with_a_fake_engine() -> None:
    engine = FixedLayout(
        [("text", (10, 50, 90, 60), 0.6), ("table", (0, 10, 100, 40), 0.9), ("title", (0, 0, 50, 8), 0.7)]
    )
    page = np.zeros((100, 200, 3), np.uint8)
    found = LayoutDetector(engine).detect_image(page, page=2, source="doc.png")
    assert [d.label for d in found] == ["title", "table", "text"]  # top to bottom
    assert found.model == "fixed-layout" and (found.width, found.height, found.page) == (200, 100, 2)
    assert [d.label for d in LayoutDetector(engine, labels=["table", "text"]).detect_image(page)] == ["table", "text"]
    assert [d.label for d in LayoutDetector(engine, max_objects=2).detect_image(page)] == ["title", "table"]
    with pytest.raises(ValueError, match="multiple of 90"):
        LayoutDetector(engine, rotate=45)


def test_rotate_turns_the_page_for_the_model_and_maps_boxes_back() -> None:
    engine = FixedLayout([("table", (10, 20, 50, 30), 0.9)])  # in pixels of the turned image
    page = np.zeros((100, 200, 3), np.uint8)  # lying sideways: 200 wide, 100 high
    found = LayoutDetector(engine, rotate=90).detect_image(page)
    assert engine.shapes == [(200, 100, 3)]  # the model saw the page turned counter-clockwise
    want = PageTransform.rotate90((200, 100), 1).to_page(BBox(x0=10, y0=20, x1=50, y1=30))
    assert found.items[0].box.as_tuple() == pytest.approx(want.as_tuple())


@pytest.fixture(scope="module")
def detector() -> LayoutDetector:
    return LayoutDetector()


@pytest.fixture(scope="module")
def invoice() -> np.ndarray:
    return np.asarray(Image.open(SAMPLES / "invoice.png").convert("RGB"))


@pytest.mark.slow
def test_invoice_table_and_text_in_page_pixels(detector: LayoutDetector, invoice: np.ndarray) -> None:
    found = detector.detect_image(invoice, source="invoice.png")
    height, width = invoice.shape[:2]
    labels = [d.label for d in found]
    assert labels.count("table") == 1 and "text" in labels
    assert all(0 <= d.box.x0 < d.box.x1 <= width and 0 <= d.box.y0 < d.box.y1 <= height for d in found)
    table = next(d for d in found if d.label == "table")
    # samples/make_samples.py draws the invoice's line items from y 560 down to about 1000, across the page
    assert table.box.y0 < 600 and table.box.y1 > 950 and table.box.width > 0.8 * width
    coco = found.to_coco()
    assert {c["name"] for c in coco["categories"]} == set(labels) and len(coco["annotations"]) == len(found)
    assert Detections.model_validate_json(found.model_dump_json()) == found
    only_tables = LayoutDetector(detector.engine, labels=["table"]).detect_image(invoice)
    assert [d.label for d in only_tables] == ["table"]


@pytest.mark.slow
@pytest.mark.parametrize("turns", [1, 2, 3])
def test_a_turned_page_read_with_rotate_gives_the_upright_regions_in_its_own_pixels(
    detector: LayoutDetector, invoice: np.ndarray, turns: int
) -> None:
    upright = detector.detect_image(invoice)
    lying = np.ascontiguousarray(np.rot90(invoice, -turns))  # the page lies turned 90 x turns clockwise
    found = LayoutDetector(detector.engine, rotate=90 * turns).detect_image(lying)
    assert (found.width, found.height) == (lying.shape[1], lying.shape[0])
    turn = PageTransform.rotate90((invoice.shape[1], invoice.shape[0]), -turns)  # upright page -> lying page
    table = next(d for d in upright if d.label == "table")
    mapped = turn.to_input(table.box)
    assert max(d.box.iou(mapped) for d in found if d.label == "table") >= 0.9


@pytest.mark.slow
def test_form_pdf_pages_have_regions(detector: LayoutDetector) -> None:
    document = load_document(SAMPLES / "form.pdf")
    results = detector.run(document)
    assert len(results) == len(document) and all(r.page == i for i, r in enumerate(results))
    assert all(len(r) > 0 for r in results)
    assert {"text"} <= {d.label for r in results for d in r}


def test_the_api_without_a_model_refuses_native() -> None:
    import ocula
    from ocula.schemas import ModelError

    with pytest.raises(ModelError, match="native=True needs a vision-language model"):
        ocula.detect(np.zeros((50, 50, 3), np.uint8), native=True)
