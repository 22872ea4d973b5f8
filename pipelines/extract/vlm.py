"""Extraction with a vision-language model: page images in, the schema's grammar on the output.

With `boxes=True` the grammar gets a `<field>_box` array next to every leaf, in the model family's box
convention, converted to original-page pixels. Otherwise values are grounded afterwards by matching
them against OCR text of the page (when an OCR engine is given).

`orientation` is how the pages lie (`"auto"`, 0, 90, 180, 270; see `pipelines/ocr/orientation.py`): the model
sees each page turned upright (under `"auto"` as the bundled orientation classifier says it lies), and every
box it gives comes back through the same `PageTransform` in the original page's pixels.
"""

from __future__ import annotations

import copy
import difflib
import json
import time
from typing import Any

import numpy as np
from PIL import Image
from pydantic import BaseModel

from ocula.adapters.io.document import Document
from ocula.adapters.models.base import Constraint, Message, ModelAdapter
from ocula.adapters.ocr.base import OCREngine
from ocula.pipelines.extract.ocr_llm import (
    ExtractOptions,
    build_extraction,
    decode_with_retry,
    finish_extraction,
    schema_constraint,
)
from ocula.pipelines.extract.prompt import SYSTEM, field_lines
from ocula.pipelines.ocr.orientation import default_classifier, parse_orientation, upright
from ocula.schemas import BBox, Extraction, FieldResult, FieldSource, OCRPage, PageTransform
from ocula.schemas.box_formats import get_convention, to_page_box
from ocula.schemas.constraints import without_hints

BOX_SUFFIX = "_box"


def box_schema(convention: str, input_size: tuple[int, int]) -> dict[str, Any]:
    """JSON schema of one box in a family's convention: four integers within its range."""
    conv = get_convention(convention)
    top = int(max(input_size)) if not conv.scale else int(conv.max_bin or conv.scale)
    item = {"type": "integer", "minimum": 0, "maximum": max(top, 1)}
    return {"type": "array", "items": item, "minItems": 4, "maxItems": 4}


def with_boxes(schema: dict[str, Any], box: dict[str, Any]) -> dict[str, Any]:
    """A copy of a bounded schema with an optional `<leaf>_box` property beside every leaf property."""
    schema = copy.deepcopy(schema)

    def is_leaf(node: dict[str, Any]) -> bool:
        alts = node.get("anyOf", [node])
        return all(a.get("type") in ("string", "number", "integer", "boolean", "null") or "enum" in a for a in alts)

    def visit(node: dict[str, Any]) -> None:
        props = node.get("properties")
        if isinstance(props, dict):
            for name in list(props):
                if is_leaf(props[name]):
                    props[f"{name}{BOX_SUFFIX}"] = box
                    node.setdefault("required", [])
                    if name in node["required"]:
                        node["required"].append(f"{name}{BOX_SUFFIX}")
                else:
                    visit(props[name])
        for key in ("anyOf", "allOf"):
            for sub in node.get(key, []):
                visit(sub)
        if isinstance(node.get("items"), dict):
            visit(node["items"])
        for sub in node.get("$defs", {}).values():
            visit(sub)

    visit(schema)
    return schema


def split_boxes(data: Any, path: str = "") -> tuple[Any, dict[str, list[int]]]:
    """Remove `<leaf>_box` keys from decoded data; return (data, {leaf path: box values})."""
    boxes: dict[str, list[int]] = {}
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            sub = f"{path}/{key}" if path else key
            if key.endswith(BOX_SUFFIX) and isinstance(value, list):
                boxes[sub[: -len(BOX_SUFFIX)]] = value
                continue
            out[key], inner = split_boxes(value, sub)
            boxes.update(inner)
        return out, boxes
    if isinstance(data, list):
        items = []
        for i, value in enumerate(data):
            item, inner = split_boxes(value, f"{path}/{i}" if path else str(i))
            items.append(item)
            boxes.update(inner)
        return items, boxes
    return data, boxes


def match_text(value: str, pages: list[OCRPage], threshold: float = 0.8) -> tuple[BBox, str] | None:
    """The OCR line (or run of lines) that best spells `value`, when similar enough."""
    want = " ".join(value.lower().split())
    best: tuple[float, BBox, str] | None = None
    for page in pages:
        lines = page.lines
        for i in range(len(lines)):
            for n in (1, 2, 3):
                group = lines[i : i + n]
                if len(group) < n:
                    break
                text = " ".join(ln.text for ln in group)
                got = " ".join(text.lower().split())
                score = 1.0 if want and want in got and n == 1 else difflib.SequenceMatcher(None, want, got).ratio()
                if best is None or score > best[0]:
                    box = group[0].box
                    for ln in group[1:]:
                        box = box.union(ln.box)
                    best = (score, box.with_page(page.page), text)
    if best and best[0] >= threshold:
        return best[1], best[2]
    return None


