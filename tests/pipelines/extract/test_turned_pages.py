"""Extraction from a page read turned: reasoned about upright (rows stay rows), boxes in the turned page's pixels."""

import pytest

import ocula
from ocula.pipelines.extract.ocr_llm import OcrLlmExtractor
from ocula.pipelines.ocr.orientation import as_upright, fields_to_page, to_original
from ocula.schemas import BBox, FieldResult, OCRPage, PageTransform
from ocula.schemas.ready import SroieReceipt


def lying(page: OCRPage, angle: int) -> OCRPage:
    """The reading `UprightOCR` gives of the page turned `angle` degrees clockwise: same lines, boxes in the
    turned page's pixels."""
    size = (page.width, page.height) if angle % 180 == 0 else (page.height, page.width)
    return to_original(page, PageTransform.rotate90(size, angle // 90), angle)


def test_as_upright_undoes_the_turn_and_fields_map_back():
    page = OCRPage(width=300, height=200, lines=[], orientation=0)
    page = page.model_copy(update={"lines": [ocula.schemas.Line(text="TOTAL", box=BBox(x0=10, y0=20, x1=60, y1=40))]})
    for angle in (90, 180, 270):
        turned = lying(page, angle)
        back, transform = as_upright(turned)
        assert (back.width, back.height, back.orientation) == (300, 200, 0)
        assert back.lines[0].box == page.lines[0].box
        field = FieldResult(path="total", value="1", box=page.lines[0].box)
        assert fields_to_page({"total": field}, {0: transform})["total"].box == turned.lines[0].box


@pytest.mark.parametrize("angle", [90, 270])
def test_a_turned_reading_extracts_as_the_upright_one(samples_dir, bundled_llm, angle):
    upright = ocula.ocr(samples_dir / "receipt.jpg", orientation=0)[0]
    extractor = OcrLlmExtractor(bundled_llm, None)  # type: ignore[arg-type]
    want = extractor.run_on_pages([upright], SroieReceipt)
    turned = lying(upright, angle)
    got = extractor.run_on_pages([turned], SroieReceipt)
    assert got.value == want.value and got.page_sizes == [(turned.width, turned.height)]
    turn = PageTransform.rotate90((turned.width, turned.height), angle // 90)
    for path, field in want.fields.items():
        if field.box is not None:
            box = got.fields[path].box
            assert box is not None and box.iou(turn.to_page(field.box)) > 0.99, path
