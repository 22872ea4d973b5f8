"""Test doubles shared by several test modules."""

from collections.abc import Callable
from typing import Any

import numpy as np

from ocula.adapters.models.base import Capabilities, Generation, GenerationRequest, ModelAdapter
from ocula.schemas import Line, OCRPage


class FixedOCR:
    """An OCR engine that reads every page as the same lines, sized to the image, and counts its calls."""

    def __init__(self, lines: list[Line], name: str = "fake") -> None:
        self.lines = lines
        self.name = name
        self.calls = 0

    def read(self, image: np.ndarray, page: int = 0) -> OCRPage:
        self.calls += 1
        h, w = image.shape[:2]
        return OCRPage(page=page, width=w, height=h, lines=self.lines, engine=self.name)


class FixedAnswer(ModelAdapter):
    """A text model that always gives the same answer (the OCR around it stays real)."""

    name = "fixed"
    backend = "test"
    capabilities = Capabilities(constraints=frozenset({"json_schema"}))

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.calls = 0

    def generate(self, request: GenerationRequest) -> Generation:
        self.calls += 1
        return Generation(text=self.answer)


class ScriptedVLM(ModelAdapter):
    """A vision-language model double: answers each request with `answer(request)` (or a fixed text), declares
    a family's key and box convention, and resizes images as `resize(width, height)` says (the processor's
    resize, which Qwen2.5-VL boxes are pixels of). `raw(request)` is the text with special tokens kept."""

    backend = "test"

    def __init__(
        self,
        answer: str | Callable[[GenerationRequest], str],
        *,
        family: str = "llava",
        box_convention: str = "norm1000_xyxy",
        resize: Callable[[int, int], tuple[int, int]] | None = None,
        raw: Callable[[GenerationRequest], str] | None = None,
        family_spec: Any = None,
    ) -> None:
        self.answer = answer
        self.raw = raw
        self.resize = resize
        self.family = family
        self.family_spec = family_spec
        self.name = f"scripted-{family}"
        self.capabilities = Capabilities(
            images=True, constraints=frozenset({"json_schema"}), box_convention=box_convention
        )
        self.requests: list[GenerationRequest] = []

    def input_image_size(self, image: Any) -> tuple[int, int]:
        width, height = image.size
        return self.resize(width, height) if self.resize else (width, height)

    def generate(self, request: GenerationRequest) -> Generation:
        self.requests.append(request)
        text = self.answer(request) if callable(self.answer) else self.answer
        raw = self.raw(request) if self.raw else text
        return Generation(text=text, raw={"text_with_special_tokens": raw})
