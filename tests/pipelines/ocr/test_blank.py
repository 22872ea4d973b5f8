"""Blank pages are found before OCR: no ink, no reading; a page with any text on it is read, noisy or not."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from ocula.adapters.io import load_document
from ocula.adapters.io.document import Document, Page
from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor
from ocula.pipelines.ocr.blank import MIN_INK, ink_pixels, is_blank
from ocula.pipelines.ocr.pages import read_page, run_ocr
from ocula.schemas import BBox, Line, PageTransform
from ocula.schemas.ready import Receipt
from tests.fixtures.fakes import FixedAnswer, FixedOCR

RNG = np.random.default_rng(7)


def white(height: int = 1200, width: int = 900) -> np.ndarray:
    return np.full((height, width, 3), 255, np.uint8)


def noisy(image: np.ndarray, sigma: float) -> np.ndarray:
    return np.clip(image + RNG.normal(0, sigma, image.shape), 0, 255).astype(np.uint8)


def with_text(image: np.ndarray, text: str = "TOTAL 12.50", scale: float = 1.0) -> np.ndarray:
    out = image.copy()
    cv2.putText(out, text, (100, image.shape[0] // 2), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 2)
    return out


@pytest.mark.parametrize(
    "image",
    [
        white(),
        np.zeros((800, 600, 3), np.uint8),  # one flat colour, dark
        np.full((1, 1, 3), 255, np.uint8),  # a 1x1 image
        white(20_000, 10),  # a sliver
    ],
    ids=["white", "black", "one-pixel", "sliver"],
)
def test_flat_pages_are_blank(image: np.ndarray) -> None:
    assert is_blank(image)


@pytest.mark.parametrize("sigma", [3, 10, 25])
def test_noise_alone_is_blank_and_noise_with_a_line_of_text_is_not(sigma: float) -> None:
    page = noisy(white(), sigma)
    assert is_blank(page)
    assert not is_blank(noisy(with_text(white()), sigma))


def test_specks_and_shading_are_blank_but_small_print_is_not() -> None:
    specks = white()
    specks.reshape(-1, 3)[RNG.integers(0, specks.shape[0] * specks.shape[1], 400)] = 0  # dust: lone dark pixels
    assert is_blank(specks)
    shaded = np.tile(np.linspace(110, 250, 900, dtype=np.float32)[None, :, None], (1200, 1, 3)).astype(np.uint8)
    assert is_blank(shaded)  # a photo of a blank sheet: light falling off across it
    assert not is_blank(with_text(shaded))
    assert not is_blank(with_text(white(), "7", scale=0.5))  # one small digit
    faint = with_text(white())
    faint[faint < 255] = 200  # light grey print, 55 levels off the paper
    assert not is_blank(faint)


def test_large_pages_are_looked_at_shrunk_and_keep_their_text() -> None:
    page = white(6000, 4000)
    cv2.putText(page, "TOTAL 12.50", (300, 3000), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (0, 0, 0), 4)
    assert ink_pixels(page) >= MIN_INK and is_blank(white(6000, 4000))


def test_every_sample_page_has_ink(samples_dir: Path) -> None:
    for path in sorted(samples_dir.iterdir()):
        if path.suffix in (".png", ".jpg", ".pdf"):
            for page in load_document(path).pages():
                assert not is_blank(page.image), (path.name, page.index)


def test_a_blank_page_is_not_read_and_says_so() -> None:
    engine = FixedOCR([Line(text="made up", box=BBox(x0=1, y0=1, x1=5, y1=5))])
    result = read_page(engine, Page(3, white(), 150.0))
    assert engine.calls == 0 and result.blank and result.lines == []
    assert (result.page, result.width, result.height) == (3, 900, 1200)
    document = Document("mem", [0, 1], lambda i: Page(i, white() if i == 0 else with_text(white())))
    pages = run_ocr(document, engine)
    assert engine.calls == 1 and [p.blank for p in pages] == [True, False]


def test_a_shrunk_page_is_read_shrunk_and_answers_in_its_own_pixels() -> None:
    engine = FixedOCR([Line(text="TOTAL", box=BBox(x0=10, y0=20, x1=110, y1=40), polygon=[(10, 20), (110, 40)])])
    transform = PageTransform.resize((1800, 2400), (900, 1200))  # the page is twice the image it is read on
    result = read_page(engine, Page(0, with_text(white()), None, transform))
    assert (result.width, result.height) == (1800, 2400)
    assert result.lines[0].box.as_tuple() == pytest.approx((20, 40, 220, 80))
    assert result.lines[0].polygon == [pytest.approx((20, 40)), pytest.approx((220, 80))]


def test_an_extraction_of_a_blank_page_runs_neither_ocr_nor_model() -> None:
    engine = FixedOCR([Line(text="Axelon", box=BBox(x0=1, y0=1, x1=5, y1=5))])
    model = FixedAnswer('{"company": "Axelon"}')
    extractor = OcrLlmExtractor(model, engine, ExtractOptions(on_error="partial"))
    document = Document("blank.png", [0], lambda i: Page(0, white()))
    result = extractor.run(document, Receipt)
    assert engine.calls == 0 and model.calls == 0
    assert result.page_sizes == [(900, 1200)]
    found = [v for v in (result.value.model_dump().values() if result.value is not None else []) if v]
    assert all(not isinstance(v, str) for v in found)  # no string made up
    assert any("no text found" in e for e in result.errors)
