"""Loading images and PDFs into `Document`s of RGB pages."""

from .document import Document, Page

__all__ = ["Document", "Page"]
