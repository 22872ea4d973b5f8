"""Each model family's own grounding prompt, for `detect(..., native=True)`.

The prompt a family was trained to ground with, and whether it grounds one phrase per call. The answer is
read by `ocula.schemas.grounding_parsers` (the family's format) and converted with the family's native box
convention. Families missing here have no native box format and are asked under Ocula's grammar instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

# (labels, or None for "every object") -> prompt text
PromptFn = Callable[[Sequence[str] | None], str]


def _what(labels: Sequence[str] | None) -> str:
    return ", ".join(labels) if labels else "object"


@dataclass(frozen=True)
class NativeGrounding:
    """How to ask a family for boxes in its own format."""

    prompt: PromptFn
    # The family grounds one phrase per call (Kosmos-2, Florence-2, InternVL): one request per label,
    # and a box without a label of its own takes the label of its request.
    per_label: bool = False


def _qwen_json(labels: Sequence[str] | None) -> str:
    return (
        f"Locate every {_what(labels)} in the image and output the bounding boxes in JSON format: "
        '[{"bbox_2d": [x1, y1, x2, y2], "label": "..."}]'
    )


def _qwen2(labels: Sequence[str] | None) -> str:
    return f"Detect every {_what(labels)} in the image and give the bounding box of each."


def _paligemma(labels: Sequence[str] | None) -> str:
    return "detect " + (" ; ".join(labels) if labels else "object")


def _florence2(labels: Sequence[str] | None) -> str:
    return f"<OPEN_VOCABULARY_DETECTION>{labels[0]}" if labels else "<OD>"


def _kosmos2(labels: Sequence[str] | None) -> str:
    return f"<grounding><phrase> {labels[0]}</phrase>" if labels else "<grounding> An image of"


def _internvl(labels: Sequence[str] | None) -> str:
    if labels:
        return (
            f"Please provide the bounding box coordinate of the region this sentence describes: <ref>{labels[0]}</ref>"
        )
    return "Please detect every object in the image; answer with <ref>name</ref><box>[[x1, y1, x2, y2]]</box> each."


def _gemini(labels: Sequence[str] | None) -> str:
    return (
        f"Detect the 2d bounding boxes of every {_what(labels)}. Output a JSON list where each entry contains "
        'the 2D bounding box in "box_2d" and the label in "label".'
    )


NATIVE_GROUNDING: dict[str, NativeGrounding] = {
    "qwen2_5_vl": NativeGrounding(_qwen_json),
    "qwen3_vl": NativeGrounding(_qwen_json),
    "qwen2_vl": NativeGrounding(_qwen2),
    "paligemma": NativeGrounding(_paligemma),
    "florence2": NativeGrounding(_florence2, per_label=True),
    "kosmos2": NativeGrounding(_kosmos2, per_label=True),
    "internvl": NativeGrounding(_internvl, per_label=True),
    "gemini": NativeGrounding(_gemini),
}


def native_prompts(family: str, labels: Sequence[str] | None) -> list[tuple[str, str | None]]:
    """`(prompt, label of the request or None)` for each request the family needs; `KeyError` when the
    family has no native grounding format."""
    spec = NATIVE_GROUNDING[family]
    if spec.per_label and labels:
        return [(spec.prompt([label]), label) for label in labels]
    return [(spec.prompt(labels), None)]