class VlmExtractor:
    """Page images to a vision-language model, decoded under the schema's grammar."""

    engine_name = "vlm"

    def __init__(
        self,
        model: ModelAdapter,
        options: ExtractOptions | None = None,
        *,
        ocr: OCREngine | None = None,
        boxes: bool = False,
        orientation: str | int = 0,
    ) -> None:
        self.model = model
        self.options = options or ExtractOptions()
        self.ocr = ocr
        self.boxes = boxes
        self.orientation = parse_orientation(orientation)

    def upright(self, image: np.ndarray) -> tuple[np.ndarray, PageTransform]:
        """The page as the model sees it (turned upright) and the transform from the page's pixels to it."""
        angle = self.orientation
        if angle == "auto":
            angle = default_classifier().classify(image).angle
        return upright(image, int(angle))

    def run(self, document: Document, schema: type[BaseModel]) -> Extraction:
        opts = self.options
        t0 = time.perf_counter()
        pages = list(document.pages())
        turned = [self.upright(p.image) for p in pages]
        images = [Image.fromarray(pixels) for pixels, _ in turned]
        transforms = [transform for _, transform in turned]
        bounded = schema_constraint(schema)
        spec = without_hints(bounded.schema)
        convention = self.model.capabilities.box_convention or "norm1000_xyxy"
        if self.boxes:
            spec = with_boxes(spec, box_schema(convention, self.model.input_image_size(images[0])))
        fields_text = "\n".join(field_lines(bounded.schema))
        ask = f"Fields to extract:\n{fields_text}\n\nAnswer with the JSON object."
        if self.boxes:
            ask += f" Give each field's box as [x0, y0, x1, y1] in {get_convention(convention).note or convention}."
        messages = [Message("system", SYSTEM), Message("user", ask, images)]
        constraint = Constraint.json_schema(json.dumps(spec, separators=(",", ":")))
        budget = opts.max_new_tokens or (bounded.max_tokens * (2 if self.boxes else 1))
        schema_for_validation = _BoxStripping.wrap(schema) if self.boxes else schema
        value, attempts, gen = decode_with_retry(self.model, schema_for_validation, messages, constraint, budget, opts)
        timings = {"decode": time.perf_counter() - t0}
        value, fields, errors = finish_extraction(schema, value, attempts, gen, None, [], opts)
        if gen is not None and fields:
            self._ground(fields, gen.text, pages, images, transforms, convention)
        timings["total"] = time.perf_counter() - t0
        fields = {p: f for p, f in fields.items() if not p.endswith(BOX_SUFFIX) and f"{BOX_SUFFIX}/" not in p}
        return build_extraction(
            schema,
            self.model,
            value=value,
            fields=fields,
            attempts=attempts,
            timings=timings,
            source=document.source,
            page_sizes=[p.size for p in pages],
            errors=errors,
        )

    def _ground(
        self,
        fields: dict[str, FieldResult],
        text: str,
        pages: list,
        images: list,
        transforms: list[PageTransform],
        convention: str,
    ) -> None:
        try:
            _, boxes = split_boxes(json.loads(text))
        except ValueError:
            boxes = {}
        ocr_pages: list[OCRPage] | None = None
        for path, result in fields.items():
            if path.endswith(BOX_SUFFIX) or f"{BOX_SUFFIX}/" in path or result.value is None:
                continue
            if path in boxes and images:
                size = images[0].size
                result.box = to_page_box(
                    boxes[path],
                    convention,
                    input_size=size,
                    resized_size=self.model.input_image_size(images[0]),
                    transform=transforms[0],
                )
                result.page = 0
                result.source = FieldSource(kind="model_box")
            elif self.ocr is not None and isinstance(result.value, str | int | float):
                if ocr_pages is None:
                    ocr_pages = [self.ocr.read(p.image, p.index) for p in pages]
                found = match_text(str(result.value), ocr_pages)
                if found:
                    result.box, matched = found
                    result.page = result.box.page
                    result.source = FieldSource(kind="text_match", text=matched)


class _BoxStripping:
    """Validation of output that carries `<leaf>_box` keys: drop them, then validate with the user schema."""

    @staticmethod
    def wrap(schema: type[BaseModel]) -> type[BaseModel]:
        class Stripped(schema):  # type: ignore[misc, valid-type]
            @classmethod
            def model_validate_json(cls, data: str | bytes, **kwargs: Any) -> Any:  # type: ignore[override]
                parsed, _ = split_boxes(json.loads(data))
                return schema.model_validate(parsed, context=kwargs.get("context"))

        Stripped.__name__ = schema.__name__
        return Stripped
