"""The working resolution: pages over a pixel budget are loaded shrunk, with the transform back to their pixels."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from ocula.adapters.io import DEFAULT_WORKING_PIXELS, load_document
from ocula.adapters.io.working import shrink_pil, working_size
from ocula.schemas import BBox, InputError

BUDGET = 200_000


def page_with_block(width: int = 1600, height: int = 1200) -> np.ndarray:
    """White, with a black block whose corners are known: (200, 100) to (900, 300)."""
    image = np.full((height, width, 3), 255, np.uint8)
    image[100:300, 200:900] = 0
    return image


def block_box(image: np.ndarray) -> tuple[int, int, int, int]:
    """The dark pixels' bounding box in `image` (x0, y0, x1, y1), exclusive ends."""
    ys, xs = np.nonzero(image.min(axis=2) < 128)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def test_working_size_keeps_the_aspect_within_the_budget() -> None:
    assert working_size(1000, 800, None) is None
    assert working_size(1000, 800, 800_000) is None
    width, height = working_size(14000, 14000, DEFAULT_WORKING_PIXELS)
    assert width == height and width * height <= DEFAULT_WORKING_PIXELS
    width, height = working_size(4000, 1000, 1_000_000)
    assert (width, height) == (2000, 500)
    assert working_size(100_000, 1, 10) == (10, 1)  # never a side of 0, never over the budget


