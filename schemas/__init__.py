"""Pure data: geometry, results, errors, model families, box conventions, ready schemas. No other Ocula imports."""

from ocula.schemas.box_formats import (
    BOX_CONVENTIONS,
    FAMILY_BOX_CONVENTION,
    BoxConvention,
    convention_for_family,
    from_page_box,
    get_convention,
    qwen_smart_resize,
    to_input_box,
    to_page_box,
)
from ocula.schemas.errors import InputError, ModelError, OculaError, SchemaError, ValidationFailed
from ocula.schemas.families import Family
from ocula.schemas.geometry import BBox, PageTransform, union_all
from ocula.schemas.results import (
    Attempt,
    Detection,
    Detections,
    Extraction,
    FieldResult,
    FieldSource,
    Line,
    Mechanism,
    ModelInfo,
    OCRPage,
    Word,
)

__all__ = [
    "BOX_CONVENTIONS",
    "FAMILY_BOX_CONVENTION",
    "Attempt",
    "BBox",
    "BoxConvention",
    "Detection",
    "Detections",
    "Extraction",
    "Family",
    "FieldResult",
    "FieldSource",
    "InputError",
    "Line",
    "Mechanism",
    "ModelError",
    "ModelInfo",
    "OCRPage",
    "OculaError",
    "PageTransform",
    "SchemaError",
    "ValidationFailed",
    "Word",
    "convention_for_family",
    "from_page_box",
    "get_convention",
    "qwen_smart_resize",
    "to_input_box",
    "to_page_box",
    "union_all",
]
