"""Loading documents: every input kind, page selection, laziness and every kind of bad input."""

from __future__ import annotations

import gc
import hashlib
import io
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocula.adapters.io import (
    SUPPORTED_SUFFIXES,
    Document,
    iter_sources,
    load_document,
    parse_page_ranges,
    select_pages,
)
from ocula.adapters.io.pdf_renderers import RENDERER_ENV, RENDERERS, pdf_renderer, poppler_installed
from ocula.schemas.errors import InputError

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


# helpers ----------------------------------------------------------------------------------------
def gradient(width: int = 32, height: int = 24) -> np.ndarray:
    """An RGB image whose every pixel differs from its neighbours (catches flips and transposes)."""
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 7 % 256, y * 11 % 256, (x + y) * 3 % 256], axis=2).astype(np.uint8)


def save(img: Image.Image, path: Path, **params: object) -> Path:
    img.save(path, **params)
    return path


def make_pdf(path: Path, colours: list[tuple[int, int, int]], size: tuple[int, int] = (200, 100)) -> Path:
    """A PDF of one page per colour; at 72 dpi a page is `size` pixels (PIL writes 72 dpi pages)."""
    pages = [Image.new("RGB", size, c) for c in colours]
    pages[0].save(path, "PDF", resolution=72, save_all=True, append_images=pages[1:])
    return path


def centre(doc: Document, index: int) -> tuple[int, ...]:
    """The colour at the middle of a page, rounded to the nearest of the pure test colours (PIL's PDFs are JPEG)."""
    image = doc.page(index).image
    pixel = image[image.shape[0] // 2, image.shape[1] // 2].astype(int)
    nearest = min((RED, GREEN, BLUE, WHITE), key=lambda c: int(np.abs(pixel - c).sum()))
    assert np.abs(pixel - nearest).max() < 8
    return nearest


def encrypted_pdf(user_password: bytes, owner_password: bytes = b"owner") -> bytes:
    """A one-page PDF (a blue square) encrypted with the standard security handler, RC4 40-bit (R2)."""
    arc4 = pytest.importorskip(
        "cryptography.hazmat.decrepit.ciphers.algorithms", reason="cryptography's ARC4 builds the test PDF"
    ).ARC4
    from cryptography.hazmat.primitives.ciphers import Cipher

    def rc4(key: bytes, data: bytes) -> bytes:
        return Cipher(arc4(key), mode=None).encryptor().update(data)

    pad = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
    file_id, perms = b"0123456789abcdef", -4
    owner = rc4(hashlib.md5((owner_password + pad)[:32]).digest()[:5], (user_password + pad)[:32])
    key = hashlib.md5((user_password + pad)[:32] + owner + struct.pack("<i", perms) + file_id).digest()[:5]
    content = rc4(hashlib.md5(key + (4).to_bytes(3, "little") + b"\0\0").digest()[:10], b"0 0 1 rg 20 20 100 100 re f")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
        % (owner.hex().encode(), rc4(key, pad).hex().encode(), perms),
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 5 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        file_id.hex().encode(),
        file_id.hex().encode(),
        xref,
    )
    return bytes(out)


def png_with_size(width: int, height: int) -> bytes:
    """A valid 1x1 PNG whose header claims `width` x `height` (a decompression bomb's header)."""
    buf = io.BytesIO()
    Image.new("L", (1, 1)).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


# images -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("suffix", "params", "lossless"),
    [
        (".png", {}, True),
        (".bmp", {}, True),
        (".tif", {}, True),
        (".webp", {"lossless": True}, True),
        (".jpg", {"quality": 95}, False),
        (".gif", {}, False),
    ],
)
def test_image_formats_load_as_rgb_uint8(tmp_path: Path, suffix: str, params: dict, lossless: bool) -> None:
    pixels = gradient()
    path = save(Image.fromarray(pixels), tmp_path / f"x{suffix}", **params)
    doc = load_document(path)
    assert len(doc) == 1
    assert doc.kind == ("tiff" if suffix == ".tif" else "image")
    assert doc.source == str(path)
    page = next(doc.pages())
    assert page.image.dtype == np.uint8
    assert page.image.shape == (24, 32, 3)
    if lossless:
        np.testing.assert_array_equal(page.image, pixels)
    elif suffix == ".jpg":
        assert np.abs(page.image.astype(int) - pixels).mean() < 8


