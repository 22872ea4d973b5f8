"""Vision-language model families: one key (`Family`) and one record of what differs between them.

A family is named by its transformers `config.model_type` ("qwen2_5_vl", "kosmos-2"), or, for a family met only
behind an API (Gemini, Moondream, Molmo), by a name of its own. Its `FamilyRecord` is pure data: the key of its
box convention (`box_formats.BOX_CONVENTIONS`), the formats its grounding answers are read in
(`grounding_parsers.GROUNDING_FORMATS`), its own grounding prompt, how a prompt is laid out for checkpoints that
ship no chat template, and whether it can decode under a grammar. What only transformers needs (model and
processor classes, the image placeholder, resize rules) is in `ocula.adapters.models.families`, keyed by the
same enum. docs/models.md is the user-facing catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

PromptFormat = Literal["chatml", "plain", "user_assistant"]


class Family(StrEnum):
    """A family of vision-language models; its value is the transformers `config.model_type`."""

    QWEN2_VL = "qwen2_vl"
    QWEN2_5_VL = "qwen2_5_vl"
    QWEN3_VL = "qwen3_vl"
    IDEFICS3 = "idefics3"
    SMOLVLM = "smolvlm"
    LLAVA = "llava"  # LLaVA 1.5 (CLIP tower) and Pixtral checkpoints (Pixtral tower and processor)
    LLAVA_NEXT = "llava_next"
    PALIGEMMA = "paligemma"
    KOSMOS2 = "kosmos-2"
    INSTRUCTBLIP = "instructblip"
    IDEFICS = "idefics"  # IDEFICS 1, the open Flamingo
    FLORENCE2 = "florence2"
    GEMMA3 = "gemma3"
    MLLAMA = "mllama"  # Llama 3.2 Vision
    MISTRAL3 = "mistral3"
    INTERNVL = "internvl"
    GEMINI = "gemini"  # served only: no transformers classes
    MOONDREAM = "moondream"  # served only
    MOLMO = "molmo"  # served only

    @classmethod
    def from_model_type(cls, model_type: str | None) -> Family | None:
        """The family of a transformers `config.model_type`, or None for a type no record describes."""
        try:
            return cls(model_type)
        except ValueError:
            return None

    @classmethod
    def parse(cls, name: Family | str) -> Family:
        """A family from its name; raises `ValueError` listing the known ones."""
        family = cls.from_model_type(name)
        if family is None:
            raise ValueError(f"unknown model family {name!r}; known: {sorted(f.value for f in cls)}")
        return family


@dataclass(frozen=True)
class NativeGrounding:
    """How to ask a family for boxes in its own format."""

    prompt: str  # template; `{labels}` is the object names
    # The family grounds one phrase per call (Kosmos-2, Florence-2, InternVL): one request per label, and every
    # box of a request takes the request's label.
    per_label: bool = False
    separator: str = ", "  # between labels in one request
    any_object: str | None = None  # the prompt without labels (default: the template with "object")

    def prompts(self, labels: Sequence[str] | None) -> list[tuple[str, str | None]]:
        """`(prompt, the request's label or None)` for each request the family needs."""

        def fill(names: str) -> str:
            return self.prompt.replace("{labels}", names)

        if not labels:
            return [(self.any_object or fill("object"), None)]
        if self.per_label:
            return [(fill(label), label) for label in labels]
        return [(fill(self.separator.join(labels)), None)]


@dataclass(frozen=True)
class FamilyRecord:
    """Everything about one family that is not a transformers class.

    Families without a box format of their own are asked by Ocula's prompt and grammar for 0-1000 normalised
    x0 y0 x1 y1 boxes (`norm1000_xyxy`, read as `ocula_json`): independent of the resize the processor applies,
    and the scale the Qwen and InternVL lines were trained on.
    """

    family: Family | None  # None: a model whose family no record describes
    box_convention: str = "norm1000_xyxy"  # a key of `box_formats.BOX_CONVENTIONS`
    # Keys of `grounding_parsers.GROUNDING_FORMATS` the family's answers are read with; the first that finds a box.
    parsers: tuple[str, ...] = ("ocula_json",)
    grounding: NativeGrounding | None = None  # how to ask for its native boxes, where it has a format
    # Boxes come as special tokens (`<loc_N>`...) that skip_special_tokens drops: read them from the raw text.
    box_special_tokens: bool = False
    # Prompt layout for checkpoints that ship no chat template: "chatml" for chat models, "plain" for base
    # models prompted with bare text, "user_assistant" for IDEFICS-style turns.
    prompt_format: PromptFormat = "chatml"
    # Set when the family cannot decode under a grammar: why, and what to do instead.
    grammar_error: str | None = None


FLORENCE2_GRAMMAR_ERROR = (
    "Florence-2 is an encoder-decoder trained only on fixed task prompts (<OD>, <OCR>, <CAPTION>, ...): it does "
    "not follow instructions, so it cannot fill a schema under a grammar. Run it unconstrained with a task prompt "
    "(its boxes come as <loc_N> tokens), or extract with an instruction-following family (Qwen2.5-VL, SmolVLM, ...)."
)
_QWEN_JSON = NativeGrounding(
    "Locate every {labels} in the image and output the bounding boxes in JSON format: "
    '[{"bbox_2d": [x1, y1, x2, y2], "label": "..."}]'
)

_RECORDS = (
    FamilyRecord(Family.QWEN2_5_VL, "pixels_resized_xyxy", ("qwen_json",), _QWEN_JSON),
    FamilyRecord(
        Family.QWEN2_VL,
        parsers=("qwen2_tokens", "qwen_json"),
        grounding=NativeGrounding("Detect every {labels} in the image and give the bounding box of each."),
    ),
    FamilyRecord(Family.QWEN3_VL, parsers=("qwen_json",), grounding=_QWEN_JSON),
    FamilyRecord(Family.IDEFICS3),
    FamilyRecord(Family.SMOLVLM),
    FamilyRecord(Family.LLAVA),
    FamilyRecord(Family.LLAVA_NEXT),
    FamilyRecord(
        Family.PALIGEMMA,
        "loc1024_yxyx",
        ("paligemma_loc",),
        NativeGrounding("detect {labels}", separator=" ; "),
        box_special_tokens=True,
        prompt_format="plain",
    ),
    FamilyRecord(
        Family.KOSMOS2,
        "patch32",
        ("kosmos2_patch",),
        NativeGrounding("<grounding><phrase> {labels}</phrase>", per_label=True, any_object="<grounding> An image of"),
        box_special_tokens=True,
        prompt_format="plain",
    ),
    FamilyRecord(Family.INSTRUCTBLIP, prompt_format="plain"),
    FamilyRecord(Family.IDEFICS, prompt_format="user_assistant"),
    FamilyRecord(
        Family.FLORENCE2,
        "loc1000_xyxy",
        ("florence2_loc",),
        NativeGrounding("<OPEN_VOCABULARY_DETECTION>{labels}", per_label=True, any_object="<OD>"),
        box_special_tokens=True,
        prompt_format="plain",
        grammar_error=FLORENCE2_GRAMMAR_ERROR,
    ),
    FamilyRecord(Family.GEMMA3),
    FamilyRecord(Family.MLLAMA),
    FamilyRecord(Family.MISTRAL3),
    FamilyRecord(
        Family.INTERNVL,
        parsers=("ref_box", "ocula_json"),
        grounding=NativeGrounding(
            "Please provide the bounding box coordinate of the region this sentence describes: <ref>{labels}</ref>",
            per_label=True,
            any_object="Please detect every object in the image; answer with <ref>name</ref>"
            "<box>[[x1, y1, x2, y2]]</box> for each.",
        ),
    ),
    FamilyRecord(
        Family.GEMINI,
        "norm1000_yxyx",
        ("gemini_json",),
        NativeGrounding(
            "Detect the 2d bounding boxes of every {labels}. Output a JSON list where each entry contains the 2D "
            'bounding box in "box_2d" and the label in "label".'
        ),
    ),
    FamilyRecord(Family.MOONDREAM, "unit_xyxy", ("moondream_json",)),
    FamilyRecord(Family.MOLMO, "pct100_xyxy", ("molmo_points",)),
)
FAMILY_RECORDS: dict[Family, FamilyRecord] = {r.family: r for r in _RECORDS if r.family is not None}

# A model whose family no record describes: Ocula's prompt, grammar and box convention, a chat template.
GENERIC = FamilyRecord(None)


def family_record(family: Family | str | None) -> FamilyRecord:
    """The record of a family (`GENERIC` for None); raises `ValueError` for a name no family has."""
    return GENERIC if family is None else FAMILY_RECORDS[Family.parse(family)]


__all__ = [
    "FAMILY_RECORDS",
    "FLORENCE2_GRAMMAR_ERROR",
    "GENERIC",
    "Family",
    "FamilyRecord",
    "NativeGrounding",
    "PromptFormat",
    "family_record",
]
