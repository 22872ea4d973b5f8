"""The model registry: which loader a model name (or model instance) goes to, after google/langextract's
provider router.

A route is a test of the model spec (a name pattern, or a type for an instance), a loader and a priority;
`resolve` picks the highest-priority route whose test passes and `load` runs its loader. Built in, from the
highest priority down:

| route | spec | loads |
| --- | --- | --- |
| `instance` | a `ModelAdapter` | the instance itself |
| `langchain` | a LangChain `BaseChatModel` | `LangChainChatModel` around it |
| `openai` | `openai:<base URL>[#<model id>]` | `OpenAIServerModel` (a model served over an OpenAI-compatible API) |
| `bundled` | a bundled name (`BUNDLED`) | llama.cpp, or transformers with `backend="transformers"` |
| `gguf` | a path ending in `.gguf` | llama.cpp |
| `transformers` | any other name: a local folder or a Hugging Face id | `TransformersVLM` or `TransformersLM` by config |

`adapter=` (a folder written by `ocula finetune`) is an argument rather than a route: the base model it names
(or the given one) with its LoRA applied. `register` adds a route, e.g. for another backend.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocula.adapters.models.base import ModelAdapter
from ocula.adapters.models.bundled import BUNDLED, DEFAULT_MODEL, load_bundled
from ocula.adapters.models.openai_server import SCHEME
from ocula.schemas.errors import ModelError

# (spec, backend, options) -> a loaded model
Loader = Callable[[Any, str | None, dict[str, Any]], ModelAdapter]
Matcher = Callable[[Any], bool]
LLAMACPP = "llama.cpp"


@dataclass(frozen=True)
class Route:
    name: str
    matches: Matcher
    loader: Loader
    priority: int = 0
    backend: str | None = None  # what the route runs a model on when `backend=` does not say


_ROUTES: dict[str, Route] = {}


def name_pattern(pattern: str) -> Matcher:
    """A test passing model names (strings) that `pattern` (a regular expression) finds a match in."""
    compiled = re.compile(pattern)
    return lambda spec: isinstance(spec, str) and compiled.search(spec) is not None


def register(
    name: str, matches: str | Matcher, loader: Loader, *, priority: int = 0, backend: str | None = None
) -> Route:
    """Add (or, under a name already taken, replace) a route; `matches` is a name regex or a test of the spec."""
    test = name_pattern(matches) if isinstance(matches, str) else matches
    route = Route(name, test, loader, priority, backend)
    _ROUTES[name] = route
    return route


def routes() -> list[Route]:
    """Every route, the one tried first first."""
    return sorted(_ROUTES.values(), key=lambda route: -route.priority)


def resolve(spec: Any) -> Route:
    """The route that loads `spec` (a name, a path or a model instance)."""
    for route in routes():
        if route.matches(spec):
            return route
    raise ModelError(f"cannot use a {type(spec).__name__} as a model: pass a name, a path or a LangChain chat model")


def load(
    spec: Any = None, *, backend: str | None = None, adapter: str | Path | None = None, **options: Any
) -> ModelAdapter:
    """Load `spec` through its route (uncached; `ocula.load_model` caches): None is `DEFAULT_MODEL`, or with an
    `adapter` folder the adapter's base model; options go to the backend's loader."""
    if adapter is not None:
        if spec is not None and not isinstance(spec, str):
            raise ModelError("an adapter applies to a model given by name, not to a model instance")
        from ocula.adapters.models.lora.load import load_adapted

        return load_adapted(spec, adapter, backend, **options)
    spec = DEFAULT_MODEL if spec is None else spec
    return resolve(spec).loader(spec, backend, options)


def default_backend(spec: Any) -> str | None:
    """The backend `spec` loads on when none is named (`LLAMACPP` for bundled and `.gguf` models)."""
    return resolve(DEFAULT_MODEL if spec is None else spec).backend


def image_load_options(spec: Any) -> dict[str, Any]:
    """Load options for a job that needs images. A served model cannot tell whether it reads images, so a job
    that needs them declares that it does (`images=True`); every other model knows it from its own config."""
    return {"images": True} if _ROUTES["openai"].matches(spec) else {}


def reads_images(model: ModelAdapter) -> bool:
    """Whether a loaded model reads page images (a vision-language model, or a served model declared one)."""
    return bool(model.capabilities.images)


# --- the built-in routes -----------------------------------------------------------------------------------


def _instance(model: ModelAdapter, backend: str | None, options: dict[str, Any]) -> ModelAdapter:
    return model


def _is_langchain_chat(spec: Any) -> bool:
    # only an instance made with langchain_core loaded can be one: no import needed to tell
    module = sys.modules.get("langchain_core.language_models")
    return module is not None and isinstance(spec, module.BaseChatModel)


def _langchain(chat: Any, backend: str | None, options: dict[str, Any]) -> ModelAdapter:
    from ocula.adapters.models.langchain_chat import LangChainChatModel

    return LangChainChatModel(chat, **options)


def _openai(spec: str, backend: str | None, options: dict[str, Any]) -> ModelAdapter:
    from ocula.adapters.models.openai_server import OpenAIServerModel

    return OpenAIServerModel.from_spec(spec, **options)


def _bundled(name: str, backend: str | None, options: dict[str, Any]) -> ModelAdapter:
    return load_bundled(name, backend, **options)


def _gguf(path: str, backend: str | None, options: dict[str, Any]) -> ModelAdapter:
    from ocula.adapters.models.llamacpp import LlamaCppModel

    return LlamaCppModel.load(Path(path), **options)


def _transformers(name: str, backend: str | None, options: dict[str, Any]) -> ModelAdapter:
    if backend not in (None, "transformers"):
        raise ModelError(f"unknown backend {backend!r}; use llama.cpp or transformers")
    from ocula.adapters.models.hub import load_pretrained

    return load_pretrained(name, **options)


def _bundled_name(spec: Any) -> bool:
    return isinstance(spec, str) and spec in BUNDLED


register("instance", lambda spec: isinstance(spec, ModelAdapter), _instance, priority=50)
register("langchain", _is_langchain_chat, _langchain, priority=40)
register("openai", "^" + re.escape(SCHEME), _openai, priority=30)
register("bundled", _bundled_name, _bundled, priority=20, backend=LLAMACPP)
register("gguf", r"\.gguf$", _gguf, priority=10, backend=LLAMACPP)
register("transformers", lambda spec: isinstance(spec, str), _transformers, priority=0, backend="transformers")
