"""The transformers classes of a family: its processor class, made loadable without torchvision."""

from __future__ import annotations

import inspect
from typing import Any

from ocula.adapters.models.families.table import TransformersFamily


def processor_class(family: TransformersFamily, name: str | None = None) -> type:
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
