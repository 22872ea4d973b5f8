"""OCR engines: each reads one page into an `OCRPage`."""
