"""`load_document`: any supported source (path, bytes, PIL image, numpy array) into a lazy `Document`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from ocula.adapters.io.document import Document
from ocula.adapters.io.images import array_document, image_document, pil_document
from ocula.adapters.io.limits import DEFAULT_MAX_PIXELS
from ocula.adapters.io.pdf import pdf_bytes_document, pdf_document
from ocula.schemas.errors import InputError

Source = str | os.PathLike[str] | bytes | bytearray | memoryview | Image.Image | np.ndarray

_PDF_MAGIC = b"%PDF-"
_SNIFF_BYTES = 1024  # PDF readers accept the header anywhere in the first kilobyte
_IMAGE_MAGIC = (b"\xff\xd8", b"\x89PNG", b"GIF8", b"II*\x00", b"MM\x00*", b"RIFF", b"BM")


def is_pdf(head: bytes) -> bool:
    """Whether the first bytes of a file are a PDF's (by content, not by file name)."""
    return _PDF_MAGIC in head[:_SNIFF_BYTES] and not head.startswith(_IMAGE_MAGIC)


def load_document(
    source: Source,
    *,
    dpi: int = 150,
    pages: str | Sequence[int] | None = None,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    name: str | None = None,
    working_pixels: int | None = None,
    working_side: int | None = None,
) -> Document:
    """Open `source` as a `Document` of RGB pages, rendered lazily page by page.

    `pages` is the user's 1-based "1-3,5" (or "4-" to the end) or a sequence of 0-based indices.
    PDFs render at `dpi`; images keep their pixels. Pages over `max_pixels` (None: no limit) are refused.
    `working_pixels` (e.g. `DEFAULT_WORKING_PIXELS`, as the OCR pipelines ask) bounds what a page costs once
    loaded: a larger page is shrunk to it (an image after decoding, a PDF page rendered at a lower dpi, then
    not refused for its size at `dpi`) and `Page.transform` maps its original pixels to the image's, so boxes
    found on it come back in original pixels. `working_side` bounds the longest side the same way (an OCR engine
    that shrinks pages to a side before reading them has them loaded at it: `adapters.ocr.base.reading_side`).
    `name` replaces the source shown in errors and in `Document.source`.
    Bad input raises `InputError(source, reason)`; a page that fails later raises it from `loader` too.
    """
    if dpi <= 0:
        raise ValueError(f"dpi must be positive, got {dpi}")
    options = {"pages": pages, "max_pixels": max_pixels, "working_pixels": working_pixels, "working_side": working_side}
    if isinstance(source, Image.Image):
        return pil_document(source, name or "<image>", **options)
    if isinstance(source, np.ndarray):
        return array_document(source, name or "<image>", **options)
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        label = name or "<bytes>"
        if not data:
            raise InputError(label, "empty input (0 bytes)")
        if is_pdf(data):
            return pdf_bytes_document(data, label, dpi=dpi, **options)
        return image_document(data, label, **options)
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        label = name or path
        head = _read_head(path, label)
        if is_pdf(head):
            return pdf_document(path, label, dpi=dpi, **options)
        return image_document(path, label, **options)
    raise TypeError(f"cannot load a document from {type(source).__name__}")


def _read_head(path: str, source: str) -> bytes:
    """The first bytes of the file at `path`, after the checks that give the clearest reasons."""
    if path.startswith(("http://", "https://")):
        raise InputError(source, "URLs are not fetched; download the file and pass its path")
    p = Path(path)
    try:
        if p.is_dir():
            listable = os.access(p, os.R_OK | os.X_OK)
            raise InputError(source, "is a folder, not a file" if listable else "a folder that cannot be listed")
        if p.is_symlink() and not p.exists():
            raise InputError(source, f"broken link (to {os.readlink(p)}, which does not exist)")
        with p.open("rb") as f:
            head = f.read(_SNIFF_BYTES)
    except FileNotFoundError:
        raise InputError(source, "no such file") from None
    except PermissionError:
        raise InputError(source, "permission denied") from None
    except OSError as err:
        raise InputError(source, f"cannot read the file ({err.strerror or err})") from None
    if not head:
        raise InputError(source, "empty file (0 bytes)")
    return head
