"""Quirks of vision-language model families, in one table.

Everything that differs between families lives here as data: the model and processor classes, the special
image tokens, how a chat template renders an image, which processors ask for a video processor, the size an
image is resized to, the key of the family's box convention, how a prompt is laid out for checkpoints that ship
no chat template, and whether the family can decode under a grammar at all. Backends look a family up by
`config.model_type` and never branch on a family name. docs/models.md is the user-facing catalogue of this table.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

# (processor or its image processor, width, height) -> (width, height) of the image the model sees.
InputSize = Callable[[Any, int, int], tuple[int, int]]
# (image_processor, max_pixels) -> None: caps the processor's pixel budget in place.
PixelBudget = Callable[[Any, int], None]
PromptFormat = Literal["chatml", "plain", "user_assistant"]


def _size_get(size: Any, key: str) -> Any:
    """A key of a processor `size` (a dict or a `SizeDict`), or None."""
    if size is None:
        return None
    if isinstance(size, dict):
        return size.get(key)
    return getattr(size, key, None)


def _image_processor(processor: Any) -> Any:
    """The image processor of a processor; an image processor is its own."""
    return getattr(processor, "image_processor", processor)


def _size_set(processor: Any, **values: int) -> None:
    size = processor.size
    current = dict(size) if isinstance(size, dict) else {k: v for k, v in vars(size).items() if v is not None}
    current.update(values)
    processor.size = type(size)(**current) if not isinstance(size, dict) else current


# --- input sizes --------------------------------------------------------------------------------------


def _smart_resize_size(processor: Any, width: int, height: int) -> tuple[int, int]:
    """Qwen2-VL family: both sides a multiple of patch*merge, pixel count within [min, max]."""
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

    image_processor = _image_processor(processor)
    factor = int(image_processor.patch_size) * int(image_processor.merge_size)
    min_pixels = _size_get(image_processor.size, "shortest_edge") or 56 * 56
    max_pixels = _size_get(image_processor.size, "longest_edge") or 28 * 28 * 1280
    h, w = smart_resize(height, width, factor=factor, min_pixels=min_pixels, max_pixels=max_pixels)
    return w, h


def _longest_edge_tiles_size(processor: Any, width: int, height: int) -> tuple[int, int]:
    """Idefics3 / SmolVLM: longest edge scaled to `size.longest_edge`, then rounded up to whole tiles."""
    image_processor = _image_processor(processor)
    longest = _size_get(image_processor.size, "longest_edge") or max(width, height)
    if width >= height:
        w, h = longest, int(longest * height / width)
    else:
        h, w = longest, int(longest * width / height)
    h, w = max(h + h % 2, 1), max(w + w % 2, 1)
    if getattr(image_processor, "do_image_splitting", False):
        tile = int(_size_get(image_processor.max_image_size, "longest_edge"))
        aspect = w / h
        if w >= h:
            w = math.ceil(w / tile) * tile
            h = math.ceil(int(w / aspect) / tile) * tile
        else:
            h = math.ceil(h / tile) * tile
            w = math.ceil(int(h * aspect) / tile) * tile
    return w, h


def _fixed_size(processor: Any, width: int, height: int) -> tuple[int, int]:
    """CLIP/SigLIP/BLIP-style processors: a fixed crop or a fixed square resize (IDEFICS: `image_size`)."""
    image_processor = _image_processor(processor)
    for attr in ("crop_size", "size"):
        size = getattr(image_processor, attr, None)
        h, w = _size_get(size, "height"), _size_get(size, "width")
        if h and w and (attr == "size" or getattr(image_processor, "do_center_crop", False)):
            return int(w), int(h)
    edge = _size_get(getattr(image_processor, "size", None), "shortest_edge")
    if edge:
        scale = edge / min(width, height)
        return round(width * scale), round(height * scale)
    side = getattr(image_processor, "image_size", None)
    if isinstance(side, int):
        return side, side
    return width, height


def _pixtral_size(processor: Any, width: int, height: int) -> tuple[int, int]:
    """Pixtral / Mistral 3: aspect kept, longest edge within `size.longest_edge`, sides whole merged patches
    (the processor, not its image processor, knows the merge: it passes `patch_size * spatial_merge_size`)."""
    import numpy as np
    from transformers.models.pixtral.image_processing_pil_pixtral import get_resize_output_image_size

    image_processor = _image_processor(processor)
    longest = int(_size_get(image_processor.size, "longest_edge"))
    if image_processor is processor:
        patch = _size_get(image_processor.patch_size, "height") or image_processor.patch_size
    else:
        patch = processor.patch_size * getattr(processor, "spatial_merge_size", 1)
    h, w = get_resize_output_image_size(
        np.zeros((height, width, 3)), size=(longest, longest), patch_size=(int(patch), int(patch))
    )
    return int(w), int(h)


def _anyres_size(processor: Any, width: int, height: int) -> tuple[int, int]:
    """LLaVA-NeXT: the best grid pinpoint for the aspect ratio, the image fitted into it (the padding is not
    image: boxes normalised over the image stay normalised over this size)."""
    from transformers.image_processing_utils import select_best_resolution

    image_processor = _image_processor(processor)
    best_h, best_w = select_best_resolution((height, width), image_processor.image_grid_pinpoints)
    if best_w / width < best_h / height:
        return best_w, min(math.ceil(height * best_w / width), best_h)
    return min(math.ceil(width * best_h / height), best_w), best_h


def _mllama_size(processor: Any, width: int, height: int) -> tuple[int, int]:
    """Llama 3.2 Vision: fitted, aspect kept, into the best canvas of at most `max_image_tiles` square tiles."""
    from transformers.models.mllama.image_processing_pil_mllama import (
        get_image_size_fit_to_canvas,
        get_optimal_tiled_canvas,
    )

    image_processor = _image_processor(processor)
    tile = int(_size_get(image_processor.size, "height"))
    canvas_h, canvas_w = get_optimal_tiled_canvas(
        image_height=height, image_width=width, max_image_tiles=image_processor.max_image_tiles, tile_size=tile
    )
    h, w = get_image_size_fit_to_canvas(
        image_height=height, image_width=width, canvas_height=canvas_h, canvas_width=canvas_w, tile_size=tile
    )
    return int(w), int(h)


# Families whose processor varies by checkpoint (LLaVA with a CLIP or a Pixtral tower) size by processor class.
_SIZE_BY_IMAGE_PROCESSOR: dict[str, InputSize] = {"PixtralImageProcessor": _pixtral_size}


def _by_image_processor(processor: Any, width: int, height: int) -> tuple[int, int]:
    name = type(_image_processor(processor)).__name__.removesuffix("Pil").removesuffix("Fast")
    return _SIZE_BY_IMAGE_PROCESSOR.get(name, _fixed_size)(processor, width, height)


# --- pixel budgets ------------------------------------------------------------------------------------


def _budget_min_max_pixels(image_processor: Any, max_pixels: int) -> None:
    shortest = _size_get(image_processor.size, "shortest_edge") or 0
    _size_set(image_processor, longest_edge=max_pixels, shortest_edge=min(shortest, max_pixels))


def _budget_longest_edge(image_processor: Any, max_pixels: int) -> None:
    tile = int(_size_get(getattr(image_processor, "max_image_size", None), "longest_edge") or 1)
    edge = max(tile, int(math.isqrt(max_pixels) // tile) * tile)
    _size_set(image_processor, longest_edge=edge)


def _budget_fixed(image_processor: Any, max_pixels: int) -> None:
    """Fixed-resolution encoders: the budget is the model's, not the caller's."""


# --- the table ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VLMFamily:
    """What a backend must know about one family of vision-language models."""

    key: str  # config.model_type
    model_class: str  # transformers class, used when AutoModelForImageTextToText does not map the type
    processor_class: str
    image_processor_class: str  # the PIL backend (no torchvision needed)
    image_tokens: tuple[str, ...]  # special tokens the tokenizer must hold for images
    image_placeholder: str  # how a chat template renders {"type": "image"}
    box_convention: str  # key of the family's box convention (ocula.schemas)
    input_size: InputSize = _fixed_size
    pixel_budget: PixelBudget = _budget_fixed
    processor_takes_video: bool = False  # the processor's __init__ asks for a video processor
    # Boxes come as special tokens (`<loc_N>`...) that skip_special_tokens drops: keep them in the raw text.
    box_special_tokens: bool = False
    # Config attributes holding token ids, by token (used to build consistent configs).
    config_token_ids: dict[str, str] = field(default_factory=dict)
    # Tokenizer attributes a processor reads (`tokenizer.boi_token`...), as `extra_special_tokens` names them.
    named_tokens: dict[str, str] = field(default_factory=dict)
    # Prompt layout for checkpoints that ship no chat template (see `chat_template_for`): "chatml" for chat
    # models, "plain" for base models prompted with bare text, "user_assistant" for IDEFICS-style turns.
    prompt_format: PromptFormat = "chatml"
    # Set when the family cannot decode under a grammar; a constrained request raises ModelError with it.
    grammar_error: str | None = None
    # How to ask the family for its native boxes (`{labels}`: the object names), where it has a grounding prompt.
    grounding_prompt: str | None = None


_QWEN_TOKENS = ("<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>")
_QWEN_TOKEN_IDS = {
    "<|vision_start|>": "vision_start_token_id",
    "<|vision_end|>": "vision_end_token_id",
    "<|image_pad|>": "image_token_id",
    "<|video_pad|>": "video_token_id",
}
_IDEFICS_TOKENS = (
    "<fake_token_around_image>",
    "<image>",
    "<end_of_utterance>",
    "<global-img>",
    *(f"<row_{i}_col_{j}>" for i in range(1, 7) for j in range(1, 7)),
)


def _qwen(key: str, model_class: str, processor_class: str, box_convention: str) -> VLMFamily:
    return VLMFamily(
        key=key,
        model_class=model_class,
        processor_class=processor_class,
        image_processor_class="Qwen2VLImageProcessorPil",
        image_tokens=_QWEN_TOKENS,
        image_placeholder="<|vision_start|><|image_pad|><|vision_end|>",
        box_convention=box_convention,
        input_size=_smart_resize_size,
        pixel_budget=_budget_min_max_pixels,
        processor_takes_video=True,
        config_token_ids=_QWEN_TOKEN_IDS,
    )


def _idefics(key: str, model_class: str, processor_class: str) -> VLMFamily:
    return VLMFamily(
        key=key,
        model_class=model_class,
        processor_class=processor_class,
        image_processor_class="Idefics3ImageProcessorPil",
        image_tokens=_IDEFICS_TOKENS,
        image_placeholder="<image>",
        box_convention="norm1000_xyxy",
        input_size=_longest_edge_tiles_size,
        pixel_budget=_budget_longest_edge,
        config_token_ids={"<image>": "image_token_id"},
    )


_PIXTRAL_TOKENS = ("[IMG]", "[IMG_BREAK]", "[IMG_END]")
_INTERNVL_TOKENS = {
    "start_image_token": "<img>",
    "end_image_token": "</img>",
    "context_image_token": "<IMG_CONTEXT>",
    "video_token": "<video>",
}
_GEMMA3_TOKENS = {"boi_token": "<start_of_image>", "image_token": "<image_soft_token>", "eoi_token": "<end_of_image>"}
FLORENCE2_GRAMMAR_ERROR = (
    "Florence-2 is an encoder-decoder trained only on fixed task prompts (<OD>, <OCR>, <CAPTION>, ...): it does "
    "not follow instructions, so it cannot fill a schema under a grammar. Run it unconstrained with a task prompt "
    "(its boxes come as <loc_N> tokens), or extract with an instruction-following family (Qwen2.5-VL, SmolVLM, ...)."
)

FAMILIES: dict[str, VLMFamily] = {
    f.key: f
    for f in (
        _qwen("qwen2_5_vl", "Qwen2_5_VLForConditionalGeneration", "Qwen2_5_VLProcessor", "pixels_resized_xyxy"),
        _qwen("qwen2_vl", "Qwen2VLForConditionalGeneration", "Qwen2VLProcessor", "norm1000_xyxy"),
        _qwen("qwen3_vl", "Qwen3VLForConditionalGeneration", "Qwen3VLProcessor", "norm1000_xyxy"),
        _idefics("idefics3", "Idefics3ForConditionalGeneration", "Idefics3Processor"),
        replace(
            _idefics("smolvlm", "SmolVLMForConditionalGeneration", "SmolVLMProcessor"),
            image_processor_class="SmolVLMImageProcessorPil",
            processor_takes_video=True,
        ),
        VLMFamily(
            key="llava",  # LLaVA 1.5 (CLIP tower) and Pixtral checkpoints (Pixtral tower and processor)
            model_class="LlavaForConditionalGeneration",
            processor_class="LlavaProcessor",
            image_processor_class="LlavaImageProcessorPil",
            image_tokens=("<image>",),
            image_placeholder="<image>\n",
            box_convention="norm1000_xyxy",
            input_size=_by_image_processor,
            config_token_ids={"<image>": "image_token_index"},
        ),
        VLMFamily(
            key="llava_next",
            model_class="LlavaNextForConditionalGeneration",
            processor_class="LlavaNextProcessor",
            image_processor_class="LlavaNextImageProcessorPil",
            image_tokens=("<image>",),
            image_placeholder="<image>\n",
            box_convention="norm1000_xyxy",
            input_size=_anyres_size,
            config_token_ids={"<image>": "image_token_index"},
        ),
        VLMFamily(
            key="paligemma",  # the processor adds <image>, <locNNNN> and <segNNN>, a BOS after the image, a newline
            model_class="PaliGemmaForConditionalGeneration",
            processor_class="PaliGemmaProcessor",
            image_processor_class="SiglipImageProcessorPil",
            image_tokens=("<image>",),
            image_placeholder="<image>",
            box_convention="loc1024_yxyx",
            box_special_tokens=True,
            config_token_ids={"<image>": "image_token_index"},
            prompt_format="plain",
            grounding_prompt="detect {labels}",
        ),
        VLMFamily(
            key="kosmos-2",  # the processor adds <image>...</image> with 64 latent slots and the patch tokens
            model_class="Kosmos2ForConditionalGeneration",
            processor_class="Kosmos2Processor",
            image_processor_class="CLIPImageProcessorPil",
            image_tokens=(),
            image_placeholder="",
            box_convention="patch32",
            box_special_tokens=True,
            prompt_format="plain",
            grounding_prompt="<grounding><phrase> {labels}</phrase>",
        ),
        VLMFamily(
            key="instructblip",  # the processor puts the Q-Former query slots before the text
            model_class="InstructBlipForConditionalGeneration",
            processor_class="InstructBlipProcessor",
            image_processor_class="BlipImageProcessorPil",
            image_tokens=("<image>",),
            image_placeholder="",
            box_convention="norm1000_xyxy",
            config_token_ids={"<image>": "image_token_index"},
            prompt_format="plain",
        ),
        VLMFamily(
            key="idefics",  # IDEFICS 1 (open Flamingo): the processor puts each image before its prompt
            model_class="IdeficsForVisionText2Text",
            processor_class="IdeficsProcessor",
            image_processor_class="IdeficsImageProcessorPil",
            image_tokens=("<image>", "<fake_token_around_image>", "<end_of_utterance>"),
            image_placeholder="",
            box_convention="norm1000_xyxy",
            prompt_format="user_assistant",
        ),
        VLMFamily(
            key="florence2",
            model_class="Florence2ForConditionalGeneration",
            processor_class="Florence2Processor",
            image_processor_class="CLIPImageProcessorPil",
            image_tokens=("<image>",),
            image_placeholder="",
            box_convention="loc1000_xyxy",
            box_special_tokens=True,
            config_token_ids={"<image>": "image_token_id"},
            named_tokens={"image_token": "<image>"},
            prompt_format="plain",
            grammar_error=FLORENCE2_GRAMMAR_ERROR,
            grounding_prompt="<OPEN_VOCABULARY_DETECTION>{labels}",
        ),
        VLMFamily(
            key="gemma3",  # <start_of_image> in the prompt becomes BOI, the soft image tokens, EOI
            model_class="Gemma3ForConditionalGeneration",
            processor_class="Gemma3Processor",
            image_processor_class="Gemma3ImageProcessorPil",
            image_tokens=tuple(_GEMMA3_TOKENS.values()),
            image_placeholder="<start_of_image>",
            box_convention="norm1000_xyxy",
            config_token_ids={
                "<start_of_image>": "boi_token_index",
                "<end_of_image>": "eoi_token_index",
                "<image_soft_token>": "image_token_index",
            },
            named_tokens=_GEMMA3_TOKENS,
        ),
        VLMFamily(
            key="mllama",  # Llama 3.2 Vision: images enter through cross-attention layers
            model_class="MllamaForConditionalGeneration",
            processor_class="MllamaProcessor",
            image_processor_class="MllamaImageProcessorPil",
            image_tokens=("<|image|>", "<|python_tag|>"),
            image_placeholder="<|image|>",
            box_convention="norm1000_xyxy",
            input_size=_mllama_size,
            config_token_ids={"<|image|>": "image_token_index"},
        ),
        VLMFamily(
            key="mistral3",  # [IMG] becomes rows of [IMG] ended by [IMG_BREAK], the last by [IMG_END]
            model_class="Mistral3ForConditionalGeneration",
            processor_class="PixtralProcessor",
            image_processor_class="PixtralImageProcessorPil",
            image_tokens=_PIXTRAL_TOKENS,
            image_placeholder="[IMG]",
            box_convention="norm1000_xyxy",
            input_size=_pixtral_size,
            config_token_ids={"[IMG]": "image_token_index"},
        ),
        VLMFamily(
            key="internvl",  # <IMG_CONTEXT> becomes <img>, the context tokens of every tile, </img>
            model_class="InternVLForConditionalGeneration",
            processor_class="InternVLProcessor",
            image_processor_class="GotOcr2ImageProcessorPil",
            image_tokens=tuple(_INTERNVL_TOKENS.values()),
            image_placeholder="<IMG_CONTEXT>\n",
            box_convention="norm1000_xyxy",
            processor_takes_video=True,
            config_token_ids={"<IMG_CONTEXT>": "image_token_id"},
            named_tokens=_INTERNVL_TOKENS,
        ),
    )
}

# Families not in the table load through the Auto classes with these defaults.
GENERIC = VLMFamily(
    key="generic",
    model_class="AutoModelForImageTextToText",
    processor_class="AutoProcessor",
    image_processor_class="AutoImageProcessor",
    image_tokens=(),
    image_placeholder="<image>",
    box_convention="norm1000_xyxy",
)


def family_for(model_type: str | None) -> VLMFamily:
    """The table entry for a `config.model_type`; unknown types get `GENERIC`."""
    return FAMILIES.get(model_type or "", GENERIC)


def _content(placeholder: str) -> str:
    """Jinja rendering one message's content (a string, or a list of image and text parts)."""
    return (
        "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
        "{% for part in message['content'] %}"
        "{% if part['type'] == 'image' %}" + placeholder + "{% elif part['type'] == 'text' %}"
        "{{ part['text'] }}{% endif %}{% endfor %}{% endif %}"
    )


