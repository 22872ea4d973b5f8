"""Detection: labels and boxes of objects on photos, or of regions on documents, from a vision-language model.

By default the model writes `{"objects": [{"label": ..., "box": [...]}]}` under a grammar: the label is one of
the given labels (an enum) or a bounded string, the box four integers in the model family's convention
(0-1000, 1024 bins y first, pixels of the processor-resized image, ...), and the list holds at most
`max_objects` items, so decoding always ends with a complete object. `native=True` asks with the family's own
grounding prompt instead (its record's `grounding`, `ocula.schemas.families`) and reads its own format
(`grounding_parsers`), from the text with special tokens kept where the family's box tokens are special. Either
way every box is converted to pixels of the original page (through the page's rotation, if any, and the
processor's resize) and clipped to it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ocula.adapters.io.document import Document
from ocula.adapters.models.base import Constraint, Generation, GenerationRequest, Message, ModelAdapter, Sampling
from ocula.pipelines.decoding.json_spans import leaf_spans
from ocula.pipelines.decoding.token_confidence import span_confidence, token_offsets
from ocula.pipelines.detect.pages import PageCallback, detect_pages
from ocula.pipelines.vision.page_view import PageView, page_view, require_vision
from ocula.schemas import Detection, Detections, ModelError
from ocula.schemas.constraints import bounded_schema
from ocula.schemas.families import FAMILY_RECORDS, NativeGrounding, family_record
from ocula.schemas.grounding_parsers import family_parser, parse_ocula_json

DEFAULT_MAX_OBJECTS = 20
MAX_LABEL_CHARS = 40
SYSTEM = "You find objects in images. For each one you give its label and its bounding box."


def normalise_labels(labels: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """Labels with white space collapsed, repeats dropped; a string is a comma-separated list.

    `None` means any object. Raises `ValueError` on an empty list or an empty label.
    """
    if labels is None:
        return None
    items = labels.split(",") if isinstance(labels, str) else list(labels)
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"labels must be strings, got {type(item).__name__}")
        name = " ".join(item.split())
        if not name:
            raise ValueError("labels must not be empty strings")
        if name not in out:
            out.append(name)
    if not out:
        raise ValueError("labels is empty: give at least one label, or labels=None to detect any object")
    return tuple(out)


def detection_schema(
    view: PageView, labels: Sequence[str] | None, max_objects: int, max_label_chars: int = MAX_LABEL_CHARS
) -> dict[str, Any]:
    """JSON schema of the answer: at most `max_objects` objects, each a label and a box in `view`'s convention."""
    label: dict[str, Any] = (
        {"enum": list(labels)} if labels else {"type": "string", "minLength": 1, "maxLength": max_label_chars}
    )
    return view.boxed_list_schema("objects", "label", label, max_objects)


def detection_prompt(view: PageView, labels: Sequence[str] | None, max_objects: int) -> str:
    what = f"object of these kinds: {', '.join(labels)}" if labels else "object"
    return (
        f"Find every {what} in the image, at most {max_objects}. "
        'Answer with JSON {"objects": [{"label": ..., "box": ...}]}, '
        f"each box {view.box_note()}. Answer with an empty list when there is none."
    )


@dataclass(frozen=True)
class DetectOptions:
    labels: tuple[str, ...] | None = None
    max_objects: int = DEFAULT_MAX_OBJECTS
    native: bool = False
    rotate: int = 0  # degrees counter-clockwise (a multiple of 90) the page is turned before the model sees it
    max_label_chars: int = MAX_LABEL_CHARS
    max_new_tokens: int | None = None
    temperature: float = 0.0  # 0: greedy
    seed: int | None = None  # for sampling with temperature > 0


def _object_confidences(gen: Generation, count: int) -> list[float | None]:
    """exp(mean log-prob) of the sampled tokens of each object's label and box."""
    try:
        spans = leaf_spans(gen.text)
    except ValueError:
        return [None] * count
    offsets = token_offsets(gen)
    out: list[float | None] = []
    for i in range(count):
        parts = [span for path, span in spans.items() if path.startswith(f"objects/{i}/")]
        if not parts:
            out.append(None)
            continue
        start, end = min(s for s, _ in parts), max(e for _, e in parts)
        out.append(span_confidence(gen, start, end, offsets))
    return out


def read_objects(gen: Generation, view: PageView, labels: Sequence[str] | None) -> list[Detection]:
    """Detections in page pixels from an answer under `detection_schema`.

    Output cut at the token limit keeps its complete objects. Labels outside `labels` (possible only for a
    backend that ignored the grammar) and boxes with no area on the page are dropped.
    """
    try:
        data = json.loads(gen.text)
        objects = data.get("objects", []) if isinstance(data, dict) else []
        entries = [(o.get("label"), o.get("box")) for o in objects if isinstance(o, dict)]
        confidences = _object_confidences(gen, len(objects)) if len(entries) == len(objects) else []
    except ValueError:
        entries = [(label, values) for label, values in parse_ocula_json(gen.text)]
        confidences = []
    out: list[Detection] = []
    for i, (label, values) in enumerate(entries):
        if not isinstance(label, str) or (labels and label not in labels):
            continue
        box = _page_box(view, values)
        if box is not None:
            out.append(Detection(label=label, box=box, confidence=confidences[i] if confidences else None))
    return out


