"""`load_model`: the model registry (`ocula.adapters.models.registry`) behind a per-process cache, so each
model is loaded once however many calls name it."""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from typing import Any

from ocula.adapters.models import registry
from ocula.adapters.models.base import ModelAdapter
from ocula.adapters.models.bundled import DEFAULT_MODEL

__all__ = ["DEFAULT_MODEL", "load_model"]

_CACHE: dict[tuple[Any, ...], ModelAdapter] = {}
_LOCK = threading.Lock()


def load_model(
    name: str | Any | None = None,
    *,
    backend: str | None = None,
    cache: bool = True,
    adapter: str | os.PathLike[str] | None = None,
    **options: Any,
) -> ModelAdapter:
    """Load a model once and reuse it.

    - a bundled model (`smollm2-135m`, `gemma3-270m`): llama.cpp by default, `backend="transformers"` too;
    - a `.gguf` file: llama.cpp;
    - a Hugging Face model id or a local folder: transformers (a vision-language model when its config is one,
      else a text model). Nothing is downloaded unless the name is a hub id not in the local cache; with the
      hub offline (`HF_HUB_OFFLINE=1`) or unreachable, such a name fails at once with a `ModelError`;
    - `openai:<base URL>[#<model id>]`: a model served over an OpenAI-compatible API (vLLM, Ollama, llama.cpp
      server, LM Studio); options go to `OpenAIServerModel` (`model_id`, `api_key`, `images`, `timeout`, ...);
    - a LangChain chat model instance: wrapped as `LangChainChatModel` (never cached: the instance is yours).

    `adapter` is a folder written by `ocula finetune`: its base model (`name` defaults to it) with the LoRA
    applied, on llama.cpp through the adapter's GGUF LoRA, else on transformers with the LoRA merged.
    The routes from name to loader are in `ocula.adapters.models.registry`.
    """
    if name is not None and not isinstance(name, str):  # an instance: never cached
        return registry.load(name, backend=backend, adapter=adapter, **options)
    if adapter is not None:
        from ocula.adapters.models.lora.load import read_adapter

        info = read_adapter(adapter)
        key: tuple[Any, ...] = (name or info.base_model, backend, f"adapter:{info.folder}:{info.id}")
    else:
        name = name or DEFAULT_MODEL
        key = (name, backend)
    key += (tuple(sorted(options.items())),)
    with _LOCK:
        if cache and key in _CACHE:
            return _CACHE[key]
        model = registry.load(name, backend=backend, adapter=adapter, **options)
        if cache:
            _CACHE[key] = model
        return model


@atexit.register
def _close_all() -> None:
    """Free cached models before interpreter shutdown tears down the libraries they need to free themselves."""
    for model in _CACHE.values():
        with contextlib.suppress(Exception):  # best effort at exit
            model.close()
    _CACHE.clear()
