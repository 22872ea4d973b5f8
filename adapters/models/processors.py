"""Processors that transformers ships only with torchvision, rebuilt on their PIL image processors.

transformers 5 marks `PixtralProcessor` (Pixtral, Mistral 3) as needing torchvision, although its image
processor has a PIL backend and the processor itself only expands `[IMG]` into rows of image tokens. Without
torchvision, `torchvision_free(name)` gives an equivalent class of the same name (saved configs keep naming
the real class, so a folder saved with one loads with the other).
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def _pixtral_processor() -> type:
    from transformers.processing_utils import ProcessorMixin

    class PixtralProcessor(ProcessorMixin):
        """`[IMG]` -> one row of `[IMG]` per merged patch row, each ended by `[IMG_BREAK]`, the last by `[IMG_END]`."""

        text_kwargs = {"return_tensors": "pt"}  # noqa: RUF012 - ProcessorMixin reads these class defaults
        images_kwargs = {"return_tensors": "pt"}  # noqa: RUF012

        def __init__(
            self,
            image_processor: Any = None,
            tokenizer: Any = None,
            patch_size: int = 16,
            spatial_merge_size: int = 1,
            chat_template: str | None = None,
            image_token: str = "[IMG]",
            image_break_token: str = "[IMG_BREAK]",
            image_end_token: str = "[IMG_END]",
            **kwargs: Any,
        ) -> None:
            super().__init__(image_processor, tokenizer, chat_template=chat_template)
            self.patch_size = patch_size
            self.spatial_merge_size = spatial_merge_size
            self.image_token = image_token
            self.image_break_token = image_break_token
            self.image_end_token = image_end_token
            self.image_token_id = tokenizer.convert_tokens_to_ids(image_token)
            self.image_break_token_id = tokenizer.convert_tokens_to_ids(image_break_token)
            self.image_end_token_id = tokenizer.convert_tokens_to_ids(image_end_token)

        @property
        def image_token_ids(self) -> list[int]:
            return [self.image_token_id, self.image_break_token_id, self.image_end_token_id]

        def _process_images(self, images: Any, **images_kwargs: Any) -> Any:
            images_kwargs["patch_size"] = self.patch_size * self.spatial_merge_size
            return super()._process_images(images, **images_kwargs)

        def replace_image_token(self, image_inputs: dict, image_idx: int, **kwargs: Any) -> str:
            patch = self.patch_size * self.spatial_merge_size
            height, width = image_inputs["image_sizes"][image_idx]
            row = self.image_token * int(width // patch) + self.image_break_token
            rows = row * int(height // patch)
            return rows[: -len(self.image_break_token)] + self.image_end_token

        @property
        def model_input_names(self) -> list[str]:
            names = self.tokenizer.model_input_names + self.image_processor.model_input_names
            return [*names, "image_sizes"]

    return PixtralProcessor


_TORCHVISION_FREE = {"PixtralProcessor": _pixtral_processor}


def torchvision_free(name: str) -> type | None:
    """A torchvision-free equivalent of the transformers processor class `name`, when transformers needs
    torchvision for it and torchvision is missing; otherwise None (use transformers' own)."""
    from transformers.utils import is_torchvision_available

    if name not in _TORCHVISION_FREE or is_torchvision_available():
        return None
    return _TORCHVISION_FREE[name]()
