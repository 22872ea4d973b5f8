"""Overlays: boxes and labels of extractions, OCR and detections drawn with OpenCV.

Modules: `colours` (palette, a colour per label), `labels` (label text, sizes and placement), `annotations`
(results to the `Annotation`s to draw), `boxes` (boxes and labels on an image), `draw` (a result on its page,
PNG files), `sheet` (contact sheets).
"""

from ocula.pipelines.overlay.annotations import (
    Annotation,
    colour_key_for_path,
    detection_annotations,
    extraction_annotations,
    ocr_annotations,
)
from ocula.pipelines.overlay.boxes import draw_boxes
from ocula.pipelines.overlay.colours import PALETTE, assign_colours, colour_for, text_colour
from ocula.pipelines.overlay.draw import draw, save_png
from ocula.pipelines.overlay.labels import Style, ascii_text, fit_text, label_rect, shorten
from ocula.pipelines.overlay.sheet import contact_sheet

__all__ = [
    "PALETTE",
    "Annotation",
    "Style",
    "ascii_text",
    "assign_colours",
    "colour_for",
    "colour_key_for_path",
    "contact_sheet",
    "detection_annotations",
    "draw",
    "draw_boxes",
    "extraction_annotations",
    "fit_text",
    "label_rect",
    "ocr_annotations",
    "save_png",
    "shorten",
    "text_colour",
]
