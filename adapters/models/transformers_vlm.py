"""Vision-language models through transformers: images + chat messages -> text under a grammar.

Family differences come from two tables keyed by `Family`: the transformers side (classes, image placeholder,
resize rules) from `families.TRANSFORMERS_FAMILIES`, the rest (box convention, grammar limits, prompt layout)
from the family's record in `ocula.schemas.families`. Decoding under a constraint is `hf_decode.HFDecoder`.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from ocula.adapters.models.base import Capabilities, Generation, GenerationRequest, Message, ModelAdapter
from ocula.adapters.models.families import TransformersFamily, chat_template_for, family_for, processor_class
from ocula.adapters.models.hf_decode import (
    HFDecoder,
    check_source,
    generate_grouped,
    load_errors,
    pick_device,
    pick_dtype,
)
from ocula.schemas.errors import ModelError
from ocula.schemas.families import family_record

_CONSTRAINTS = frozenset({"json_schema", "regex", "lark"})
# Processor outputs that are not generation inputs (PaliGemma returns training labels).
_NOT_MODEL_INPUTS = frozenset({"text_replacement_offsets", "labels"})


def remote_code_error(name: str) -> str:
    """Why a checkpoint that ships its own model code (mPLUG-Owl, CogVLM, ...) does not load by default."""
    return (
        f"{name} ships its own model code, which runs only with trust_remote_code=True. That code runs in this "
        "Python process with your permissions: turn the flag on only for a checkpoint whose code you have read "
        "and trust, pinned to a revision. Ocula drives such a model only if it has a transformers processor and a "
        "chat template (docs/models.md)."
    )


def _chat(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Ocula messages -> the content-list chat format of transformers processors (images first)."""
    chat = []
    for message in messages:
        content: list[dict[str, Any]] = [{"type": "image"} for _ in message.images]
        content.append({"type": "text", "text": message.text})
        chat.append({"role": message.role, "content": content})
    return chat


def _processor_from_parts(source: str, family: TransformersFamily, trust_remote_code: bool) -> Any:
    """The family's processor built from its saved parts, without a video processor (no torchvision)."""
    from transformers import AutoImageProcessor, AutoTokenizer
    from transformers.utils import cached_file

    image_processor = AutoImageProcessor.from_pretrained(source, trust_remote_code=trust_remote_code)
    tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code)
    config_file = cached_file(source, "processor_config.json", _raise_exceptions_for_missing_entries=False)
    saved = json.loads(Path(config_file).read_text()) if config_file else {}
    cls = processor_class(family, saved.get("processor_class"))
    accepted = set(inspect.signature(cls.__init__).parameters) | set(
        inspect.signature(cls.__mro__[1].__init__).parameters
    )
    extra = {k: v for k, v in saved.items() if k in accepted and k not in {"self", "image_processor", "tokenizer"}}
    extra.pop("video_processor", None)
    extra.setdefault("chat_template", tokenizer.chat_template)
    return cls(image_processor=image_processor, tokenizer=tokenizer, **extra)


def _load_processor(source: str, family: TransformersFamily, trust_remote_code: bool) -> Any:
    from transformers import AutoProcessor
    from transformers.processing_utils import ProcessorMixin

    try:
        processor = AutoProcessor.from_pretrained(source, trust_remote_code=trust_remote_code)
        if isinstance(processor, ProcessorMixin) and hasattr(processor, "image_processor"):
            return processor
    except (OSError, ValueError, TypeError, AttributeError, ImportError):  # ImportError: torchvision missing
        if family.key is None:
            raise
    return _processor_from_parts(source, family, trust_remote_code)


def _load_model(source: str, family: TransformersFamily, dtype: Any, trust_remote_code: bool) -> Any:
    import transformers
    from transformers import AutoModelForImageTextToText

    try:
        return AutoModelForImageTextToText.from_pretrained(source, dtype=dtype, trust_remote_code=trust_remote_code)
    except ValueError:
        if family.key is None:
            raise
    cls = getattr(transformers, family.model_class)
    return cls.from_pretrained(source, dtype=dtype, trust_remote_code=trust_remote_code)


class _DecoderOnlyView:
    """An encoder-decoder model (Florence-2, InstructBLIP on Flan-T5) as `HFDecoder` expects a decoder-only
    one: `generate` returns the prompt ids followed by the new tokens. An encoder-decoder's sequences hold only
    decoder tokens, led by the decoder start token, which is dropped here."""

    def __init__(self, model: Any) -> None:
        self._model = model

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def generate(self, input_ids: Any, **kwargs: Any) -> Any:
        import torch

        out = self._model.generate(input_ids=input_ids, **kwargs)
        out.sequences = torch.cat([input_ids.to(out.sequences.device), out.sequences[:, 1:]], dim=1)
        return out


