"""Tiny random models built offline, saved to a folder, for tests of the real transformers code paths.

Each vision family gets a small random model, the family's image special tokens (plain and named, as the
family table lists them), a chat template that renders images the family's way, a PIL image processor with a
small pixel budget, and the family's processor class. `save_tiny_vlm` writes model and processor with
`save_pretrained` so tests load them back by path, like a real checkpoint.

Tokenizers: the first three families (`TINY_FAMILIES`) use the SmolLM2 tokenizer read from the bundled GGUF
(49k tokens, ~6M-parameter models); the others use a byte-level BPE of a few hundred tokens trained here in
milliseconds (`tiny_bpe_tokenizer`), which keeps their models near 0.3M parameters and quick to save and load.
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

# Families on the SmolLM2 tokenizer, run through every adapter test in test_transformers_vlm.py.
TINY_FAMILIES = ("qwen2_5_vl", "idefics3", "llava")
# Every other tiny build (test_vlm_families.py), by build name; "llava_pixtral" is a LLaVA checkpoint with a
# Pixtral vision tower and processor, as Pixtral-12B ships; "instructblip_t5" has a T5 encoder-decoder as its
# language model, as the Flan-T5 InstructBLIP checkpoints do.
MORE_TINY_FAMILIES = (
    "qwen2_vl",
    "qwen3_vl",
    "llava_next",
    "llava_pixtral",
    "paligemma",
    "kosmos-2",
    "instructblip",
    "instructblip_t5",
    "idefics",
    "florence2",
    "gemma3",
    "smolvlm",
    "mllama",
    "mistral3",
    "internvl",
)

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


# Text the tiny BPE learns its merges from: JSON punctuation, digits and a few common words.
_BPE_CORPUS = (
    '{"title": "TOTAL 12.50", "score": 42, "items": [{"name": "apple", "count": 3}], "date": null}',
    "Describe the picture as JSON. Give the code. What is drawn on the page? Answer with the JSON object.",
    "The quick brown fox jumps over the lazy dog: receipt, invoice, total, date, address, company, name.",
    "user assistant system image photo document 0123456789 true false",
)
_BPE_SPECIALS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")


@functools.cache
def _bpe_model() -> Any:
    """A byte-level BPE (every byte is a token, so any text encodes) with a few hundred merges."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=512,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=list(_BPE_SPECIALS),
        show_progress=False,
    )
    backend.train_from_iterator(_BPE_CORPUS * 4, trainer)
    return backend


def tiny_bpe_tokenizer(extra_special_tokens: tuple[str, ...] = (), named_tokens: dict[str, str] | None = None) -> Any:
    """A fresh tiny byte-level BPE tokenizer (ChatML specials) with the family's image tokens added; a named
    token also becomes a tokenizer attribute (`tokenizer.boi_token`), as in a real checkpoint's config."""
    from transformers import PreTrainedTokenizerFast

    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=copy.deepcopy(_bpe_model()),
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token="<|endoftext|>",
        extra_special_tokens=dict(named_tokens or {}),
    )
    plain = [t for t in extra_special_tokens if t not in (named_tokens or {}).values()]
    if plain:
        tokenizer.add_special_tokens({"additional_special_tokens": plain}, replace_extra_special_tokens=False)
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