def test_working_size_bounds_the_longest_side_as_well() -> None:
    assert working_size(1000, 800, None, 1000) is None
    assert working_size(4945, 8564, DEFAULT_WORKING_PIXELS, 2000) == (1154, 2000)  # the side bounds it first
    assert working_size(8000, 4000, None, 2000) == (2000, 1000)
    assert working_size(14000, 14000, 1_000_000, 2000) == (1000, 1000)  # the pixel budget bounds it first


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".pdf"])
def test_a_page_longer_than_the_working_side_is_shrunk_to_it_and_maps_back(
    tmp_path: Path, samples_dir: Path, suffix: str
) -> None:
    if suffix == ".pdf":
        path, block = samples_dir / "form.pdf", None
    else:
        path, block = tmp_path / f"page{suffix}", (200, 100, 900, 300)
        Image.fromarray(page_with_block()).save(path)
    full = load_document(path, pages=[0]).page(0)
    page = load_document(path, pages=[0], working_pixels=DEFAULT_WORKING_PIXELS, working_side=800).page(0)
    assert page.size == full.size and max(page.image.shape[:2]) <= 800
    assert max(page.image.shape[:2]) >= 790  # shrunk to the side, not further
    corner = page.transform.to_page(BBox(x0=0, y0=0, x1=page.image.shape[1], y1=page.image.shape[0]))
    assert (corner.x1, corner.y1) == pytest.approx(full.size, abs=2)
    if block is not None:
        x0, y0, x1, y1 = block_box(page.image)
        assert page.transform.to_page(BBox(x0=x0, y0=y0, x1=x1, y1=y1)).as_tuple() == pytest.approx(block, abs=6)


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".tif", ".gif"])
def test_an_image_over_the_budget_is_shrunk_and_its_transform_maps_back(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"page{suffix}"
    Image.fromarray(page_with_block()).save(path)
    full = load_document(path).page(0)
    page = load_document(path, working_pixels=BUDGET).page(0)
    assert full.transform is None and full.size == page.size == (1600, 1200)
    assert page.image.shape[0] * page.image.shape[1] <= BUDGET < full.image.size // 3
    x0, y0, x1, y1 = block_box(page.image)
    back = page.transform.to_page(BBox(x0=x0, y0=y0, x1=x1, y1=y1))
    assert back.as_tuple() == pytest.approx((200, 100, 900, 300), abs=8)  # a shrunk pixel is 3.5 page pixels


def test_a_page_within_the_budget_is_untouched(tmp_path: Path) -> None:
    path = tmp_path / "page.png"
    Image.fromarray(page_with_block()).save(path)
    page = load_document(path, working_pixels=1600 * 1200).page(0)
    assert page.transform is None and page.image.shape == (1200, 1600, 3)


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_turned_pages_are_shrunk_upright(tmp_path: Path, orientation: int) -> None:
    image = Image.fromarray(page_with_block())
    exif = image.getexif()
    exif[0x0112] = orientation
    path = tmp_path / "turned.jpg"
    image.save(path, exif=exif, quality=95)
    full = load_document(path).page(0)
    page = load_document(path, working_pixels=BUDGET).page(0)
    assert page.size == full.size  # (1200, 1600) when the EXIF tag turns it a quarter
    x0, y0, x1, y1 = block_box(page.image)
    back = page.transform.to_page(BBox(x0=x0, y0=y0, x1=x1, y1=y1))
    assert back.as_tuple() == pytest.approx(block_box(full.image), abs=8)


def test_arrays_and_pil_images_are_shrunk_and_a_callers_image_stays_usable() -> None:
    array = page_with_block()
    page = load_document(array, working_pixels=BUDGET).page(0)
    assert page.size == (1600, 1200) and page.image.size // 3 <= BUDGET
    assert page.dpi is None
    image = Image.fromarray(array)
    page = load_document(image, working_pixels=BUDGET).page(0)
    assert page.size == (1600, 1200) and page.transform is not None
    assert image.getpixel((0, 0)) == (255, 255, 255)  # the caller's image is neither closed nor drafted


def test_the_first_page_is_copied_with_its_transform(tmp_path: Path) -> None:
    path = tmp_path / "page.png"
    Image.fromarray(page_with_block()).save(path)
    document = load_document(path, working_pixels=BUDGET)
    first, again = document.page(0), document.page(0)
    assert first.transform == again.transform and first.image is not again.image


def test_palette_and_one_bit_pages_keep_thin_strokes() -> None:
    lines = np.full((1200, 1600), 255, np.uint8)
    lines[::20, :] = 0  # one-pixel rules every 20 rows
    for mode in ("1", "P"):
        image = Image.fromarray(lines).convert(mode)
        small = np.asarray(shrink_pil(image, (400, 300)).convert("L"))
        assert small.min() < 220, mode  # averaged into grey, not dropped by nearest-neighbour sampling


def test_pdf_pages_over_the_budget_render_at_a_lower_dpi(samples_dir: Path) -> None:
    pdf = samples_dir / "form.pdf"
    full = load_document(pdf, pages=[0]).page(0)
    page = load_document(pdf, pages=[0], working_pixels=BUDGET).page(0)
    assert page.size == full.size == (1240, 1754) and page.dpi == full.dpi == 150
    assert page.image.shape[0] * page.image.shape[1] <= BUDGET
    sx = page.transform.to_input(BBox(x0=0, y0=0, x1=1240, y1=1754))
    assert (sx.x1, sx.y1) == pytest.approx((page.image.shape[1], page.image.shape[0]), abs=1)


def test_a_pdf_page_too_large_at_its_dpi_is_refused_unless_a_working_budget_bounds_it(samples_dir: Path) -> None:
    pdf = samples_dir / "form.pdf"
    with pytest.raises(InputError, match="megapixels"):
        load_document(pdf, dpi=1200, max_pixels=5_000_000)
    page = load_document(pdf, dpi=1200, max_pixels=5_000_000, working_pixels=BUDGET).page(0)
    assert page.size == (9920, 14032) and page.image.shape[0] * page.image.shape[1] <= BUDGET


def test_decoding_is_still_bounded_by_max_pixels(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    cv2.imwrite(str(path), np.full((2000, 2000, 3), 255, np.uint8))
    with pytest.raises(InputError, match="megapixels"):
        load_document(path, max_pixels=1_000_000, working_pixels=BUDGET)