@pytest.mark.parametrize(
    ("img", "expected"),
    [
        (Image.new("L", (4, 4), 77), (77, 77, 77)),
        (Image.new("1", (4, 4), 1), WHITE),
        (Image.new("P", (4, 4), 0), (0, 0, 0)),
        (Image.new("RGBA", (4, 4), (255, 0, 0, 0)), WHITE),  # fully transparent: the white background
        (Image.new("RGBA", (4, 4), (255, 0, 0, 255)), RED),
        (Image.new("LA", (4, 4), (0, 128)), (127, 127, 127)),  # half-transparent black over white
        (Image.new("CMYK", (4, 4), (0, 255, 255, 0)), RED),
        (Image.fromarray(np.full((4, 4), 65535, np.uint16)), WHITE),  # 16-bit grey
        (Image.fromarray(np.full((4, 4), 257 * 100, np.uint16)), (100, 100, 100)),
        (Image.fromarray(np.full((4, 4), 0.5, np.float32)), (128, 128, 128)),  # mode F in 0-1
    ],
    ids=["L", "1", "P", "RGBA-clear", "RGBA-opaque", "LA-half", "CMYK", "I16-max", "I16-mid", "F"],
)
def test_every_mode_becomes_rgb(img: Image.Image, expected: tuple[int, int, int]) -> None:
    image = next(load_document(img).pages()).image
    assert image.shape == (4, 4, 3) and image.dtype == np.uint8
    assert np.abs(image[0, 0].astype(int) - expected).max() <= 1


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_16_bit_files_are_scaled_not_clipped(tmp_path: Path, fmt: str) -> None:
    values = np.array([[0, 257 * 10, 257 * 200, 65535]], dtype=np.uint16)
    path = save(Image.fromarray(values), tmp_path / f"deep.{fmt.lower()}", format=fmt)
    image = next(load_document(path).pages()).image
    assert image[0, :, 0].tolist() == [0, 10, 200, 255]


def test_palette_transparency_is_composited_on_white(tmp_path: Path) -> None:
    img = Image.new("P", (4, 4), 1)
    img.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    path = save(img, tmp_path / "t.gif", transparency=1)
    assert tuple(next(load_document(path).pages()).image[0, 0]) == WHITE


def test_cmyk_jpeg_file(tmp_path: Path) -> None:
    path = save(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), tmp_path / "cmyk.jpg", quality=95)
    image = next(load_document(path).pages()).image
    assert np.abs(image[4, 4].astype(int) - RED).max() < 10


def test_gif_gives_its_first_frame_only(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (8, 8), c) for c in (RED, GREEN, BLUE)]
    path = save(frames[0], tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    doc = load_document(path)
    assert len(doc) == 1
    assert tuple(next(doc.pages()).image[0, 0]) == RED


def test_multi_page_tiff_has_a_page_per_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (10 + i, 8), c) for i, c in enumerate((RED, GREEN, BLUE))]
    path = save(frames[0], tmp_path / "scan.tiff", save_all=True, append_images=frames[1:])
    doc = load_document(path)
    assert doc.kind == "tiff" and doc.page_indices == [0, 1, 2]
    assert [p.width for p in doc.pages()] == [10, 11, 12]
    assert [tuple(p.image[0, 0]) for p in doc.pages()] == [RED, GREEN, BLUE]
    picked = load_document(path, pages="2-3")
    assert picked.page_indices == [1, 2] and tuple(picked.page(2).image[0, 0]) == BLUE


@pytest.mark.parametrize(
    ("orientation", "expected_shape", "red_corner"),
    [(1, (20, 40), (0, 0)), (6, (40, 20), (0, 19)), (8, (40, 20), (39, 0)), (3, (20, 40), (19, 39))],
)
def test_exif_orientation_is_applied(
    tmp_path: Path, orientation: int, expected_shape: tuple[int, int], red_corner: tuple[int, int]
) -> None:
    """A 40x20 JPEG, red in its stored top-left corner; the EXIF tag says how to turn it for display."""
    stored = np.full((20, 40, 3), 255, np.uint8)
    stored[:8, :8] = RED
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = save(Image.fromarray(stored), tmp_path / "photo.jpg", exif=exif, quality=95)
    image = next(load_document(path).pages()).image
    assert image.shape[:2] == expected_shape
    y, x = red_corner
    assert image[y, x, 0] > 200 and image[y, x, 1] < 60