def _is_encoder_decoder(model: Any) -> bool:
    text_config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    return bool(getattr(model.config, "is_encoder_decoder", False) or getattr(text_config, "is_encoder_decoder", False))


class TransformersVLM(ModelAdapter):
    """A vision-language model loaded with transformers; `load` once, `generate` many times."""

    backend = "transformers"

    def __init__(self, model: Any, processor: Any, family: TransformersFamily, name: str = "model") -> None:
        self.model = model.eval()
        self.processor = processor
        self.tokenizer = processor.tokenizer
        self.tokenizer.padding_side = "left"
        if getattr(processor, "chat_template", None) is None:
            processor.chat_template = self.tokenizer.chat_template or chat_template_for(family)
        self.family_spec = family
        self.family = family.key
        self.record = family_record(family.key)
        self.name = name
        self.decoder = HFDecoder(_DecoderOnlyView(model) if _is_encoder_decoder(model) else model, self.tokenizer)
        constraints = frozenset() if self.record.grammar_error else _CONSTRAINTS
        self.capabilities = Capabilities(
            images=True, constraints=constraints, box_convention=self.record.box_convention
        )

    @classmethod
    def load(
        cls,
        model_id_or_path: str,
        *,
        dtype: str | Any = "auto",
        device: str = "auto",
        trust_remote_code: bool = False,
        max_pixels: int | None = None,
    ) -> TransformersVLM:
        """Load a model and its processor from a folder or a hub id (Auto classes, then the family's)."""
        from transformers import AutoConfig

        source = check_source(model_id_or_path)
        target = pick_device(device)
        with load_errors(model_id_or_path):
            try:
                config = AutoConfig.from_pretrained(source, trust_remote_code=trust_remote_code)
            except ValueError as err:
                if "trust_remote_code" in str(err):
                    raise ModelError(remote_code_error(str(model_id_or_path))) from err
                raise
            family = family_for(getattr(config, "model_type", None))
            processor = _load_processor(source, family, trust_remote_code)
            model = _load_model(source, family, pick_dtype(dtype, target), trust_remote_code)
        if max_pixels is not None:
            family.pixel_budget(processor.image_processor, max_pixels)
        return cls(model.to(target), processor, family, name=str(model_id_or_path))

    # --- ModelAdapter -----------------------------------------------------------------------------

    def generate(self, request: GenerationRequest) -> Generation:
        return self.generate_batch([request])[0]

    def generate_batch(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        """Requests that share constraint, sampling and assistant prefix run as one left-padded batch."""
        if self.record.grammar_error and any(r.constraint is not None for r in requests):
            raise ModelError(f"{self.name}: {self.record.grammar_error}")
        return generate_grouped(requests, self._run)

    def close(self) -> None:
        self.model = None
        self.decoder = None  # type: ignore[assignment]

    # --- vision helpers ---------------------------------------------------------------------------

    def input_image_size(self, image: Image.Image) -> tuple[int, int]:
        """(width, height) of `image` as the processor resizes it, to map boxes back to the page."""
        width, height = image.size
        return self.family_spec.input_size(self.processor, width, height)

    def render(self, messages: Sequence[Message], assistant_prefix: str = "") -> str:
        """The prompt text of messages, chat template applied, generation prompt and prefix appended."""
        text = self.processor.apply_chat_template(_chat(messages), add_generation_prompt=True, tokenize=False)
        return text + assistant_prefix

    # --- internals --------------------------------------------------------------------------------

    def _run(self, batch: Sequence[GenerationRequest]) -> list[Generation]:
        first = batch[0]
        texts = [self.render(r.messages, r.assistant_prefix) for r in batch]
        # One list of images per prompt: a flat list is read by several processors as all for the first prompt.
        images = [[img.convert("RGB") for m in r.messages for img in m.images] for r in batch]
        try:
            inputs = self.processor(
                text=texts, images=images if any(images) else None, return_tensors="pt", padding=True
            )
        except (ValueError, TypeError, RuntimeError) as err:
            raise ModelError(f"{self.name}: the processor rejected the input: {err}") from err
        inputs = {k: v for k, v in inputs.items() if k not in _NOT_MODEL_INPUTS}
        pixel_values = inputs.get("pixel_values")
        if pixel_values is not None and pixel_values.is_floating_point():
            inputs["pixel_values"] = pixel_values.to(self.model.dtype)
        # Each Generation keeps token ids, and `raw["text_with_special_tokens"]` for families whose boxes
        # are special tokens (`FamilyRecord.box_special_tokens`).
        return self.decoder.generate(inputs, first.sampling, first.constraint, assistant_prefix=first.assistant_prefix)
