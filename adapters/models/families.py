"""Quirks of vision-language model families, in one table.

Everything that differs between families lives here as data: the model and processor classes, the special
image tokens, how a chat template renders an image, which processors ask for a video processor, the size an
image is resized to, and the key of the family's box convention. Backends look a family up by
`config.model_type` and never branch on a family name.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# (image_processor, width, height) -> (width, height) of the image the model sees.
InputSize = Callable[[Any, int, int], tuple[int, int]]
# (image_processor, max_pixels) -> None: caps the processor's pixel budget in place.
PixelBudget = Callable[[Any, int], None]


def _size_get(size: Any, key: str) -> Any:
    """A key of a processor `size` (a dict or a `SizeDict`), or None."""
    if size is None:
        return None
    if isinstance(size, dict):
        return size.get(key)
    return getattr(size, key, None)


def _size_set(processor: Any, **values: int) -> None:
    size = processor.size
    current = dict(size) if isinstance(size, dict) else {k: v for k, v in vars(size).items() if v is not None}
    current.update(values)
    processor.size = type(size)(**current) if not isinstance(size, dict) else current


# --- input sizes --------------------------------------------------------------------------------------


def _smart_resize_size(image_processor: Any, width: int, height: int) -> tuple[int, int]:
    """Qwen2-VL family: both sides a multiple of patch*merge, pixel count within [min, max]."""
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

    factor = int(image_processor.patch_size) * int(image_processor.merge_size)
    min_pixels = _size_get(image_processor.size, "shortest_edge") or 56 * 56
    max_pixels = _size_get(image_processor.size, "longest_edge") or 28 * 28 * 1280
    h, w = smart_resize(height, width, factor=factor, min_pixels=min_pixels, max_pixels=max_pixels)
    return w, h


def _longest_edge_tiles_size(image_processor: Any, width: int, height: int) -> tuple[int, int]:
    """Idefics3 / SmolVLM: longest edge scaled to `size.longest_edge`, then rounded up to whole tiles."""
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


def _fixed_size(image_processor: Any, width: int, height: int) -> tuple[int, int]:
    """CLIP/SigLIP-style processors: a fixed crop or a fixed square resize."""
    for attr in ("crop_size", "size"):
        size = getattr(image_processor, attr, None)
        h, w = _size_get(size, "height"), _size_get(size, "width")
        if h and w and (attr == "size" or getattr(image_processor, "do_center_crop", False)):
            return int(w), int(h)
    edge = _size_get(getattr(image_processor, "size", None), "shortest_edge")
    if edge:
        scale = edge / min(width, height)
        return round(width * scale), round(height * scale)
    return width, height


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


FAMILIES: dict[str, VLMFamily] = {
    f.key: f
    for f in (
        _qwen("qwen2_5_vl", "Qwen2_5_VLForConditionalGeneration", "Qwen2_5_VLProcessor", "pixels_resized_xyxy"),
        _qwen("qwen2_vl", "Qwen2VLForConditionalGeneration", "Qwen2VLProcessor", "norm1000_xyxy"),
        _idefics("idefics3", "Idefics3ForConditionalGeneration", "Idefics3Processor"),
        VLMFamily(
            key="llava",
            model_class="LlavaForConditionalGeneration",
            processor_class="LlavaProcessor",
            image_processor_class="LlavaImageProcessorPil",
            image_tokens=("<image>",),
            image_placeholder="<image>\n",
            box_convention="norm1000_xyxy",
            config_token_ids={"<image>": "image_token_index"},
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


def chat_template_for(family: VLMFamily) -> str:
    """A ChatML chat template that renders images the family's way (for checkpoints that ship none)."""
    return (
        "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
        "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
        "{% for part in message['content'] %}"
        "{% if part['type'] == 'image' %}" + family.image_placeholder + "{% elif part['type'] == 'text' %}"
        "{{ part['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )


def processor_class(family: VLMFamily) -> type:
    """The family's processor class; where its `__init__` asks for a video processor (which needs
    torchvision), a subclass that takes none and keeps the family's class name (so saved configs name the
    real class)."""
    import transformers

    cls = getattr(transformers, family.processor_class)
    if not family.processor_takes_video:
        return cls

    class _ImageOnlyProcessor(cls):  # type: ignore[misc, valid-type]
        def __init__(
            self, image_processor: Any = None, tokenizer: Any = None, chat_template: str | None = None, **kwargs: Any
        ) -> None:
            super().__init__(image_processor, tokenizer, None, chat_template=chat_template, **kwargs)

    _ImageOnlyProcessor.__name__ = cls.__name__
    _ImageOnlyProcessor.__qualname__ = cls.__qualname__
    return _ImageOnlyProcessor
