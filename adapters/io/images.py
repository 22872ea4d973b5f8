"""Images (files, bytes, PIL images, numpy arrays) into RGB uint8 pages and `Document`s."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ocula.adapters.io.document import Document, Page
from ocula.adapters.io.limits import check_pixels, over_limit, pil_pixel_limit
from ocula.adapters.io.pages import PageSpec, select_pages
from ocula.adapters.io.working import draft_for, shrink_array, shrink_pil, working_size
from ocula.schemas.errors import InputError
from ocula.schemas.geometry import PageTransform

_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_WIDE_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
_WHITE = (255, 255, 255)


# conversions ----------------------------------------------------------------------------------------
def _grey_to_rgb(grey: np.ndarray) -> np.ndarray:
    return np.repeat(grey[:, :, None], 3, axis=2)


def _wide_to_uint8(values: np.ndarray) -> np.ndarray:
    """16-bit, 32-bit or float grey values of a PIL image to 0-255."""
    v = values.astype(np.float64)
    lo, hi = float(v.min()), float(v.max())
    if values.dtype.kind == "f" and lo >= 0 and hi <= 1:
        v = v * 255
    elif lo >= 0 and hi <= 255 and values.dtype.kind != "u":
        pass
    elif lo >= 0 and hi <= 65535:
        v = v / 257
    elif hi > lo:
        v = (v - lo) * (255 / (hi - lo))
    else:
        v = np.zeros_like(v)
    return np.clip(np.rint(v), 0, 255).astype(np.uint8)


def pil_to_rgb(img: Image.Image) -> np.ndarray:
    """Any PIL mode to an RGB uint8 array (H, W, 3); transparency is composited on white."""
    if img.mode in _WIDE_MODES:
        return _grey_to_rgb(_wide_to_uint8(np.asarray(img)))
    if img.mode in _ALPHA_MODES or "transparency" in img.info:
        rgba = img.convert("RGBA")
        background = Image.new("RGB", img.size, _WHITE)
        background.paste(rgba, mask=rgba.getchannel("A"))
        return np.array(background, dtype=np.uint8)
    rgb = img if img.mode == "RGB" else img.convert("RGB")
    return np.array(rgb, dtype=np.uint8)


def array_to_rgb(array: np.ndarray, source: str = "<image>") -> np.ndarray:
    """HxW grey, HxWx1, HxWx3 RGB or HxWx4 RGBA; uint8, uint16, bool, other ints in 0-255 or floats in 0-1.

    Always returns a new array, so the page never aliases the caller's buffer.
    """
    a = np.asarray(array)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)):
        raise InputError(source, f"array of shape {a.shape} is not an image (want HxW, HxWx3 or HxWx4)")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise InputError(source, f"empty image array of shape {a.shape}")
    a = _array_to_uint8(a, source)
    if a.ndim == 2:
        return _grey_to_rgb(a)
    if a.shape[2] == 4:
        alpha = a[:, :, 3:4].astype(np.float32) / 255
        blended = a[:, :, :3].astype(np.float32) * alpha + 255 * (1 - alpha)
        return np.rint(blended).astype(np.uint8)
    return np.array(a, dtype=np.uint8, copy=True)


def _array_to_uint8(a: np.ndarray, source: str) -> np.ndarray:
    if a.dtype == np.uint8:
        return a
    if a.dtype == np.bool_:
        return a.astype(np.uint8) * 255
    if a.dtype == np.uint16:
        return np.rint(a / 257).astype(np.uint8)
    if a.dtype.kind == "f":
        if not np.isfinite(a).all() or a.min() < 0 or a.max() > 1:
            raise InputError(source, "float image arrays must hold finite values in 0-1")
        return np.rint(a * 255).astype(np.uint8)
    if a.dtype.kind in "iu":
        if a.min() < 0 or a.max() > 255:
            raise InputError(source, f"{a.dtype} image array has values outside 0-255")
        return a.astype(np.uint8)
    raise InputError(source, f"unsupported image array dtype {a.dtype}")


# decoding -------------------------------------------------------------------------------------------
_HEADERS = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)


def _unidentified(data: str | bytes | None) -> str:
    """Why PIL could not open an image: a known format's header with no pixels (a 0-width PNG), a known
    format's header it cannot read, or no image format at all."""
    head = b""
    try:
        if isinstance(data, bytes):
            head = data[:32]
        elif isinstance(data, str):
            with open(data, "rb") as f:
                head = f.read(32)
    except OSError:
        pass
    fmt = next((name for magic, name in _HEADERS if head.startswith(magic)), None)
    if fmt is None:
        return "not an image or PDF (unknown format)"
    if fmt == "PNG" and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        if width == 0 or height == 0:
            return f"empty image: the PNG header says {width}x{height} pixels"
    return f"invalid {fmt} image: its header cannot be read (no pixels, or a corrupt header)"


@contextmanager
def decoding(source: str, max_pixels: int | None, data: str | bytes | None = None) -> Iterator[None]:
    """Run PIL under our pixel limit and turn its exceptions into one-line `InputError`s (`data`: the file or
    bytes being decoded, to say why a header was not recognised)."""
    try:
        with pil_pixel_limit(max_pixels):
            yield
    except InputError:
        raise
    except Image.DecompressionBombError:
        raise InputError(source, f"image {over_limit(max_pixels)}") from None
    except UnidentifiedImageError:
        raise InputError(source, _unidentified(data)) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error) as err:
        raise InputError(source, f"truncated or corrupt image ({err})") from None


def decode_frame(img: Image.Image, source: str, max_pixels: int | None) -> np.ndarray:
    """Fully decode the current frame (so truncation shows here), apply EXIF orientation, to RGB."""
    return decode_page(img, source, max_pixels)[0]


