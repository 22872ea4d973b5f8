"""The two PDF renderers: poppler (pdfinfo/pdftoppm through pdf2image) and PDFium (pypdfium2).

Both read a PDF file page by page: `info` gives the page count, each page's size in points (with its
rotation applied) and whether the file is encrypted; `render` draws one page at a dpi. Poppler is used when
its programs are installed (Debian: poppler-utils); otherwise PDFium, whose library ships inside the
pypdfium2 wheel, so PDFs read with pip alone. `OCULA_PDF_RENDERER=poppler|pdfium` names one.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from ocula.schemas.errors import InputError

RENDERER_ENV = "OCULA_PDF_RENDERER"
NO_POPPLER = "cannot read PDFs: poppler's pdfinfo/pdftoppm are not installed (Debian: poppler-utils)"
_ALL_PAGES = 10**9  # pdfinfo clamps -l to the last page, so this lists every page's size in one call
_SIZE = re.compile(r"([\d.]+) x ([\d.]+) pts")


@dataclass(frozen=True)
class PdfInfo:
    """Page count, each page's (width, height) in points as displayed (rotation applied; None if unknown)."""

    count: int
    sizes: list[tuple[float, float] | None]
    encrypted: bool


class PdfRenderer(Protocol):
    name: str

    def info(self, path: str, source: str) -> PdfInfo:
        """The file's pages; `InputError` for encrypted (user password), corrupt or empty PDFs."""
        ...

    def render(self, path: str, index: int, dpi: int, source: str) -> Image.Image:
        """Page `index` (0-based) at `dpi`; `InputError` when it cannot be rendered."""
        ...


def _corrupt(source: str, detail: str) -> InputError:
    return InputError(source, f"corrupt or unreadable PDF ({detail})")


class PopplerRenderer:
    """pdfinfo for the pages, pdftoppm for one page per call (each a separate process)."""

    name = "poppler"

    def info(self, path: str, source: str) -> PdfInfo:
        from pdf2image import pdfinfo_from_path
        from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError

        try:
            info = pdfinfo_from_path(path, first_page=1, last_page=_ALL_PAGES)
        except PDFPageCountError as err:
            detail = str(err).replace("Unable to get page count.", "").strip()
            if "password" in detail.lower():
                raise InputError(source, "encrypted PDF: it needs a password to open") from None
            if "invalid page count 0" in detail.lower():  # a well-formed PDF of no page, as PDFium says too
                raise InputError(source, "PDF has no pages") from None
            raise _corrupt(source, detail.splitlines()[0] if detail else "pdfinfo could not read it") from None
        except PDFInfoNotInstalledError:
            raise InputError(source, NO_POPPLER) from None
        count = int(info["Pages"])
        sizes = [self._size(info, i) for i in range(count)]
        return PdfInfo(count, sizes, str(info.get("Encrypted", "no")).startswith("yes"))

    @staticmethod
    def _size(info: dict[str, object], index: int) -> tuple[float, float] | None:
        match = _SIZE.search(str(info.get(f"Page {index + 1:4d} size", "")))
        if match is None:
            return None
        width, height = float(match.group(1)), float(match.group(2))
        rotation = str(info.get(f"Page {index + 1:4d} rot", "0")).strip()
        return (height, width) if rotation in ("90", "270") else (width, height)

    def render(self, path: str, index: int, dpi: int, source: str) -> Image.Image:
        from pdf2image import convert_from_path
        from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError, PDFPopplerTimeoutError

        try:
            images = convert_from_path(path, dpi=dpi, first_page=index + 1, last_page=index + 1)
        except (PDFPageCountError, PDFPopplerTimeoutError) as err:
            raise InputError(source, f"page {index + 1} could not be rendered ({err})") from None
        except PDFInfoNotInstalledError:
            raise InputError(source, NO_POPPLER) from None
        if not images:
            raise InputError(source, f"page {index + 1} could not be rendered (corrupt PDF)")
        return images[0]


class PdfiumRenderer:
    """PDFium in this process: the file is opened per call and only the asked page is loaded and drawn.

    PDFium is not thread-safe, so every call holds one process-wide lock."""

    name = "pdfium"
    _lock = threading.Lock()

    def _open(self, path: str, source: str) -> object:
        import pypdfium2 as pdfium

        try:
            return pdfium.PdfDocument(path)
        except pdfium.PdfiumError as err:
            if "password" in str(err).lower():
                raise InputError(source, "encrypted PDF: it needs a password to open") from None
            raise _corrupt(source, str(err).rstrip(".")) from None

    def info(self, path: str, source: str) -> PdfInfo:
        import pypdfium2.raw as raw

        with self._lock:
            pdf = self._open(path, source)
            try:
                count = len(pdf)  # type: ignore[arg-type]
                sizes: list[tuple[float, float] | None] = []
                for i in range(count):
                    page = pdf[i]  # type: ignore[index]
                    sizes.append(tuple(page.get_size()))  # rotation applied, as displayed
                    page.close()
                encrypted = raw.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1  # type: ignore[attr-defined]
            finally:
                pdf.close()  # type: ignore[attr-defined]
        return PdfInfo(count, sizes, bool(encrypted))

    def render(self, path: str, index: int, dpi: int, source: str) -> Image.Image:
        import pypdfium2 as pdfium

        with self._lock:
            pdf = self._open(path, source)
            try:
                page = pdf[index]  # type: ignore[index]
                try:
                    # a hair under dpi/72, so float noise does not add a pixel (792 pt at 150 dpi is 1650 px)
                    return page.render(scale=dpi / 72 * (1 - 1e-12)).to_pil().convert("RGB")
                finally:
                    page.close()
            except pdfium.PdfiumError as err:
                raise InputError(source, f"page {index + 1} could not be rendered ({err})") from None
            finally:
                pdf.close()  # type: ignore[attr-defined]


RENDERERS: dict[str, PdfRenderer] = {"poppler": PopplerRenderer(), "pdfium": PdfiumRenderer()}


def poppler_installed() -> bool:
    return shutil.which("pdfinfo") is not None and shutil.which("pdftoppm") is not None


def pdf_renderer(name: str | None = None) -> PdfRenderer:
    """The renderer named (or by `OCULA_PDF_RENDERER`), else poppler when installed, else PDFium."""
    name = name or os.environ.get(RENDERER_ENV) or ("poppler" if poppler_installed() else "pdfium")
    try:
        return RENDERERS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown PDF renderer {name!r}: use {' or '.join(RENDERERS)}") from None
