"""Loading images and PDFs into `Document`s of RGB pages."""

from .document import Document, Page
from .images import array_to_rgb, pil_to_rgb
from .limits import DEFAULT_MAX_PIXELS
from .loading import load_document
from .pages import parse_page_ranges, select_pages
from .sources import SUPPORTED_SUFFIXES, iter_sources

__all__ = [
    "DEFAULT_MAX_PIXELS",
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
