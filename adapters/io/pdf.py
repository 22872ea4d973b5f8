"""PDFs: page count and sizes read once, then one page rendered per request (a long PDF never sits in memory).

Rendering is poppler's (pdf2image) when it is installed, else PDFium's (pypdfium2, bundled in its wheel); see
`pdf_renderers`. Either way a page is drawn only when the document's loader is asked for it.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import weakref

from ocula.adapters.io.document import Document, Page
from ocula.adapters.io.images import decoding, pil_to_rgb
from ocula.adapters.io.limits import check_pixels
from ocula.adapters.io.pages import PageSpec, select_pages
from ocula.adapters.io.pdf_renderers import PdfInfo, PdfRenderer, pdf_renderer
from ocula.adapters.io.working import shrink_array, working_size
from ocula.schemas.errors import InputError
from ocula.schemas.geometry import PageTransform


class _TempPDF:
    """PDF bytes in a temporary file that lives as long as this object (poppler reads files, not bytes)."""

    def __init__(self, data: bytes) -> None:
        fd, self.path = tempfile.mkstemp(prefix="ocula-", suffix=".pdf")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        self._finalizer = weakref.finalize(self, _unlink, self.path)

    def close(self) -> None:
        self._finalizer()


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def pdf_info(path: str, source: str, renderer: PdfRenderer | None = None) -> PdfInfo:
    """The PDF's pages; an `InputError` for encrypted, corrupt or empty PDFs."""
    info = (renderer or pdf_renderer()).info(path, source)
    if info.count < 1:
        raise InputError(source, "PDF has no pages")
    return info


def page_pixels(info: PdfInfo, index: int, dpi: int) -> tuple[int, int] | None:
    """Pixel size of page `index` (0-based) rendered at `dpi`, from its size in points (rotation applied)."""
    size = info.sizes[index] if index < len(info.sizes) else None
    if size is None:
        return None
    return math.ceil(size[0] * dpi / 72), math.ceil(size[1] * dpi / 72)


def pdf_document(
    path: str,
    source: str,
    *,
    dpi: int = 150,
    pages: PageSpec = None,
    max_pixels: int | None = None,
    working_pixels: int | None = None,
    working_side: int | None = None,
    temp: _TempPDF | None = None,
    renderer: PdfRenderer | None = None,
) -> Document:
    """A document whose loader renders one page at `dpi` per call (a long PDF never sits in memory).

    PDFs that open without a password (including those with only an owner password) are read; those
    that need a user password raise `InputError`. Pages larger than `max_pixels` at `dpi` are refused now,
    unless `working_pixels` or `working_side` is given: a page larger than those at `dpi` is rendered at the
    lower dpi that fits it (its memory is what is bounded), `Page.transform` mapping the page's pixels at `dpi`
    to the image's.
    `renderer` is chosen by `pdf_renderers.pdf_renderer` (poppler when installed, else PDFium).
    """
    chosen = renderer or pdf_renderer()
    info = pdf_info(path, source, chosen)
    count = info.count
    indices = select_pages(pages, count, source)
    for i in indices:
        size = page_pixels(info, i, dpi)
        if size is not None and working_size(*size, working_pixels, working_side) is None:
            check_pixels(source, *size, max_pixels, f"page {i + 1} at {dpi} dpi")

    def loader(i: int) -> Page:
        if not 0 <= i < count:
            raise IndexError(f"{source}: page {i} not in a {count}-page PDF")
        file = temp.path if temp else path  # `temp` is held here: the temporary file outlives every render
        size = page_pixels(info, i, dpi)
        shrunk = working_size(*size, working_pixels, working_side) if size is not None else None
        at = dpi if size is None or shrunk is None else max(1, math.floor(dpi * shrunk[0] / size[0]))
        with decoding(source, max_pixels):
            image = chosen.render(file, i, at, source)
            check_pixels(source, image.width, image.height, max_pixels, f"page {i + 1} at {at} dpi")
            original = size if size is not None and at != dpi else (image.width, image.height)
            # a page of unknown size rendered too large
            rgb, _ = shrink_array(pil_to_rgb(image), working_pixels, working_side)
        fits = (rgb.shape[1], rgb.shape[0]) == tuple(original)
        return Page(i, rgb, float(dpi), None if fits else PageTransform.resize(original, (rgb.shape[1], rgb.shape[0])))

    metadata: dict[str, object] = {"format": "PDF", "page_count": count, "encrypted": info.encrypted}
    metadata["renderer"] = chosen.name
    return Document(source=source, page_indices=indices, loader=loader, kind="pdf", dpi=float(dpi), metadata=metadata)


def pdf_bytes_document(
    data: bytes,
    source: str,
    *,
    dpi: int = 150,
    pages: PageSpec = None,
    max_pixels: int | None = None,
    working_pixels: int | None = None,
    working_side: int | None = None,
) -> Document:
    """`pdf_document` for PDF bytes, through a temporary file removed when the document is dropped."""
    temp = _TempPDF(data)
    try:
        limits = {"max_pixels": max_pixels, "working_pixels": working_pixels, "working_side": working_side}
        return pdf_document(temp.path, source, dpi=dpi, pages=pages, temp=temp, **limits)
    except BaseException:
        temp.close()
        raise
