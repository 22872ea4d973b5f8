"""The OCR pipeline over a document: every page read once, lines in reading order, page index on every box."""

from __future__ import annotations

import numpy as np
import pytest

from ocula.adapters.io.document import Document, Page
from ocula.pipelines.ocr.pages import ocr_image, resolve_engine, run_ocr
from ocula.schemas import BBox, Line, OCRPage, Word


class ShuffledEngine:
    """Returns a label/amount row and a line below it, out of order and with page 0 on every box."""

    name = "shuffled"

    def __init__(self) -> None:
        self.calls: list[tuple[int, tuple[int, ...]]] = []

    def read(self, image: np.ndarray, page: int = 0) -> OCRPage:
        self.calls.append((page, image.shape))

        def line(text: str, x0: float, y0: float, x1: float, y1: float) -> Line:
            box = BBox(x0=x0, y0=y0, x1=x1, y1=y1)  # page deliberately left at 0
            return Line(text=text, box=box, words=[Word(text=text, box=box)])

        lines = [line("below", 10, 60, 80, 80), line("9.90", 300, 12, 340, 30), line("TOTAL", 10, 10, 80, 30)]
        return OCRPage(page=0, width=image.shape[1], height=image.shape[0], lines=lines, engine=self.name)


def document(n_pages: int) -> Document:
    def load(i: int) -> Page:
        image = np.full((100 + i, 400, 3), 255, np.uint8)
        image[40:50, 20:200] = 0  # ink: a blank page would not be read
        return Page(index=i, image=image)

    return Document(source="mem", page_indices=[1, 3][:n_pages], loader=load)


def test_run_ocr_orders_lines_and_sets_pages(capsys: pytest.CaptureFixture[str]) -> None:
    engine = ShuffledEngine()
    seen: list[int] = []
    pages = run_ocr(document(2), engine, progress=True, on_page=lambda page, result: seen.append(page.index))
    assert engine.calls == [(1, (101, 400, 3)), (3, (103, 400, 3))]
    assert seen == [1, 3]
    assert [p.page for p in pages] == [1, 3]
    for p in pages:
        assert [ln.text for ln in p.lines] == ["TOTAL", "9.90", "below"]
        assert all(ln.box.page == p.page for ln in p.lines)
        assert all(w.box.page == p.page for ln in p.lines for w in ln.words)
        assert p.seconds is not None and p.seconds >= 0
        assert p.engine == "shuffled"
    err = capsys.readouterr().err
    assert "page 1/2" in err and "page 2/2" in err


def test_run_ocr_is_silent_without_progress(capsys: pytest.CaptureFixture[str]) -> None:
    run_ocr(document(1), ShuffledEngine())
    assert capsys.readouterr().err == ""


def test_ocr_image_and_engine_names() -> None:
    result = ocr_image(np.zeros((50, 60, 3), np.uint8), ShuffledEngine(), page=5)
    assert result.page == 5 and result.lines[0].box.page == 5
    assert resolve_engine("rapidocr") is resolve_engine("rapidocr")