def chat_template_for(family: VLMFamily) -> str:
    """A chat template that lays a prompt out the family's way (for checkpoints that ship none).

    chatml: `<|im_start|>role ... <|im_end|>` turns. plain: the messages' text, one per line, no roles, no
    generation prompt (base models such as PaliGemma, Kosmos-2, InstructBLIP, Florence-2). user_assistant:
    `User:... <end_of_utterance>` then `Assistant:` (IDEFICS).
    """
    content = _content(family.image_placeholder)
    if family.prompt_format == "plain":
        return "{% for message in messages %}{% if not loop.first %}\n{% endif %}" + content + "{% endfor %}"
    if family.prompt_format == "user_assistant":
        return (
            "{% for message in messages %}{% if message['role'] == 'system' %}" + content + "\n"
            "{% else %}{{ message['role'] | capitalize }}:" + content + "<end_of_utterance>\n{% endif %}"
            "{% endfor %}{% if add_generation_prompt %}Assistant:{% endif %}"
        )
    return (
        "{% for message in messages %}<|im_start|>{{ message['role'] }}\n" + content + "<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )


def processor_class(family: VLMFamily, name: str | None = None) -> type:
    """The family's processor class, or the class `name` (as a saved `processor_config.json` names it).

    Where transformers needs torchvision for it, a torchvision-free equivalent (`processors.py`); where its
    `__init__` asks for a video processor (which needs torchvision), a subclass that takes none. Either keeps
    the class name, so saved configs name the real class.
    """
    import transformers

    from ocula.adapters.models.processors import torchvision_free

    name = name or family.processor_class
    cls = torchvision_free(name) or getattr(transformers, name)
    if not family.processor_takes_video:
        return cls

    from transformers.processing_utils import ProcessorMixin

    class _ImageOnlyProcessor(cls):  # type: ignore[misc, valid-type]
        def __init__(
            self, image_processor: Any = None, tokenizer: Any = None, chat_template: str | None = None, **kwargs: Any
        ) -> None:
            super().__init__(image_processor, tokenizer, None, chat_template=chat_template, **kwargs)

        def apply_chat_template(self, conversation: Any, chat_template: str | None = None, **kwargs: Any) -> Any:
            """The base rendering: a family's override only adds video defaults read from the video processor."""
            return ProcessorMixin.apply_chat_template(self, conversation, chat_template, **kwargs)

    # The family's own signature without the video processor: `save_pretrained` saves the attributes it names.
    signature = inspect.signature(cls.__init__)
    kept = [p for name, p in signature.parameters.items() if name != "video_processor"]
    _ImageOnlyProcessor.__init__.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
    _ImageOnlyProcessor.__name__ = cls.__name__
    _ImageOnlyProcessor.__qualname__ = cls.__qualname__
    return _ImageOnlyProcessor
