"""A page over the working resolution is read shrunk, and its boxes come back in its own pixels: the same page
drawn at two scales gives the same boxes, scaled (RapidOCR, offline)."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from ocula.adapters.io import load_document
from ocula.pipelines.ocr.pages import run_ocr
from tests.fixtures.text_page import SIZE, TEXTS, page


def boxes(path: Path, working_pixels: int | None) -> tuple[tuple[int, int], dict[str, tuple[float, ...]]]:
    document = load_document(path, working_pixels=working_pixels)
    result = run_ocr(document, "rapidocr")[0]
    return (result.width, result.height), {line.text: line.box.as_tuple() for line in result.lines}


@pytest.mark.parametrize("scale", [3])
def test_boxes_of_a_shrunk_page_match_the_page_read_at_its_own_size(tmp_path: Path, scale: int) -> None:
    small, large = tmp_path / "small.png", tmp_path / "large.png"
    cv2.imwrite(str(small), page(1))
    cv2.imwrite(str(large), page(scale))
    size, at_one = boxes(small, None)
    big_size, shrunk = boxes(large, working_pixels=SIZE[0] * SIZE[1])  # read at scale 1, answered at scale 3
    assert size == SIZE and big_size == (SIZE[0] * scale, SIZE[1] * scale)
    assert set(at_one) == set(shrunk) == {text for text, _, _ in TEXTS}
    for text, box in at_one.items():
        assert shrunk[text] == pytest.approx([v * scale for v in box], abs=3 * scale), text
    for text, x, y in TEXTS:  # and where the text was drawn
        x0, y0, _, y1 = shrunk[text]
        assert x0 == pytest.approx(x * scale, abs=12 * scale) and y0 < y * scale < y1
