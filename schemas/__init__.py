"""Pure data: geometry, results, errors, box conventions, ready schemas. Imports nothing else of Ocula."""

from .errors import InputError, ModelError, OculaError, SchemaError, ValidationFailed
from .geometry import BBox, PageTransform, union_all
from .results import (
    Attempt,
    Detection,
    Detections,
    Extraction,
    FieldResult,
    FieldSource,
    Line,
    ModelInfo,
    OCRPage,
    Word,
)

__all__ = [
    "Attempt",
    "BBox",
    "Detection",
    "Detections",
    "Extraction",
    "FieldResult",
    "FieldSource",
    "InputError",
    "Line",
    "ModelError",
    "ModelInfo",
    "OCRPage",
    "OculaError",
    "PageTransform",
    "SchemaError",
    "ValidationFailed",
    "Word",
    "union_all",
]
