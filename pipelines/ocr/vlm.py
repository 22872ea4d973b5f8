"""The `vlm` OCR engine: a vision-language model transcribes a page under a grammar of lines with boxes.

The model writes `{"lines": [{"text": ..., "box": [...]}]}`: at most `max_lines` lines of at most
`max_line_chars` characters, each box in the model family's convention, converted to original-page pixels
and clipped to the page. Word boxes are not read from the model: each line's box is split into word boxes in
proportion to character counts (`proportional_words`), an estimate. Reading order is applied by the OCR
pipeline (`pipelines.ocr.run_ocr`), as for every engine.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ocula.adapters.models.base import Constraint, Generation, GenerationRequest, Message, ModelAdapter, Sampling
from ocula.adapters.ocr.base import as_rgb, proportional_words
from ocula.pipelines.decoding.json_spans import leaf_spans
from ocula.pipelines.decoding.token_confidence import span_confidence, token_offsets
from ocula.pipelines.vision.page_view import PageView, page_view, require_vision
from ocula.schemas import Line, OCRPage
from ocula.schemas.constraints import bounded_schema
from ocula.schemas.grounding_parsers import json_parser

SYSTEM = "You read documents and photos. You copy text exactly as it is printed."

# Complete `{"text", "box"}` objects of an answer cut at the token limit.
_parse_cut_lines = json_parser(("box",), ("text",), list_keys=("lines",))


def lines_schema(view: PageView, max_lines: int, max_line_chars: int) -> dict[str, Any]:
    text = {"type": "string", "minLength": 1, "maxLength": max_line_chars}
    return view.boxed_list_schema("lines", "text", text, max_lines)


def _entries(gen: Generation) -> list[tuple[Any, Any, tuple[int, int] | None]]:
    """(text, box numbers, character span of the line in the answer) for each line of the answer."""
    try:
        data = json.loads(gen.text)
        spans = leaf_spans(gen.text)
    except ValueError:
        return [(text, values, None) for text, values in _parse_cut_lines(gen.text)]
    lines = data.get("lines", []) if isinstance(data, dict) else []
    out: list[tuple[Any, Any, tuple[int, int] | None]] = []
    for i, line in enumerate(lines):
        if not isinstance(line, dict):
            continue
        parts = [span for path, span in spans.items() if path.startswith(f"lines/{i}/")]
        span = (min(s for s, _ in parts), max(e for _, e in parts)) if parts else None
        out.append((line.get("text"), line.get("box"), span))
    return out


class VlmOCREngine:
    """An OCR engine (`read(image, page) -> OCRPage`) backed by a vision-language model."""

    name = "vlm"

    def __init__(
        self,
        model: ModelAdapter,
        *,
        max_lines: int = 100,
        max_line_chars: int = 120,
        rotate: int = 0,
        max_new_tokens: int | None = None,
    ) -> None:
        require_vision(model, "the vlm OCR engine")
        if max_lines < 1 or max_line_chars < 1:
            raise ValueError("max_lines and max_line_chars must be at least 1")
        self.model = model
        self.max_lines = max_lines
        self.max_line_chars = max_line_chars
        self.rotate = rotate
        self.max_new_tokens = max_new_tokens

    def read(self, image: np.ndarray, page: int = 0) -> OCRPage:
        """Lines as the model wrote them (not yet in reading order), boxes in pixels of `image`."""
        image = as_rgb(image)
        view = page_view(image, self.model, page=page, rotate=self.rotate)
        bounded = bounded_schema(lines_schema(view, self.max_lines, self.max_line_chars))
        prompt = (
            f"Transcribe every line of text in the image, top to bottom, at most {self.max_lines} lines. "
            'Answer with JSON {"lines": [{"text": ..., "box": ...}]}, '
            f"each box {view.box_note()}."
        )
        request = GenerationRequest(
            [Message("system", SYSTEM), Message("user", prompt, [view.image])],
            Constraint.json_schema(json.dumps(bounded.schema, separators=(",", ":"))),
            Sampling(max_new_tokens=self.max_new_tokens or bounded.max_tokens),
        )
        gen = self.model.generate(request)
        offsets = token_offsets(gen)
        lines: list[Line] = []
        for text, values, span in _entries(gen):
            if not isinstance(text, str) or not text.strip() or not isinstance(values, list):
                continue
            try:
                box = view.to_page(values)
            except (ValueError, TypeError):
                continue
            if box.width <= 0 or box.height <= 0:
                continue
            text = " ".join(text.split())
            confidence = span_confidence(gen, span[0], span[1], offsets) if span else None
            lines.append(Line(text=text, box=box, confidence=confidence, words=proportional_words(text, box)))
        height, width = image.shape[:2]
        return OCRPage(page=page, width=int(width), height=int(height), lines=lines, engine=f"vlm:{self.model.name}")
