"""`load_model`: a name or path -> a loaded `ModelAdapter`, cached so a model is loaded once per process."""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from pathlib import Path
from typing import Any

from ocula.adapters.models.base import ModelAdapter
from ocula.adapters.models.bundled import BUNDLED, bundled_gguf
from ocula.schemas.errors import ModelError

DEFAULT_MODEL = "smollm2-135m"
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
      else a text model). Nothing is downloaded unless the name is a hub id not in the local cache;
    - `openai:<base URL>[#<model id>]`: a model served over an OpenAI-compatible API (vLLM, Ollama, llama.cpp
      server, LM Studio); options go to `OpenAIServerModel` (`model_id`, `api_key`, `images`, `timeout`, ...);
    - a LangChain chat model instance: wrapped as `LangChainChatModel` (never cached: the instance is yours).

    `adapter` is a folder written by `ocula finetune`: its base model (`name` defaults to it) with the LoRA
    applied, on llama.cpp through the adapter's GGUF LoRA, else on transformers with the LoRA merged.
    """
    if adapter is not None:
        return _load_adapted(name, adapter, backend, cache, options)
    if name is not None and not isinstance(name, str):
        return _wrap_instance(name, options)
    name = name or DEFAULT_MODEL
    key = (name, backend, tuple(sorted(options.items())))
    with _LOCK:
        if cache and key in _CACHE:
            return _CACHE[key]
        model = _load(name, backend, options)
        if cache:
            _CACHE[key] = model
        return model


def _load_adapted(
    name: Any, adapter: str | os.PathLike[str], backend: str | None, cache: bool, options: dict[str, Any]
) -> ModelAdapter:
    from ocula.adapters.models.lora.load import load_adapted, read_adapter

    if name is not None and not isinstance(name, str):
        raise ModelError("an adapter applies to a model given by name, not to a model instance")
    info = read_adapter(adapter)
    key = (name or info.base_model, backend, f"adapter:{info.folder}:{info.id}", tuple(sorted(options.items())))
    with _LOCK:
        if cache and key in _CACHE:
            return _CACHE[key]
        model = load_adapted(name, info.folder, backend, **options)
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


def _wrap_instance(model: Any, options: dict[str, Any]) -> ModelAdapter:
    if isinstance(model, ModelAdapter):
        return model
    from langchain_core.language_models import BaseChatModel

    if isinstance(model, BaseChatModel):
        from ocula.adapters.models.langchain_chat import LangChainChatModel

        return LangChainChatModel(model, **options)
    raise ModelError(f"cannot use a {type(model).__name__} as a model: pass a name, a path or a LangChain chat model")


def _load(name: str, backend: str | None, options: dict[str, Any]) -> ModelAdapter:
    if name.startswith("openai:"):
        from ocula.adapters.models.openai_server import OpenAIServerModel

        return OpenAIServerModel.from_spec(name, **options)
    if name in BUNDLED:
        path = bundled_gguf(name)
        if backend in (None, "llama.cpp", "llamacpp"):
            from ocula.adapters.models.llamacpp import LlamaCppModel

            return LlamaCppModel.load(path, name=name, **options)
        if backend == "transformers":
            from ocula.adapters.models.transformers_lm import TransformersLM

            return TransformersLM.load(str(path.parent), gguf_file=path.name, **options)
        raise ModelError(f"unknown backend {backend!r} for {name}")
    path = Path(name)
    if path.suffix == ".gguf":
        from ocula.adapters.models.llamacpp import LlamaCppModel

        return LlamaCppModel.load(path, **options)
    if backend in (None, "transformers"):
        return _load_transformers(name, options)
    raise ModelError(f"unknown backend {backend!r}; use llama.cpp or transformers")


def _load_transformers(name: str, options: dict[str, Any]) -> ModelAdapter:
    try:
        from transformers import AutoConfig

        config = AutoConfig.from_pretrained(name, trust_remote_code=options.get("trust_remote_code", False))
    except (OSError, ValueError) as err:
        if "trust_remote_code" in str(err):
            from ocula.adapters.models.transformers_vlm import remote_code_error

            raise ModelError(remote_code_error(name)) from err
        raise ModelError(f"{name}: not a local model folder nor a cached hub model ({err})") from err
    is_vlm = hasattr(config, "vision_config") or "vision" in type(config).__name__.lower()
    if is_vlm:
        from ocula.adapters.models.transformers_vlm import TransformersVLM

        return TransformersVLM.load(name, **options)
    from ocula.adapters.models.transformers_lm import TransformersLM

    return TransformersLM.load(name, **options)
