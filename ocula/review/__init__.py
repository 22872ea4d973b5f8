"""`ocula review`: a local web page to check and correct extractions beside their evidence.

`ReviewSession` reads a results file (never writing it) and the corrections made so far; `create_app` is the
Starlette app the page talks to; `serve` runs it on uvicorn; `export` writes the corrected records that
`ocula finetune --examples` reads. Needs the `review` extra (Starlette, uvicorn).
"""

from __future__ import annotations

from ocula.review.export import ExportSummary, corrected_record, export
from ocula.review.session import FieldInvalid, NotFound, ReviewError, ReviewSession
from ocula.review.store import CorrectionStore, corrections_path

__all__ = [
    "CorrectionStore",
    "ExportSummary",
    "FieldInvalid",
    "NotFound",
    "ReviewError",
    "ReviewSession",
    "corrected_record",
    "corrections_path",
    "export",
]
