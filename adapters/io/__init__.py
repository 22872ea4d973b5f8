"""Loading images and PDFs into `Document`s of RGB pages."""

from ocula.adapters.io.document import Document, Page
from ocula.adapters.io.images import array_to_rgb, pil_to_rgb
from ocula.adapters.io.limits import DEFAULT_MAX_PIXELS
from ocula.adapters.io.loading import load_document
from ocula.adapters.io.pages import parse_page_ranges, select_pages
from ocula.adapters.io.sources import SUPPORTED_SUFFIXES, iter_sources
from ocula.adapters.io.working import DEFAULT_WORKING_PIXELS

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_WORKING_PIXELS",
    "SUPPORTED_SUFFIXES",
    "Document",
    "Page",
    "array_to_rgb",
    "iter_sources",
    "load_document",
    "parse_page_ranges",
    "pil_to_rgb",
    "select_pages",
]
