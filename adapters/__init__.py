"""Everything that touches the outside world: files, OCR engines, models."""