def _page_box(view: PageView, values: Any) -> Any:
    if not isinstance(values, list):
        return None
    try:
        box = view.to_page(values)
    except (ValueError, TypeError):
        return None
    return box if box.width > 0 and box.height > 0 else None


def _match_label(label: str, labels: Sequence[str] | None, fallback: str | None) -> str | None:
    """A native answer's label as one of `labels` (case-insensitive), its request's label, or None to drop it."""
    if fallback is not None:  # a one-phrase request: every box it gave is of that phrase
        return fallback
    if labels is None:
        return label or "object"
    by_key = {name.casefold(): name for name in labels}
    if not label and len(labels) == 1:
        return labels[0]
    return by_key.get(label.casefold())


class Detector:
    """A vision-language model and detection options; `detect_image` reads one page, `run` a document."""

    def __init__(self, model: ModelAdapter, options: DetectOptions | None = None) -> None:
        require_vision(model, "detect")
        self.model = model
        self.options = options or DetectOptions()
        if self.options.max_objects < 1:
            raise ValueError(f"max_objects must be at least 1, got {self.options.max_objects}")
        self.record = family_record(model.family)
        has_native = self.record.grounding is not None
        if self.options.native and not has_native:
            native = ", ".join(sorted(f for f, r in FAMILY_RECORDS.items() if r.grounding is not None))
            raise ModelError(
                f"{model.name}: the {model.family or 'unknown'} family has no native grounding format "
                f"(native formats: {native}); use native=False for Ocula's grammar"
            )
        if not self.options.native and self.record.grammar_error:
            hint = " For detection, pass native=True." if has_native else ""
            raise ModelError(f"{model.name}: {self.record.grammar_error}{hint}")

    # --- one page ---------------------------------------------------------------------------------

    def detect_image(self, image: np.ndarray, *, page: int = 0, source: str | None = None) -> Detections:
        """Detections on one RGB page image, in its pixels, with `page` on every box."""
        opts = self.options
        height, width = image.shape[:2]
        grounding = self.record.grounding
        items = self._native(image, page, grounding) if opts.native and grounding else self._grammar(image, page)
        return Detections(
            items=items[: opts.max_objects],
            width=int(width),
            height=int(height),
            page=page,
            source=source,
            model=self.model.name,
        )

    def _grammar(self, image: np.ndarray, page: int) -> list[Detection]:
        opts = self.options
        view = page_view(image, self.model, page=page, rotate=opts.rotate)
        bounded = bounded_schema(detection_schema(view, opts.labels, opts.max_objects, opts.max_label_chars))
        constraint = Constraint.json_schema(json.dumps(bounded.schema, separators=(",", ":")))
        messages = [
            Message("system", SYSTEM),
            Message("user", detection_prompt(view, opts.labels, opts.max_objects), [view.image]),
        ]
        budget = opts.max_new_tokens or bounded.max_tokens
        sampling = Sampling(max_new_tokens=budget, temperature=opts.temperature, seed=opts.seed)
        gen = self.model.generate(GenerationRequest(messages, constraint, sampling))
        return read_objects(gen, view, opts.labels)

    def _native(self, image: np.ndarray, page: int, grounding: NativeGrounding) -> list[Detection]:
        opts = self.options
        view = page_view(image, self.model, page=page, rotate=opts.rotate, convention=self.record.box_convention)
        budget = opts.max_new_tokens or 24 + 40 * opts.max_objects
        sampling = Sampling(max_new_tokens=budget, temperature=opts.temperature, seed=opts.seed)
        prompts = grounding.prompts(opts.labels)
        requests = [GenerationRequest([Message("user", prompt, [view.image])], None, sampling) for prompt, _ in prompts]
        out: list[Detection] = []
        for (_, request_label), gen in zip(prompts, self.model.generate_batch(requests), strict=True):
            for label, values in self._parse_native(gen):
                name = _match_label(label, opts.labels, request_label)
                box = _page_box(view, values)
                if name is not None and box is not None:
                    out.append(Detection(label=name, box=box))
        return out

    def _parse_native(self, gen: Generation) -> list[tuple[str, list[float]]]:
        """The family's format read from the text with special tokens where its box tokens are special
        (and as a fallback when the plain text holds no box)."""
        raw = gen.raw.get("text_with_special_tokens") if isinstance(gen.raw, dict) else None
        parse = family_parser(self.record)
        if raw is not None and self.record.box_special_tokens:
            return parse(raw)
        return parse(gen.text) or (parse(raw) if raw else [])

    # --- a document -------------------------------------------------------------------------------

    def run(
        self, document: Document, *, progress: bool = False, on_page: PageCallback | None = None
    ) -> list[Detections]:
        """Every selected page of `document` (see `detect_pages`)."""
        return detect_pages(self.detect_image, document, "objects", progress=progress, on_page=on_page)
