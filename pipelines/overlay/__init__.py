"""Overlays: boxes and labels of extractions, OCR and detections drawn with OpenCV."""
