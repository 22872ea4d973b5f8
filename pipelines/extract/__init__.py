"""Extraction engines: OCR text + language model (grounded), and vision-language model."""
