"""Ocula: documents and photos to validated, grounded Pydantic objects on local models."""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# Public API, imported lazily so `import ocula` stays fast and pulls no model library.
_LAZY = {
    "extract": "ocula.api",
    "ocr": "ocula.api",
    "detect": "ocula.api",
    "plot": "ocula.api",
    "load_model": "ocula.api",
    "load_document": "ocula.adapters.io.loading",
    "BBox": "ocula.schemas",
    "Extraction": "ocula.schemas",
    "OCRPage": "ocula.schemas",
    "Detections": "ocula.schemas",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ocula' has no attribute {name!r}")
