"""Tiny random models built offline, saved to a folder, for tests of the real transformers code paths.

Each vision family gets a ~6M-parameter model with the SmolLM2 tokenizer (read from the bundled GGUF),
the family's image special tokens, a chat template that renders images the family's way, a PIL image
processor with a small pixel budget, and the family's processor class. `save_tiny_vlm` writes model and
processor with `save_pretrained` so tests load them back by path, like a real checkpoint.
Random weights write random text: tests assert structure and validity, never accuracy.
"""

from __future__ import annotations

import copy
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch

from ocula.adapters.models.bundled import bundled_gguf
from ocula.adapters.models.families import FAMILIES, VLMFamily, chat_template_for, processor_class

TINY_FAMILIES = ("qwen2_5_vl", "idefics3", "llava")

# A text model small enough to run in milliseconds, large enough to be a real transformer.
_TEXT = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 4096,
}


@functools.cache
def _smollm2_tokenizer() -> Any:
    """The SmolLM2 tokenizer from the bundled GGUF (read once per process; copy before changing it)."""
    from transformers import AutoTokenizer

    path = bundled_gguf("smollm2-135m")
    return AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)


def smollm2_tokenizer(extra_special_tokens: tuple[str, ...] = ()) -> Any:
    """A private copy of the SmolLM2 tokenizer with `extra_special_tokens` added."""
    tokenizer = copy.deepcopy(_smollm2_tokenizer())
    if extra_special_tokens:
        tokenizer.add_special_tokens(
            {"additional_special_tokens": list(extra_special_tokens)}, replace_extra_special_tokens=False
        )
    return tokenizer


def _text_config(tokenizer: Any) -> dict[str, Any]:
    return {
        **_TEXT,
        "vocab_size": len(tokenizer),
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }


def _token_ids(family: VLMFamily, tokenizer: Any) -> dict[str, int]:
    return {attr: tokenizer.convert_tokens_to_ids(tok) for tok, attr in family.config_token_ids.items()}


# --- one builder per family: (tokenizer, family) -> (model, processor) ------------------------------------


def _qwen2_5_vl(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    text = _text_config(tokenizer)
    text["rope_parameters"] = {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 3, 3]}
    vision = {
        "depth": 2,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_heads": 2,
        "out_hidden_size": _TEXT["hidden_size"],
        "patch_size": 14,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
        "window_size": 56,
        "fullatt_block_indexes": [1],
    }
    config = Qwen2_5_VLConfig(text_config=text, vision_config=vision, **_token_ids(family, tokenizer))
    image_processor = Qwen2VLImageProcessorPil(min_pixels=28 * 28 * 4, max_pixels=28 * 28 * 16)
    processor = processor_class(family)(
        image_processor=image_processor, tokenizer=tokenizer, chat_template=tokenizer.chat_template
    )
    return Qwen2_5_VLForConditionalGeneration(config), processor


def _idefics3(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    from transformers import Idefics3Config, Idefics3ForConditionalGeneration
    from transformers.models.idefics3.image_processing_pil_idefics3 import Idefics3ImageProcessorPil

    tile, patch, scale = 32, 8, 2
    vision = {
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "image_size": tile,
        "patch_size": patch,
    }
    config = Idefics3Config(
        text_config={**_text_config(tokenizer), "model_type": "llama"},
        vision_config=vision,
        scale_factor=scale,
        **_token_ids(family, tokenizer),
    )
    image_processor = Idefics3ImageProcessorPil(
        size={"longest_edge": 2 * tile}, max_image_size={"longest_edge": tile}, do_image_splitting=True
    )
    processor = processor_class(family)(
        image_processor=image_processor,
        tokenizer=tokenizer,
        image_seq_len=(tile // patch) ** 2 // scale**2,
        chat_template=tokenizer.chat_template,
    )
    return Idefics3ForConditionalGeneration(config), processor


def _llava(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    from transformers import LlavaConfig, LlavaForConditionalGeneration
    from transformers.models.llava.image_processing_pil_llava import LlavaImageProcessorPil

    side, patch = 32, 8
    vision = {
        "model_type": "clip_vision_model",
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "image_size": side,
        "patch_size": patch,
        "projection_dim": 32,
    }
    config = LlavaConfig(
        text_config={**_text_config(tokenizer), "model_type": "llama"},
        vision_config=vision,
        vision_feature_layer=-1,
        image_seq_length=(side // patch) ** 2,
        **_token_ids(family, tokenizer),
    )
    image_processor = LlavaImageProcessorPil(size={"shortest_edge": side}, crop_size={"height": side, "width": side})
    processor = processor_class(family)(
        image_processor=image_processor,
        tokenizer=tokenizer,
        patch_size=patch,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,
        chat_template=tokenizer.chat_template,
    )
    return LlavaForConditionalGeneration(config), processor


_BUILDERS: dict[str, Callable[[Any, VLMFamily], tuple[Any, Any]]] = {
    "qwen2_5_vl": _qwen2_5_vl,
    "idefics3": _idefics3,
    "llava": _llava,
}


def build_tiny_vlm(family: str, seed: int = 0) -> tuple[Any, Any]:
    """An in-memory tiny random (model, processor) of a vision family."""
    spec = FAMILIES[family]
    tokenizer = smollm2_tokenizer(spec.image_tokens)
    tokenizer.chat_template = chat_template_for(spec)
    torch.manual_seed(seed)
    model, processor = _BUILDERS[family](tokenizer, spec)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model.eval(), processor


def save_tiny_vlm(family: str, folder: str | Path, seed: int = 0) -> Path:
    """Build a tiny random model of `family` and save it with its processor into `folder`."""
    folder = Path(folder)
    model, processor = build_tiny_vlm(family, seed)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def build_tiny_lm(seed: int = 0) -> tuple[Any, Any]:
    """An in-memory tiny random LlamaForCausalLM with the SmolLM2 tokenizer and its chat template."""
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = smollm2_tokenizer()
    torch.manual_seed(seed)
    model = LlamaForCausalLM(LlamaConfig(**_text_config(tokenizer)))
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model.eval(), tokenizer


def save_tiny_lm(folder: str | Path, seed: int = 0) -> Path:
    """Build a tiny random causal LM and save it with its tokenizer into `folder`."""
    folder = Path(folder)
    model, tokenizer = build_tiny_lm(seed)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