_EXIF_ORIENTATION = 0x0112
_TURNED_EXIF = frozenset({5, 6, 7, 8})  # EXIF orientations that swap width and height
_EXIF_TRANSPOSE = {  # as ImageOps.exif_transpose turns a page upright
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def decode_page(
    img: Image.Image,
    source: str,
    max_pixels: int | None,
    working_pixels: int | None = None,
    *,
    working_side: int | None = None,
    own: bool = True,
) -> tuple[np.ndarray, PageTransform | None]:
    """`decode_frame`, and a frame over `working_pixels` or `working_side` shrunk to fit as it is decoded, with
    the transform from the original page's pixels (EXIF orientation applied) to the result's (None when the frame
    fits). When the image is the loader's `own` (not a caller's), a JPEG decodes at a reduced scale of its own
    decoder and any other format's full-size pixels are freed (the image closed) as soon as they are reduced."""
    check_pixels(source, img.width, img.height, max_pixels)
    size = working_size(img.width, img.height, working_pixels, working_side)
    if size is None:
        img.load()
        return pil_to_rgb(ImageOps.exif_transpose(img)), None
    width, height = img.size
    orientation = img.getexif().get(_EXIF_ORIENTATION)
    if own:
        draft_for(img, working_pixels, working_side)
    img.load()
    shrunk = shrink_pil(img, size, release=own)
    method = _EXIF_TRANSPOSE.get(orientation)  # type: ignore[arg-type]
    rgb = pil_to_rgb(shrunk.transpose(method) if method is not None else shrunk)
    original = (height, width) if orientation in _TURNED_EXIF else (width, height)
    return rgb, PageTransform.resize(original, (rgb.shape[1], rgb.shape[0]))


def _dpi(img: Image.Image) -> float | None:
    dpi = img.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        return None
    return value if value > 0 else None


def _open(data: str | bytes) -> Image.Image:
    return Image.open(data if isinstance(data, str) else io.BytesIO(data))


# documents ------------------------------------------------------------------------------------------
def image_document(
    data: str | bytes,
    source: str,
    *,
    pages: PageSpec = None,
    max_pixels: int | None = None,
    working_pixels: int | None = None,
    working_side: int | None = None,
) -> Document:
    """A document from an image file (`data` a path) or its bytes.

    Multi-page TIFFs have one page per frame, decoded when asked for; other formats have one page
    (the first frame of an animation). The first selected page is decoded now so bad input fails early.
    A page over `working_pixels` or `working_side` is shrunk to fit as it is decoded (`Page.transform` maps back).
    """
    with decoding(source, max_pixels, data), _open(data) as img:
        fmt = img.format or "unknown"
        is_tiff = fmt == "TIFF"
        count = getattr(img, "n_frames", 1) if is_tiff else 1
        indices = select_pages(pages, count, source)
        for i in indices:  # sizes come from the frame headers: no pixel is decoded for this check
            img.seek(i)
            check_pixels(source, img.width, img.height, max_pixels, f"page {i + 1}" if is_tiff else "image")
        img.seek(indices[0])
        image, transform = decode_page(img, source, max_pixels, working_pixels, working_side=working_side)
        first = Page(indices[0], image, _dpi(img), transform)

    def loader(i: int) -> Page:
        if i == first.index:
            return Page(i, first.image.copy(), first.dpi, first.transform)
        with decoding(source, max_pixels), _open(data) as frames:
            frames.seek(i)
            image, transform = decode_page(frames, source, max_pixels, working_pixels, working_side=working_side)
            return Page(i, image, _dpi(frames), transform)

    return Document(
        source=source,
        page_indices=indices,
        loader=loader,
        kind="tiff" if is_tiff else "image",
        metadata={"format": fmt, "page_count": count},
    )


def pil_document(
    img: Image.Image,
    source: str = "<image>",
    *,
    pages: PageSpec = None,
    max_pixels: int | None = None,
    working_pixels: int | None = None,
    working_side: int | None = None,
) -> Document:
    """A one-page document from a PIL image (its current frame), EXIF orientation applied (shrunk to
    `working_pixels` or `working_side` when larger)."""
    indices = select_pages(pages, 1, source)
    with decoding(source, max_pixels):
        image, transform = decode_page(  # the caller's image: not closed, no draft
            img, source, max_pixels, working_pixels, working_side=working_side, own=False
        )
        page = Page(0, image, _dpi(img), transform)
    return _single(source, indices, page, {"format": img.format or "PIL", "page_count": 1})


def array_document(
    array: np.ndarray,
    source: str = "<image>",
    *,
    pages: PageSpec = None,
    max_pixels: int | None = None,
    working_pixels: int | None = None,
    working_side: int | None = None,
) -> Document:
    """A one-page document from a numpy array (see `array_to_rgb` for what is accepted; shrunk to
    `working_pixels` or `working_side` when larger)."""
    indices = select_pages(pages, 1, source)
    shape = np.shape(array)
    if len(shape) >= 2:
        check_pixels(source, int(shape[1]), int(shape[0]), max_pixels)
    image, transform = shrink_array(array_to_rgb(array, source), working_pixels, working_side)
    page = Page(0, image, transform=transform)
    return _single(source, indices, page, {"format": "array", "page_count": 1})


def _single(source: str, indices: list[int], page: Page, metadata: dict[str, object]) -> Document:
    def loader(i: int) -> Page:
        if i != 0:
            raise IndexError(f"{source}: page {i} not in a one-page document")
        return Page(0, page.image.copy(), page.dpi, page.transform)

    return Document(source=source, page_indices=indices, loader=loader, kind="image", metadata=metadata)
