"""A page as a vision-language model sees it, and boxes in the model family's convention back to page pixels.

`page_view` prepares one page for a VLM (optionally turned by quarter turns so a sideways scan reads upright)
and keeps everything a box needs to come back: the `PageTransform` from the original page to the image the
model is given, the size the model's processor resizes that image to (Qwen2.5-VL boxes are pixels of it),
and the box convention the grammar asks for. `PageView.box_schema` is the JSON schema of one box in that
convention, each number bounded by its axis; `PageView.to_page` maps a box back to original-page pixels,
corners ordered and clipped to the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from ocula.adapters.models.base import ModelAdapter
from ocula.schemas import BBox, ModelError, PageTransform
from ocula.schemas.box_formats import BoxConvention, get_convention, to_page_box

# Conventions whose numbers are not plain integers in JSON (patch-index pairs, 0-1 fractions) are asked for
# in Ocula's own 0-1000 convention under the grammar; their native formats are read by `grounding_parsers`.
FALLBACK_CONVENTION = "norm1000_xyxy"


def require_vision(model: ModelAdapter, job: str) -> None:
    """Raise `ModelError` unless `model` reads images."""
    if not model.capabilities.images:
        raise ModelError(
            f"{job} needs a vision-language model; {model.name} ({model.backend}) reads text only: "
            "pass a transformers VLM folder or hub id as the model"
        )


def grammar_convention(model: ModelAdapter) -> BoxConvention:
    """The convention boxes are asked in under a JSON grammar: the family's, when its numbers are integers
    of a fixed frame; otherwise Ocula's 0-1000 normalised x0 y0 x1 y1."""
    conv = get_convention(model.capabilities.box_convention or FALLBACK_CONVENTION)
    if conv.grid or not conv.integer:
        return get_convention(FALLBACK_CONVENTION)
    return conv


def _quarter_turns(rotate: int) -> int:
    if rotate % 90:
        raise ValueError(f"rotate must be a multiple of 90 degrees, got {rotate}")
    return (rotate // 90) % 4


@dataclass(frozen=True)
class PageView:
    """One page prepared for a model: the image it is given and how its boxes map back to the page."""

    image: Image.Image
    transform: PageTransform  # original page -> `image`
    resized_size: tuple[int, int]  # `image` after the processor's own resize (width, height)
    convention: BoxConvention
    page: int = 0

    @property
    def input_size(self) -> tuple[int, int]:
        return self.image.size

    @property
    def page_size(self) -> tuple[int, int]:
        return self.transform.src_size

    def frame(self) -> tuple[int, int]:
        """Largest x and y a box number may take in this convention."""
        conv = self.convention
        if conv.scale is not None:
            top = int(conv.max_bin if conv.max_bin is not None else conv.scale)
            return (top, top)
        return self.resized_size if conv.pixels_of == "resized" else self.input_size

    def box_schema(self) -> dict[str, Any]:
        """Four integers in the convention's order, each within its axis's range."""
        fx, fy = self.frame()
        x = {"type": "integer", "minimum": 0, "maximum": max(fx, 1)}
        y = {"type": "integer", "minimum": 0, "maximum": max(fy, 1)}
        order = [y, x, y, x] if self.convention.y_first else [x, y, x, y]
        return {"type": "array", "prefixItems": order, "minItems": 4, "maxItems": 4}

    def boxed_list_schema(self, key: str, field: str, value: dict[str, Any], max_items: int) -> dict[str, Any]:
        """JSON schema of `{key: [{field: value, "box": box}, ...]}`, at most `max_items` items, every box in
        this view's convention (detection's objects, the vlm OCR engine's lines)."""
        item = {
            "type": "object",
            "properties": {field: value, "box": self.box_schema()},
            "required": [field, "box"],
            "additionalProperties": False,
        }
        return {
            "type": "object",
            "properties": {key: {"type": "array", "items": item, "maxItems": max_items}},
            "required": [key],
            "additionalProperties": False,
        }

    def box_note(self) -> str:
        """How the prompt describes a box in this convention."""
        conv = self.convention
        corners = "[y0, x0, y1, x1]" if conv.y_first else "[x0, y0, x1, y1]"
        fx, fy = self.frame()
        if conv.scale is None:
            return f"{corners} in pixels of the {fx}x{fy} image, top-left corner first"
        return f"{corners} as integers from 0 to {fx}, relative to the image's width and height, top-left first"

    def to_page(self, values: list[float]) -> BBox:
        """The model's numbers -> a box in original-page pixels (raises `ValueError` on bad numbers)."""
        return to_page_box(
            values,
            self.convention,
            input_size=self.input_size,
            transform=self.transform,
            page=self.page,
            resized_size=self.resized_size,
        )


def page_view(
    image: np.ndarray,
    model: ModelAdapter,
    *,
    page: int = 0,
    rotate: int = 0,
    convention: BoxConvention | str | None = None,
) -> PageView:
    """Prepare an RGB page for `model`; `rotate` turns it counter-clockwise by a multiple of 90 degrees first.

    `convention` defaults to `grammar_convention(model)`.
    """
    height, width = image.shape[:2]
    turns = _quarter_turns(rotate)
    transform = PageTransform.rotate90((width, height), turns)
    pixels = np.ascontiguousarray(np.rot90(image, turns)) if turns else image
    pil = Image.fromarray(pixels)
    resized = model.input_image_size(pil)
    conv = get_convention(convention) if convention is not None else grammar_convention(model)
    return PageView(pil, transform, (int(resized[0]), int(resized[1])), conv, page)