def test_pil_input_applies_exif_too(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    path = save(Image.new("RGB", (40, 20), RED), tmp_path / "p.jpg", exif=exif)
    with Image.open(path) as img:
        doc = load_document(img)
    assert doc.source == "<image>" and next(doc.pages()).image.shape == (40, 20, 3)


# numpy ------------------------------------------------------------------------------------------
def test_numpy_inputs() -> None:
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert next(load_document(grey).pages()).image[:, :, 2].tolist() == grey.tolist()
    rgb = gradient(5, 4)
    np.testing.assert_array_equal(next(load_document(rgb).pages()).image, rgb)
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = (0, 0, 255, 255)
    image = next(load_document(rgba).pages()).image
    assert tuple(image[0, 0]) == BLUE and tuple(image[1, 1]) == WHITE
    floats = np.full((2, 2, 3), 0.5, np.float64)
    assert next(load_document(floats).pages()).image[0, 0].tolist() == [128, 128, 128]
    assert load_document(rgb, name="frame-7").source == "frame-7"


def test_numpy_pages_do_not_alias_the_callers_array() -> None:
    rgb = gradient(5, 4)
    doc = load_document(rgb)
    rgb[:] = 0
    first = doc.page(0).image
    first[:] = 1
    assert doc.page(0).image.max() > 1


@pytest.mark.parametrize(
    ("array", "reason"),
    [
        (np.full((4, 4), 1.5), "0-1"),
        (np.full((4, 4), np.nan), "0-1"),
        (np.zeros((4, 4, 2), np.uint8), "shape"),
        (np.zeros(5, np.uint8), "shape"),
        (np.zeros((0, 4, 3), np.uint8), "empty"),
        (np.full((4, 4), 300, np.int64), "0-255"),
    ],
)
def test_bad_arrays_raise_input_error(array: np.ndarray, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as info:
        load_document(array)
    assert info.value.source == "<image>"


# PDFs: every test runs on both renderers ----------------------------------------------------------
@pytest.fixture(params=sorted(RENDERERS))
def renderer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The PDF renderer the test runs on (poppler's only where its programs are installed)."""
    if request.param == "poppler" and not poppler_installed():
        pytest.skip("poppler's pdfinfo/pdftoppm are not installed (Debian: poppler-utils)")
    monkeypatch.setenv(RENDERER_ENV, request.param)
    return str(request.param)


def test_pdf_pages_render_at_dpi(tmp_path: Path, renderer: str) -> None:
    path = make_pdf(tmp_path / "doc.pdf", [RED, GREEN, BLUE])
    doc = load_document(path, dpi=72)
    assert doc.kind == "pdf" and doc.dpi == 72 and doc.metadata["page_count"] == 3
    assert doc.metadata["renderer"] == renderer
    assert [p.size for p in doc.pages()] == [(200, 100)] * 3
    assert [centre(doc, i) for i in range(3)] == [RED, GREEN, BLUE]
    assert next(load_document(path, dpi=144).pages()).size == (400, 200)
    assert next(doc.pages()).dpi == 72


def test_pdf_is_detected_by_content_not_name(tmp_path: Path, renderer: str) -> None:
    path = make_pdf(tmp_path / "doc.pdf", [GREEN])
    renamed = path.rename(tmp_path / "scan.png")
    assert load_document(renamed, dpi=36).kind == "pdf"
    fake = save(Image.new("RGB", (3, 3), RED), tmp_path / "image.pdf", format="PNG")
    assert load_document(fake).kind == "image"


def test_pdf_bytes_and_their_temporary_file_goes_away(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renderer: str
) -> None:
    data = make_pdf(tmp_path / "doc.pdf", [RED, BLUE]).read_bytes()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    doc = load_document(data, dpi=36, pages="2")
    assert doc.source == "<bytes>" and doc.kind == "pdf" and doc.page_indices == [1]
    assert centre(doc, 1) == BLUE
    assert len(list(scratch.iterdir())) == 1
    del doc
    gc.collect()
    assert list(scratch.iterdir()) == []


def test_pdf_renders_one_page_per_call_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renderer: str
) -> None:
    path = make_pdf(tmp_path / "doc.pdf", [RED, GREEN, BLUE, WHITE])
    calls: list[int] = []
    chosen = pdf_renderer()
    real = chosen.render

    def counting(file: str, index: int, dpi: int, source: str) -> Image.Image:
        calls.append(index)
        image = real(file, index, dpi, source)
        assert image.size == (100, 50)  # one page at 36 dpi
        return image

    monkeypatch.setattr(chosen, "render", counting)
    doc = load_document(path, dpi=36, pages="2-4")
    assert calls == []
    pages = doc.pages()
    assert next(pages).index == 1 and calls == [1]
    assert [p.index for p in pages] == [2, 3] and calls == [1, 2, 3]


def test_pdfium_is_chosen_without_poppler(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A machine set up with pip alone (no poppler-utils) still reads PDFs."""
    monkeypatch.delenv(RENDERER_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no pdfinfo/pdftoppm on it
    assert not poppler_installed() and pdf_renderer().name == "pdfium"
    doc = load_document(make_pdf(tmp_path / "doc.pdf", [GREEN]), dpi=72)
    assert doc.metadata["renderer"] == "pdfium" and centre(doc, 0) == GREEN
    with pytest.raises(ValueError, match="unknown PDF renderer"):
        pdf_renderer("ghostscript")


def test_pdf_page_over_the_pixel_limit_at_this_dpi(tmp_path: Path, renderer: str) -> None:
    path = make_pdf(tmp_path / "doc.pdf", [RED, GREEN], size=(200, 200))
    with pytest.raises(InputError, match="page 1 at 72 dpi"):
        load_document(path, dpi=72, max_pixels=10_000)
    assert len(load_document(path, dpi=36, max_pixels=10_000)) == 2


def test_encrypted_pdf_needing_a_password_is_refused(tmp_path: Path, renderer: str) -> None:
    path = tmp_path / "locked.pdf"
    path.write_bytes(encrypted_pdf(b"secret"))
    with pytest.raises(InputError, match="encrypted") as info:
        load_document(path)
    assert info.value.source == str(path)
    with pytest.raises(InputError, match="encrypted"):
        load_document(path.read_bytes())


def test_pdf_with_only_an_owner_password_opens(tmp_path: Path, renderer: str) -> None:
    """Both renderers open these without a password (they only restrict editing), so they are read."""
    path = tmp_path / "owner.pdf"
    path.write_bytes(encrypted_pdf(b""))
    doc = load_document(path, dpi=72)
    assert doc.metadata["encrypted"] is True
    assert tuple(next(doc.pages()).image[150, 50]) == BLUE  # the square at x 20-120, y 20-120 (from bottom)


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.4\n" + b"garbage " * 200, b"%PDF-1.7\n%%EOF\n"],
    ids=["garbage", "header-only"],
)
def test_corrupt_pdf(tmp_path: Path, content: bytes, renderer: str) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(content)
    with pytest.raises(InputError, match="corrupt or unreadable PDF"):
        load_document(path)


# bad input ----------------------------------------------------------------------------------------
def test_missing_folder_and_empty_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_document(tmp_path / "nope.jpg")
    with pytest.raises(InputError, match="folder"):
        load_document(tmp_path)
    empty = tmp_path / "empty.png"
    empty.touch()
    with pytest.raises(InputError, match="0 bytes"):
        load_document(empty)
    with pytest.raises(InputError, match="0 bytes") as info:
        load_document(b"")
    assert info.value.source == "<bytes>"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_images_fail_at_load_time(tmp_path: Path, fmt: str) -> None:
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(buf, fmt)
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(InputError, match="truncated or corrupt") as info:
        load_document(path)
    assert info.value.source == str(path)


@pytest.mark.parametrize("content", [b"just some text\n", bytes(range(256)) * 4])
def test_not_an_image(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.jpg"
    path.write_bytes(content)
    with pytest.raises(InputError, match="not an image or PDF"):
        load_document(path)
    with pytest.raises(InputError, match="not an image or PDF"):
        load_document(content, name="upload")


@pytest.mark.parametrize(
    ("width", "height", "message"),
    [
        (20_000, 20_000, "20000 x 20000 = 400 megapixels exceeds the limit of 200 megapixels"),  # our check
        (100_000, 100_000, "exceeds the limit of 200 megapixels"),  # over twice the limit: Pillow's own check
    ],
)
def test_decompression_bomb_header_is_refused_before_decoding(width: int, height: int, message: str) -> None:
    bomb = png_with_size(width, height)  # a 70-byte file claiming hundreds of megapixels
    with pytest.raises(InputError, match=message):
        load_document(bomb)


def test_max_pixels_is_ours_and_pils_limit_follows_it(monkeypatch: pytest.MonkeyPatch) -> None:
    data = io.BytesIO()
    Image.new("RGB", (50, 50), GREEN).save(data, "PNG")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # PIL alone would refuse 2,500 pixels
    assert next(load_document(data.getvalue(), max_pixels=10_000).pages()).size == (50, 50)
    assert len(load_document(data.getvalue(), max_pixels=None)) == 1
    assert Image.MAX_IMAGE_PIXELS == 100  # restored afterwards
    with pytest.raises(InputError, match="limit"):
        load_document(data.getvalue(), max_pixels=1_000)
    with pytest.raises(InputError, match="limit"):
        load_document(np.zeros((50, 50, 3), np.uint8), max_pixels=1_000)


def test_urls_are_not_fetched() -> None:
    with pytest.raises(InputError, match="URLs are not fetched"):
        load_document("https://example.com/a.pdf")


# page selection -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, [0, 1, 2, 3, 4]),
        ("1-3,5", [0, 1, 2, 4]),
        (" 2 , 4- ", [1, 3, 4]),
        ("3,1-3", [2, 0, 1]),
        ([4, 0], [4, 0]),
        ((1, 1, 2), [1, 2]),
    ],
)
def test_select_pages(spec: object, expected: list[int]) -> None:
    assert select_pages(spec, 5, "doc") == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("6", "out of range: the document has 5 pages \\(1-5\\)"),
        ("4-9", "out of range"),
        ([5], "index 5 out of range: the document has 5 pages \\(0-4\\)"),
        ([-1], "index -1 out of range"),
        ("0", "start at 1"),
        ("3-1", "backwards"),
        ("a", "bad page range"),
        ("", "bad page range"),
        ([], "no pages"),
    ],
)
def test_bad_page_selections(spec: object, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        select_pages(spec, 5, "doc")
    assert info.value.source == "doc"


def test_parse_page_ranges_syntax() -> None:
    assert parse_page_ranges("1-3,5,7-") == [(1, 3), (5, 5), (7, None)]
    with pytest.raises(ValueError):
        parse_page_ranges("1-2-3")


def test_page_range_out_of_a_real_document(tmp_path: Path, renderer: str) -> None:
    path = make_pdf(tmp_path / "doc.pdf", [RED, GREEN, BLUE])
    with pytest.raises(InputError, match=r"has 3 pages \(1-3\)"):
        load_document(path, pages="2-4")
    with pytest.raises(InputError, match="out of range"):
        load_document(np.zeros((2, 2), np.uint8), pages="2")


# sources ------------------------------------------------------------------------------------------
def test_iter_sources(tmp_path: Path) -> None:
    (tmp_path / "sub" / ".hidden").mkdir(parents=True)
    for name in ["b.PDF", "a.jpg", "notes.txt", "sub/c.tiff", "sub/.d.png", "sub/.hidden/e.png"]:
        (tmp_path / name).write_bytes(b"x")
    assert iter_sources([tmp_path]) == [tmp_path / "a.jpg", tmp_path / "b.PDF", tmp_path / "sub" / "c.tiff"]
    assert iter_sources([str(tmp_path)], recursive=False) == [tmp_path / "a.jpg", tmp_path / "b.PDF"]
    assert iter_sources([str(tmp_path / "*")]) == [
        tmp_path / "a.jpg",
        tmp_path / "b.PDF",
        tmp_path / "sub" / "c.tiff",
    ]
    assert iter_sources([str(tmp_path / "**" / "*.tiff")]) == [tmp_path / "sub" / "c.tiff"]
    # an explicit file is kept whatever its name; missing paths and empty globs are kept to be reported
    missing, empty_glob = tmp_path / "gone.pdf", str(tmp_path / "*.webp")
    assert iter_sources([tmp_path / "notes.txt", missing, empty_glob, tmp_path / "a.jpg", tmp_path / "a.jpg"]) == [
        tmp_path / "notes.txt",
        missing,
        Path(empty_glob),
        tmp_path / "a.jpg",
    ]


def test_supported_suffixes_are_lower_case_and_cover_the_formats() -> None:
    assert all(s == s.lower() and s.startswith(".") for s in SUPPORTED_SUFFIXES)
    assert {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".gif"} <= SUPPORTED_SUFFIXES


# real documents ------------------------------------------------------------------------------------
@pytest.mark.skipif(not (DATA / "pdfs").is_dir(), reason="the shared development data is not present")
def test_real_multi_page_pdf(renderer: str) -> None:
    doc = load_document(DATA / "pdfs" / "federal-register-2020-17221.pdf", pages="15")
    assert doc.metadata["page_count"] == 15 and doc.page_indices == [14]
    page = doc.page(14)
    assert page.size == (1275, 1650)  # US letter at 150 dpi
    assert page.image.min() < 50 < 200 < page.image.max()  # text on paper, not a blank render
