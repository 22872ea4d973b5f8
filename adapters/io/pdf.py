"""PDFs through poppler (pdf2image): page count and sizes from pdfinfo, one page rendered per request."""

from __future__ import annotations

import contextlib
import math
import os
import re
import tempfile
import weakref

from pdf2image import convert_from_path, pdfinfo_from_path
from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError, PDFPopplerTimeoutError

from ocula.adapters.io.document import Document, Page
from ocula.adapters.io.images import decoding, pil_to_rgb
from ocula.adapters.io.limits import check_pixels
from ocula.adapters.io.pages import PageSpec, select_pages
from ocula.schemas.errors import InputError

_ALL_PAGES = 10**9  # pdfinfo clamps -l to the last page, so this lists every page's size in one call
_SIZE = re.compile(r"([\d.]+) x ([\d.]+) pts")
_NO_POPPLER = "cannot read PDFs: poppler's pdfinfo/pdftoppm are not installed (Debian: poppler-utils)"


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


def pdf_info(path: str, source: str) -> dict[str, object]:
    """pdfinfo's fields for every page; an `InputError` for encrypted, corrupt or empty PDFs."""
    try:
        info = pdfinfo_from_path(path, first_page=1, last_page=_ALL_PAGES)
    except PDFPageCountError as err:
        detail = str(err).replace("Unable to get page count.", "").strip()
        if "password" in detail.lower():
            raise InputError(source, "encrypted PDF: it needs a password to open") from None
        first_line = detail.splitlines()[0] if detail else "pdfinfo could not read it"
        raise InputError(source, f"corrupt or unreadable PDF ({first_line})") from None
    except PDFInfoNotInstalledError:
        raise InputError(source, _NO_POPPLER) from None
    if int(info["Pages"]) < 1:
        raise InputError(source, "PDF has no pages")
    return info


def page_pixels(info: dict[str, object], index: int, dpi: int) -> tuple[int, int] | None:
    """Pixel size of page `index` (0-based) rendered at `dpi`, from pdfinfo's size and rotation."""
    match = _SIZE.search(str(info.get(f"Page {index + 1:4d} size", "")))
    if match is None:
        return None
    width = math.ceil(float(match.group(1)) * dpi / 72)
    height = math.ceil(float(match.group(2)) * dpi / 72)
    rotation = str(info.get(f"Page {index + 1:4d} rot", "0")).strip()
    return (height, width) if rotation in ("90", "270") else (width, height)


def pdf_document(
    path: str,
    source: str,
    *,
    dpi: int = 150,
    pages: PageSpec = None,
    max_pixels: int | None = None,
    temp: _TempPDF | None = None,
) -> Document:
    """A document whose loader renders one page at `dpi` per call (a long PDF never sits in memory).

    PDFs that open without a password (including those with only an owner password) are read; those
    that need a user password raise `InputError`. Pages larger than `max_pixels` at `dpi` are refused now.
    """
    info = pdf_info(path, source)
    count = int(info["Pages"])
    indices = select_pages(pages, count, source)
    for i in indices:
        size = page_pixels(info, i, dpi)
        if size is not None:
            check_pixels(source, *size, max_pixels, f"page {i + 1} at {dpi} dpi")

    def loader(i: int) -> Page:
        if not 0 <= i < count:
            raise IndexError(f"{source}: page {i} not in a {count}-page PDF")
        file = temp.path if temp else path  # `temp` is held here: the temporary file outlives every render
        try:
            with decoding(source, max_pixels):
                images = convert_from_path(file, dpi=dpi, first_page=i + 1, last_page=i + 1)
                if not images:
                    raise InputError(source, f"page {i + 1} could not be rendered (corrupt PDF)")
                image = images[0]
                check_pixels(source, image.width, image.height, max_pixels, f"page {i + 1} at {dpi} dpi")
                return Page(i, pil_to_rgb(image), float(dpi))
        except (PDFPageCountError, PDFPopplerTimeoutError) as err:
            raise InputError(source, f"page {i + 1} could not be rendered ({err})") from None
        except PDFInfoNotInstalledError:
            raise InputError(source, _NO_POPPLER) from None

    metadata: dict[str, object] = {"format": "PDF", "page_count": count}
    metadata["encrypted"] = str(info.get("Encrypted", "no")).startswith("yes")
    return Document(source=source, page_indices=indices, loader=loader, kind="pdf", dpi=float(dpi), metadata=metadata)


def pdf_bytes_document(
    data: bytes, source: str, *, dpi: int = 150, pages: PageSpec = None, max_pixels: int | None = None
) -> Document:
    """`pdf_document` for PDF bytes, through a temporary file removed when the document is dropped."""
    temp = _TempPDF(data)
    try:
        return pdf_document(temp.path, source, dpi=dpi, pages=pages, max_pixels=max_pixels, temp=temp)
    except BaseException:
        temp.close()
        raise