def _idefics_style(
    tokenizer: Any, family: VLMFamily, config_cls: Any, model_cls: Any, image_processor_cls: Any
) -> tuple[Any, Any]:
    """Idefics3 and SmolVLM (built on it): one tile of 32 px, images split into tiles, pixel shuffle 2."""
    tile, patch, scale = 32, 8, 2
    config = config_cls(
        text_config={**_text_config(tokenizer), "model_type": "llama"},
        vision_config=_vision(tile, patch),
        scale_factor=scale,
        **_token_ids(family, tokenizer),
    )
    image_processor = image_processor_cls(
        size={"longest_edge": 2 * tile}, max_image_size={"longest_edge": tile}, do_image_splitting=True
    )
    processor = processor_class(family)(
        image_processor=image_processor,
        tokenizer=tokenizer,
        image_seq_len=(tile // patch) ** 2 // scale**2,
        chat_template=tokenizer.chat_template,
    )
    return model_cls(config), processor


def _idefics3(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    from transformers import Idefics3Config, Idefics3ForConditionalGeneration
    from transformers.models.idefics3.image_processing_pil_idefics3 import Idefics3ImageProcessorPil

    return _idefics_style(
        tokenizer, family, Idefics3Config, Idefics3ForConditionalGeneration, Idefics3ImageProcessorPil
    )


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


def _vision(side: int, patch: int, **extra: Any) -> dict[str, Any]:
    """A two-layer ViT of width 32 on `side` x `side` images (CLIP/SigLIP-style config keys)."""
    return {
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "image_size": side,
        "patch_size": patch,
        **extra,
    }


def _qwen2_vl(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    text = _text_config(tokenizer)
    text["rope_parameters"] = {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 3, 3]}
    vision = {"depth": 2, "embed_dim": 32, "hidden_size": _TEXT["hidden_size"], "mlp_ratio": 2, "num_heads": 2}
    config = Qwen2VLConfig(text_config=text, vision_config=vision, **_token_ids(family, tokenizer))
    image_processor = Qwen2VLImageProcessorPil(min_pixels=28 * 28 * 4, max_pixels=28 * 28 * 16)
    processor = processor_class(family)(
        image_processor=image_processor, tokenizer=tokenizer, chat_template=tokenizer.chat_template
    )
    return Qwen2VLForConditionalGeneration(config), processor


def _qwen3_vl(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    from transformers import Qwen3VLConfig, Qwen3VLForConditionalGeneration
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    text = {**_text_config(tokenizer), "head_dim": 16}
    text["rope_parameters"] = {
        "rope_type": "default",
        "rope_theta": 10000.0,
        "mrope_section": [2, 3, 3],
        "mrope_interleaved": True,
    }
    vision = {
        "depth": 2,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_heads": 2,
        "out_hidden_size": _TEXT["hidden_size"],
        "patch_size": 16,
        "num_position_embeddings": 64,
        "deepstack_visual_indexes": [0],
    }
    config = Qwen3VLConfig(text_config=text, vision_config=vision, **_token_ids(family, tokenizer))
    image_processor = Qwen2VLImageProcessorPil(patch_size=16, min_pixels=32 * 32 * 4, max_pixels=32 * 32 * 16)
    processor = processor_class(family)(
        image_processor=image_processor, tokenizer=tokenizer, chat_template=tokenizer.chat_template
    )
    return Qwen3VLForConditionalGeneration(config), processor


def _llava_next(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    from transformers import LlavaNextConfig, LlavaNextForConditionalGeneration
    from transformers.models.llava_next.image_processing_pil_llava_next import LlavaNextImageProcessorPil

    side, patch = 32, 8
    pinpoints = [[32, 64], [64, 32], [64, 64]]
    config = LlavaNextConfig(
        text_config={**_text_config(tokenizer), "model_type": "llama"},
        vision_config=_vision(side, patch, model_type="clip_vision_model", projection_dim=32),
        vision_feature_layer=-1,
        image_grid_pinpoints=pinpoints,
        **_token_ids(family, tokenizer),
    )
    image_processor = LlavaNextImageProcessorPil(
        size={"shortest_edge": side}, crop_size={"height": side, "width": side}, image_grid_pinpoints=pinpoints
    )
    processor = processor_class(family)(
        image_processor=image_processor,
        tokenizer=tokenizer,
        patch_size=patch,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,
        chat_template=tokenizer.chat_template,
    )
    return LlavaNextForConditionalGeneration(config), processor


def _pixtral_processor(tokenizer: Any, family: VLMFamily, patch: int, merge: int) -> Any:
    from transformers.models.pixtral.image_processing_pil_pixtral import PixtralImageProcessorPil

    image_processor = PixtralImageProcessorPil(size={"longest_edge": 64}, patch_size=patch)
    return processor_class(family)(
        image_processor=image_processor,
        tokenizer=tokenizer,
        patch_size=patch,
        spatial_merge_size=merge,
        chat_template=tokenizer.chat_template,
    )


def _pixtral_vision(patch: int) -> dict[str, Any]:
    return {**_vision(64, patch, model_type="pixtral"), "head_dim": 16}


def _llava_pixtral(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    from transformers import LlavaConfig, LlavaForConditionalGeneration

    patch = 8
    config = LlavaConfig(
        text_config={**_text_config(tokenizer), "model_type": "mistral"},
        vision_config=_pixtral_vision(patch),
        vision_feature_layer=-1,
        vision_feature_select_strategy="full",
        image_token_index=tokenizer.convert_tokens_to_ids("[IMG]"),
    )
    return LlavaForConditionalGeneration(config), _pixtral_processor(tokenizer, family, patch, 1)


def _mistral3(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    from transformers import Mistral3Config, Mistral3ForConditionalGeneration

    patch, merge = 8, 2
    config = Mistral3Config(
        text_config={**_text_config(tokenizer), "model_type": "mistral"},
        vision_config=_pixtral_vision(patch),
        spatial_merge_size=merge,
        **_token_ids(family, tokenizer),
    )
    return Mistral3ForConditionalGeneration(config), _pixtral_processor(tokenizer, family, patch, merge)


def _paligemma(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    from transformers import PaliGemmaConfig, PaliGemmaForConditionalGeneration
    from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

    side, patch = 32, 8
    image_processor = SiglipImageProcessorPil(size={"height": side, "width": side})
    image_processor.image_seq_length = (side // patch) ** 2
    # The processor adds <image>, <locNNNN> and <segNNN> to the tokenizer: build it before the config.
    processor = processor_class(family)(image_processor=image_processor, tokenizer=tokenizer)
    text = {**_text_config(tokenizer), "model_type": "gemma", "head_dim": 16}
    config = PaliGemmaConfig(
        text_config=text,
        vision_config=_vision(side, patch, model_type="siglip_vision_model"),
        projection_dim=_TEXT["hidden_size"],
        hidden_size=_TEXT["hidden_size"],
        vocab_size=len(tokenizer),
        **_token_ids(family, tokenizer),
    )
    return PaliGemmaForConditionalGeneration(config), processor


def _kosmos2(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    from transformers import Kosmos2Config, Kosmos2ForConditionalGeneration
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    side, patch = 32, 8
    image_processor = CLIPImageProcessorPil(size={"height": side, "width": side}, do_center_crop=False)
    # The processor adds its tag and <patch_index_NNNN> tokens: build it before the config.
    processor = processor_class(family)(image_processor=image_processor, tokenizer=tokenizer)
    text = {
        "vocab_size": len(tokenizer),
        "embed_dim": _TEXT["hidden_size"],
        "layers": 2,
        "ffn_dim": 128,
        "attention_heads": 4,
        "max_position_embeddings": 2048,
        "pad_token_id": tokenizer.pad_token_id,
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
    }
    config = Kosmos2Config(text_config=text, vision_config=_vision(side, patch), latent_query_num=64)
    return Kosmos2ForConditionalGeneration(config), processor


def _wordpiece_tokenizer() -> Any:
    """A tiny BERT-style WordPiece tokenizer (letters, digits, punctuation) for the InstructBLIP Q-Former."""
    import string

    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    symbols = string.ascii_lowercase + string.digits + string.punctuation
    vocab += list(symbols) + [f"##{c}" for c in symbols]
    backend = Tokenizer(models.WordPiece({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(lowercase=True)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    backend.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]"
    )


def _t5_text(tokenizer: Any) -> dict[str, Any]:
    """A one-layer T5 encoder-decoder (InstructBLIP's Flan-T5 language models)."""
    return {
        "model_type": "t5",
        "vocab_size": len(tokenizer),
        "d_model": _TEXT["hidden_size"],
        "d_kv": 16,
        "d_ff": 128,
        "num_layers": 1,
        "num_decoder_layers": 1,
        "num_heads": 4,
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "decoder_start_token_id": tokenizer.pad_token_id,
    }


def _instructblip_t5(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    return _instructblip(tokenizer, family, _t5_text(tokenizer))


def _instructblip(tokenizer: Any, family: VLMFamily, text: dict[str, Any] | None = None) -> tuple[Any, Any]:
    from transformers import InstructBlipConfig, InstructBlipForConditionalGeneration
    from transformers.models.blip.image_processing_pil_blip import BlipImageProcessorPil

    side, patch, queries = 32, 8, 4
    qformer_tokenizer = _wordpiece_tokenizer()
    qformer = {
        "vocab_size": len(qformer_tokenizer),
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "max_position_embeddings": 512,
        "encoder_hidden_size": 32,
        "cross_attention_frequency": 1,
    }
    config = InstructBlipConfig(
        vision_config=_vision(side, patch, initializer_range=0.02),  # the default, 1e-10, blinds a random tower
        qformer_config=qformer,
        text_config=text or {**_text_config(tokenizer), "model_type": "llama"},
        num_query_tokens=queries,
        **_token_ids(family, tokenizer),
    )
    image_processor = BlipImageProcessorPil(size={"height": side, "width": side})
    processor = processor_class(family)(
        image_processor=image_processor,
        tokenizer=tokenizer,
        qformer_tokenizer=qformer_tokenizer,
        num_query_tokens=queries,
    )
    return InstructBlipForConditionalGeneration(config), processor


def _idefics(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    from transformers import IdeficsConfig, IdeficsForVisionText2Text
    from transformers.models.idefics.image_processing_pil_idefics import IdeficsImageProcessorPil

    side, patch = 32, 8
    config = IdeficsConfig(
        **{k: v for k, v in _text_config(tokenizer).items() if k != "num_key_value_heads"},
        cross_layer_interval=1,
        alpha_initializer="ones",  # gated cross-attention starts closed ("zeros"): open it, as training does
        vision_config={
            "embed_dim": 32,
            "image_size": side,
            "patch_size": patch,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "intermediate_size": 64,
        },
    )
    image_processor = IdeficsImageProcessorPil(image_size=side)
    processor = processor_class(family)(image_processor=image_processor, tokenizer=tokenizer, image_size=side)
    return IdeficsForVisionText2Text(config), processor


def _florence2(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    from transformers import Florence2Config, Florence2ForConditionalGeneration
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    side = 64
    image_processor = CLIPImageProcessorPil(size={"height": side, "width": side}, do_center_crop=False)
    vision = {
        "depths": [1, 1],
        "patch_size": [7, 3],
        "patch_stride": [4, 2],
        "patch_padding": [3, 1],
        "patch_prenorm": [False, True],
        "embed_dim": [16, 32],
        "num_heads": [2, 2],
        "num_groups": [2, 2],
        "window_size": 2,
        "projection_dim": _TEXT["hidden_size"],
        "max_position_embeddings": 16,
    }
    image_processor.image_seq_length = (side // 8) ** 2 + 1  # patches after the two strides, plus a pooled token
    text = {
        "vocab_size": len(tokenizer),
        "d_model": _TEXT["hidden_size"],
        "encoder_layers": 1,
        "decoder_layers": 1,
        "encoder_attention_heads": 4,
        "decoder_attention_heads": 4,
        "encoder_ffn_dim": 128,
        "decoder_ffn_dim": 128,
        "max_position_embeddings": 1024,
        "pad_token_id": tokenizer.pad_token_id,
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "decoder_start_token_id": tokenizer.eos_token_id,
        "forced_eos_token_id": None,
    }
    # Untied output embeddings: tied, a random decoder repeats its start token, the end-of-sequence token.
    config = Florence2Config(
        text_config={**text, "tie_word_embeddings": False},
        vision_config=vision,
        tie_word_embeddings=False,
        **_token_ids(family, tokenizer),
    )
    processor = processor_class(family)(image_processor=image_processor, tokenizer=tokenizer)
    return Florence2ForConditionalGeneration(config), processor


def _gemma3(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration
    from transformers.models.gemma3.image_processing_pil_gemma3 import Gemma3ImageProcessorPil

    side, patch, tokens = 32, 8, 4
    text = {
        **_text_config(tokenizer),
        "head_dim": 16,
        "query_pre_attn_scalar": 16,
        "sliding_window": 64,
        "layer_types": ["sliding_attention", "full_attention"],
    }
    config = Gemma3Config(
        text_config=text,
        vision_config=_vision(side, patch, model_type="siglip_vision_model"),
        mm_tokens_per_image=tokens,
        **_token_ids(family, tokenizer),
    )
    image_processor = Gemma3ImageProcessorPil(size={"height": side, "width": side})
    processor = processor_class(family)(
        image_processor=image_processor,
        tokenizer=tokenizer,
        image_seq_length=tokens,
        chat_template=tokenizer.chat_template,
    )
    return Gemma3ForConditionalGeneration(config), processor


def _smolvlm(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    from transformers import SmolVLMConfig, SmolVLMForConditionalGeneration
    from transformers.models.smolvlm.image_processing_pil_smolvlm import SmolVLMImageProcessorPil

    return _idefics_style(tokenizer, family, SmolVLMConfig, SmolVLMForConditionalGeneration, SmolVLMImageProcessorPil)


def _mllama(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    from transformers import MllamaConfig, MllamaForConditionalGeneration
    from transformers.models.mllama.image_processing_pil_mllama import MllamaImageProcessorPil

    tile, patch, tiles = 32, 8, 4
    vision = {
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_global_layers": 1,
        "attention_heads": 2,
        "image_size": tile,
        "patch_size": patch,
        "max_num_tiles": tiles,
        "intermediate_layers_indices": [0],
        "vision_output_dim": 64,  # hidden_size x (1 + len(intermediate_layers_indices))
    }
    text = {**_text_config(tokenizer), "cross_attention_layers": [1]}
    config = MllamaConfig(text_config=text, vision_config=vision, **_token_ids(family, tokenizer))
    image_processor = MllamaImageProcessorPil(size={"height": tile, "width": tile}, max_image_tiles=tiles)
    processor = processor_class(family)(
        image_processor=image_processor, tokenizer=tokenizer, chat_template=tokenizer.chat_template
    )
    model = MllamaForConditionalGeneration(config)
    with torch.no_grad():  # gated cross-attention starts closed (tanh(0) = 0): open it, as training does
        for name, parameter in model.named_parameters():
            if name.endswith(("cross_attn_attn_gate", "cross_attn_mlp_gate")):
                parameter.fill_(1.0)
    return model, processor


def _internvl(tokenizer: Any, family: VLMFamily) -> tuple[Any, Any]:
    from transformers import InternVLConfig, InternVLForConditionalGeneration
    from transformers.models.got_ocr2.image_processing_pil_got_ocr2 import GotOcr2ImageProcessorPil

    side, patch = 32, 8
    vision = {**_vision(side, patch), "image_size": [side, side], "patch_size": [patch, patch]}
    config = InternVLConfig(
        vision_config=vision,
        text_config={**_text_config(tokenizer), "model_type": "qwen2"},
        image_seq_length=(side // patch) ** 2 // 4,
        downsample_ratio=0.5,
        **_token_ids(family, tokenizer),
    )
    image_processor = GotOcr2ImageProcessorPil(
        size={"height": side, "width": side}, crop_to_patches=True, min_patches=1, max_patches=4
    )
    processor = processor_class(family)(
        image_processor=image_processor,
        tokenizer=tokenizer,
        image_seq_length=config.image_seq_length,
        chat_template=tokenizer.chat_template,
    )
    return InternVLForConditionalGeneration(config), processor


Builder = Callable[[Any, VLMFamily], tuple[Any, Any]]
_BUILDERS: dict[str, Builder] = {
    "qwen2_5_vl": _qwen2_5_vl,
    "idefics3": _idefics3,
    "llava": _llava,
    "qwen2_vl": _qwen2_vl,
    "qwen3_vl": _qwen3_vl,
    "llava_next": _llava_next,
    "llava_pixtral": _llava_pixtral,
    "paligemma": _paligemma,
    "kosmos-2": _kosmos2,
    "instructblip": _instructblip,
    "instructblip_t5": _instructblip_t5,
    "idefics": _idefics,
    "florence2": _florence2,
    "gemma3": _gemma3,
    "smolvlm": _smolvlm,
    "mllama": _mllama,
    "mistral3": _mistral3,
    "internvl": _internvl,
}
# Family key (config.model_type) of builds named otherwise.
_VARIANT_OF = {"llava_pixtral": "llava", "instructblip_t5": "instructblip"}
BUILD_FAMILY = {name: _VARIANT_OF.get(name, name) for name in _BUILDERS}
# Builds whose tokens, placeholder and processor come from another family's table entry than their model's.
_TOKENS_FROM = {"llava_pixtral": "mistral3", "instructblip_t5": "instructblip"}


def _unzero(model: Any) -> None:
    """Give small random values to weights that initialisation leaves at zero (Gemma 3's image projection,
    InstructBLIP's query tokens): at zero the image never reaches the text, which no trained model does."""
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.ndim >= 2 and not parameter.any():
                parameter.normal_(0.0, 0.02)


def build_tiny_vlm(family: str, seed: int = 0, *, bpe: bool | None = None) -> tuple[Any, Any]:
    """An in-memory tiny random (model, processor) of a vision family (a build name of `_BUILDERS`);
    `bpe` picks the tiny BPE tokenizer (default: SmolLM2 for `TINY_FAMILIES`, the BPE for the others)."""
    spec = FAMILIES[_TOKENS_FROM.get(family, family)]
    use_bpe = (family not in TINY_FAMILIES) if bpe is None else bpe
    if use_bpe:
        tokenizer = tiny_bpe_tokenizer(spec.image_tokens, spec.named_tokens)
    else:
        tokenizer = smollm2_tokenizer(spec.image_tokens)
    tokenizer.chat_template = chat_template_for(spec)
    torch.manual_seed(seed)
    model, processor = _BUILDERS[family](tokenizer, spec)
    _unzero(model)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model.eval(), processor


def save_tiny_vlm(family: str, folder: str | Path, seed: int = 0, *, bpe: bool | None = None) -> Path:
    """Build a tiny random model of `family` and save it with its processor into `folder`."""
    folder = Path(folder)
    model, processor = build_tiny_vlm(family, seed, bpe=bpe)
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
