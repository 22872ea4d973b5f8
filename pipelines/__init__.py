"""Steps over plain data and the pipelines composed of them (ocr, extract, detect), batch runner."""
