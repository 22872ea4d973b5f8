"""Layout regions with the OCR: regions kept on the page, header/footer lines left out, reading order by regions."""

import numpy as np
import pytest

from ocula.pipelines.ocr.reading_order import region_gutters, sort_in_regions
from ocula.pipelines.ocr.regions import RegionOCR, add_regions, check_labels
from ocula.schemas import BBox, Detection, Line, OCRPage
from tests.fixtures.fakes import FixedLayout, FixedOCR


def line(text: str, x0: float, y0: float, x1: float, y1: float) -> Line:
    return Line(text=text, box=BBox(x0=x0, y0=y0, x1=x1, y1=y1))


def region(label: str, x0: float, y0: float, x1: float, y1: float) -> Detection:
    return Detection(label=label, box=BBox(x0=x0, y0=y0, x1=x1, y1=y1), confidence=0.9)


PAGE = [
    line("ACME Corp running header", 10, 5, 300, 20),
    line("Invoice 42", 10, 40, 120, 60),
    line("page 1 of 2", 10, 380, 100, 395),
]
REGIONS = [region("header", 0, 0, 400, 25), region("text", 0, 30, 400, 70), region("footer", 0, 370, 400, 400)]


def test_pages_carry_their_regions_and_excluded_regions_lose_their_lines():
    image = np.full((400, 400, 3), 255, np.uint8)
    reader = RegionOCR(FixedOCR(PAGE), ("header", "footer"), FixedLayout(REGIONS))
    page = reader.read(image, page=2)
    assert [ln.text for ln in page.lines] == ["Invoice 42"]
    assert [r.label for r in page.regions] == ["header", "text", "footer"]
    assert all(r.box.page == 2 for r in page.regions)
    kept = RegionOCR(FixedOCR(PAGE), (), FixedLayout(REGIONS)).read(image)
    assert [ln.text for ln in kept.lines] == [ln.text for ln in PAGE]


def test_unknown_region_names_are_refused():
    assert check_labels(["Header", "footer"]) == ("header", "footer")
    with pytest.raises(ValueError, match="regions are"):
        check_labels(["sidebar"])


def test_a_page_read_turned_has_its_layout_found_upright_and_boxes_in_its_own_pixels():
    layout = FixedLayout([region("table", 0, 0, 100, 50)])  # in the upright image's pixels (200 wide, 300 tall)
    lying = OCRPage(width=300, height=200, lines=[], orientation=90)
    page = add_regions(lying, np.zeros((200, 300, 3), np.uint8), layout=layout)
    assert layout.shapes == [(300, 200, 3)]
    box = page.regions[0].box
    # the upright page's top-left corner is the lying page's top-right corner
    assert (box.x0, box.y0, box.x1, box.y1) == (250, 0, 300, 100)


def prose(x0: float, rows: int, tag: str) -> list[Line]:
    return [
        line(f"{tag} line {i} of running prose text", x0, 100 + 30 * i, x0 + 250, 120 + 30 * i) for i in range(rows)
    ]


def test_text_regions_side_by_side_are_read_column_by_column():
    left, right = prose(0, 4, "left"), prose(300, 4, "right")
    interleaved = [ln for pair in zip(left, right, strict=True) for ln in pair]
    regions = [region("text", 0, 95, 255, 215), region("text", 295, 95, 555, 215)]
    assert region_gutters(interleaved, regions) == [275.0]
    assert [ln.text for ln in sort_in_regions(interleaved, regions)] == [ln.text for ln in left + right]
    # no regions, or one region over both: the order stays as given
    assert sort_in_regions(interleaved, []) == interleaved
    assert sort_in_regions(interleaved, [region("text", 0, 95, 555, 215)]) == interleaved


def test_a_receipts_label_and_amount_columns_stay_rows():
    labels = [line(f"ITEM NUMBER {i}", 0, 100 + 30 * i, 200, 120 + 30 * i) for i in range(5)]
    amounts = [line(f"{i}.50", 400, 100 + 30 * i, 440, 120 + 30 * i) for i in range(5)]
    rows = [ln for pair in zip(labels, amounts, strict=True) for ln in pair]
    regions = [region("text", 0, 95, 205, 245), region("text", 395, 95, 445, 245)]
    assert region_gutters(rows, regions) == []
    assert sort_in_regions(rows, regions) == rows


def test_a_caption_beside_its_figure_is_read_after_the_figures_text():
    figure_text = [line("Axis label A", 0, 100, 150, 120), line("Axis label B", 0, 160, 150, 180)]
    caption = [line("Figure 1: sales by year", 200, 100, 400, 120)]
    order = [figure_text[0], caption[0], figure_text[1]]
    regions = [region("figure", 0, 90, 160, 190), region("caption", 195, 95, 405, 125)]
    assert [ln.text for ln in sort_in_regions(order, regions)] == ["Axis label A", "Axis label B", caption[0].text]


def test_extract_refuses_unknown_regions_and_exclusion_without_the_layout_model(tmp_path):
    import ocula

    with pytest.raises(ValueError, match="regions are"):
        ocula.extract(tmp_path / "none.png", exclude_regions=["sidebar"])
    with pytest.raises(ValueError, match="needs the layout model"):
        ocula.extract(tmp_path / "none.png", exclude_regions=["header"], layout=False)
