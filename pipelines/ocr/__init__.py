"""OCR of documents: engines over pages, reading order, and a VLM transcribing under a grammar."""
