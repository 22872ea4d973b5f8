"""Results drawn on their page: an extraction's fields of one page (rescaled), OCR lines and words,
detections; PNG files."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ocula.pipelines.overlay import assign_colours, colour_for, draw, save_png
from ocula.schemas import Detection, Detections, Extraction, FieldResult, Line, OCRPage, Word
from tests.fixtures.overlay import WHITE, blank, box, px


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


def test_save_png_writes_rgb_as_png_and_creates_the_folder(tmp_path: Path) -> None:
    image = blank(40, 30)
    image[5, 7] = (255, 0, 0)
    path = save_png(image, tmp_path / "deep" / "out.png")
    assert path.exists()
    back = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    assert np.array_equal(back, image)
