"""Each model family's own grounding prompt, for `detect(..., native=True)`.

How labels go into a family's grounding prompt (joined into one request, or one request per label) and what to
ask when no labels are given. The prompt template itself comes from the model's family table entry
(`VLMFamily.grounding_prompt`) when it has one; the templates here cover families whose table entry has none
(the Qwen JSON prompts, InternVL) or that are not transformers families (Gemini, served). The answer is read by
`ocula.schemas.grounding_parsers` in the family's format, with the family's native box convention.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class NativeGrounding:
    """How to ask a family for boxes in its own format."""

    prompt: str  # template; `{labels}` is the object names
    # The family grounds one phrase per call (Kosmos-2, Florence-2, InternVL): one request per label, and every
    # box of a request takes the request's label.
    per_label: bool = False
    separator: str = ", "  # between labels in one request
    any_object: str | None = None  # the prompt without labels (default: the template with "object")


_QWEN_JSON = (
    "Locate every {labels} in the image and output the bounding boxes in JSON format: "
    '[{"bbox_2d": [x1, y1, x2, y2], "label": "..."}]'
)

NATIVE_GROUNDING: dict[str, NativeGrounding] = {
    "qwen2_5_vl": NativeGrounding(_QWEN_JSON),
    "qwen3_vl": NativeGrounding(_QWEN_JSON),
    "qwen2_vl": NativeGrounding("Detect every {labels} in the image and give the bounding box of each."),
    "paligemma": NativeGrounding("detect {labels}", separator=" ; "),
    "florence2": NativeGrounding("<OPEN_VOCABULARY_DETECTION>{labels}", per_label=True, any_object="<OD>"),
    "kosmos2": NativeGrounding(
        "<grounding><phrase> {labels}</phrase>", per_label=True, any_object="<grounding> An image of"
    ),
    "internvl": NativeGrounding(
        "Please provide the bounding box coordinate of the region this sentence describes: <ref>{labels}</ref>",
        per_label=True,
        any_object="Please detect every object in the image; answer with <ref>name</ref><box>[[x1, y1, x2, y2]]</box> "
        "for each.",
    ),
    "gemini": NativeGrounding(
        "Detect the 2d bounding boxes of every {labels}. Output a JSON list where each entry contains the 2D "
        'bounding box in "box_2d" and the label in "label".'
    ),
}


def grounding_key(family: str) -> str:
    """The key of a family in the grounding tables: `config.model_type` without hyphens ("kosmos-2")."""
    return family.replace("-", "")


def has_native_grounding(family: str) -> bool:
    return grounding_key(family) in NATIVE_GROUNDING


def native_prompts(
    family: str, labels: Sequence[str] | None, template: str | None = None
) -> list[tuple[str, str | None]]:
    """`(prompt, the request's label or None)` for each request the family needs.

    `template` (the family table's `grounding_prompt`) replaces this module's template. Raises `KeyError`
    when the family has no native grounding format.
    """
    spec = NATIVE_GROUNDING[grounding_key(family)]
    template = template or spec.prompt

    def fill(names: str) -> str:
        return template.replace("{labels}", names)

    if not labels:
        return [(spec.any_object or fill("object"), None)]
    if spec.per_label:
        return [(fill(label), label) for label in labels]
    return [(fill(spec.separator.join(labels)), None)]
