"""What transformers needs to load and prompt each vision-language family, keyed by `Family`.

The classes to load when the Auto classes do not map a `config.model_type`, whether the processor asks for a
video processor, how a chat template renders an image, and the family's input-size and pixel-budget rules
(`sizes.py`). Everything else about a family (box convention, grounding prompt and format, prompt layout,
grammar limits) is its record in `ocula.schemas.families`. Backends look a family up by `config.model_type`
(`family_for`) and never branch on a family name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ocula.adapters.models.families.sizes import (
    InputSize,
    PixelBudget,
    anyres_size,
    budget_fixed,
    budget_longest_edge,
    budget_min_max_pixels,
    by_image_processor,
    fixed_size,
    longest_edge_tiles_size,
    mllama_size,
    pixtral_size,
    smart_resize_size,
)
from ocula.schemas.families import Family


@dataclass(frozen=True)
class TransformersFamily:
    """What the transformers backend must know about one family of vision-language models."""

    key: Family | None  # None: a model type no family describes, loaded through the Auto classes
    model_class: str  # transformers class, used when AutoModelForImageTextToText does not map the type
    processor_class: str
    image_placeholder: str  # how a chat template renders {"type": "image"}
    input_size: InputSize = fixed_size
    pixel_budget: PixelBudget = budget_fixed
    processor_takes_video: bool = False  # the processor's __init__ asks for a video processor


def _qwen(key: Family, model_class: str, processor_class: str) -> TransformersFamily:
    return TransformersFamily(
        key=key,
        model_class=model_class,
        processor_class=processor_class,
        image_placeholder="<|vision_start|><|image_pad|><|vision_end|>",
        input_size=smart_resize_size,
        pixel_budget=budget_min_max_pixels,
        processor_takes_video=True,
    )


def _idefics3(key: Family, model_class: str, processor_class: str) -> TransformersFamily:
    return TransformersFamily(
        key=key,
        model_class=model_class,
        processor_class=processor_class,
        image_placeholder="<image>",
        input_size=longest_edge_tiles_size,
        pixel_budget=budget_longest_edge,
    )


TRANSFORMERS_FAMILIES: dict[Family, TransformersFamily] = {
    f.key: f
    for f in (
        _qwen(Family.QWEN2_5_VL, "Qwen2_5_VLForConditionalGeneration", "Qwen2_5_VLProcessor"),
        _qwen(Family.QWEN2_VL, "Qwen2VLForConditionalGeneration", "Qwen2VLProcessor"),
        _qwen(Family.QWEN3_VL, "Qwen3VLForConditionalGeneration", "Qwen3VLProcessor"),
        _idefics3(Family.IDEFICS3, "Idefics3ForConditionalGeneration", "Idefics3Processor"),
        replace(
            _idefics3(Family.SMOLVLM, "SmolVLMForConditionalGeneration", "SmolVLMProcessor"),
            processor_takes_video=True,
        ),
        TransformersFamily(
            key=Family.LLAVA,  # LLaVA 1.5 (CLIP tower) and Pixtral checkpoints (Pixtral tower and processor)
            model_class="LlavaForConditionalGeneration",
            processor_class="LlavaProcessor",
            image_placeholder="<image>\n",
            input_size=by_image_processor,
        ),
        TransformersFamily(
            key=Family.LLAVA_NEXT,
            model_class="LlavaNextForConditionalGeneration",
            processor_class="LlavaNextProcessor",
            image_placeholder="<image>\n",
            input_size=anyres_size,
        ),
        TransformersFamily(
            key=Family.PALIGEMMA,  # the processor adds <image>, <locNNNN> and <segNNN>, a BOS after the image
            model_class="PaliGemmaForConditionalGeneration",
            processor_class="PaliGemmaProcessor",
            image_placeholder="<image>",
        ),
        TransformersFamily(
            key=Family.KOSMOS2,  # the processor adds <image>...</image> with 64 latent slots and the patch tokens
            model_class="Kosmos2ForConditionalGeneration",
            processor_class="Kosmos2Processor",
            image_placeholder="",
        ),
        TransformersFamily(
            key=Family.INSTRUCTBLIP,  # the processor puts the Q-Former query slots before the text
            model_class="InstructBlipForConditionalGeneration",
            processor_class="InstructBlipProcessor",
            image_placeholder="",
        ),
        TransformersFamily(
            key=Family.IDEFICS,  # IDEFICS 1 (open Flamingo): the processor puts each image before its prompt
            model_class="IdeficsForVisionText2Text",
            processor_class="IdeficsProcessor",
            image_placeholder="",
        ),
        TransformersFamily(
            key=Family.FLORENCE2,
            model_class="Florence2ForConditionalGeneration",
            processor_class="Florence2Processor",
            image_placeholder="",
        ),
        TransformersFamily(
            key=Family.GEMMA3,  # <start_of_image> in the prompt becomes BOI, the soft image tokens, EOI
            model_class="Gemma3ForConditionalGeneration",
            processor_class="Gemma3Processor",
            image_placeholder="<start_of_image>",
        ),
        TransformersFamily(
            key=Family.MLLAMA,  # Llama 3.2 Vision: images enter through cross-attention layers
            model_class="MllamaForConditionalGeneration",
            processor_class="MllamaProcessor",
            image_placeholder="<|image|>",
            input_size=mllama_size,
        ),
        TransformersFamily(
            key=Family.MISTRAL3,  # [IMG] becomes rows of [IMG] ended by [IMG_BREAK], the last by [IMG_END]
            model_class="Mistral3ForConditionalGeneration",
            processor_class="PixtralProcessor",
            image_placeholder="[IMG]",
            input_size=pixtral_size,
        ),
        TransformersFamily(
            key=Family.INTERNVL,  # <IMG_CONTEXT> becomes <img>, the context tokens of every tile, </img>
            model_class="InternVLForConditionalGeneration",
            processor_class="InternVLProcessor",
            image_placeholder="<IMG_CONTEXT>\n",
            processor_takes_video=True,
        ),
    )
    if f.key is not None
}

# Model types no family describes load through the Auto classes with these defaults.
GENERIC = TransformersFamily(
    key=None, model_class="AutoModelForImageTextToText", processor_class="AutoProcessor", image_placeholder="<image>"
)


def family_for(model_type: str | None) -> TransformersFamily:
    """The entry for a `config.model_type`; types no family describes get `GENERIC`."""
    family = Family.from_model_type(model_type)
    return TRANSFORMERS_FAMILIES.get(family, GENERIC) if family is not None else GENERIC
