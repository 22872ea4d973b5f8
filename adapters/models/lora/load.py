"""Fine-tuned adapters: the folder `ocula finetune` writes, and loading a base model with one applied.

An adapter folder holds the peft adapter (`adapter_config.json`, `adapter_model.safetensors`), the same LoRA
as a GGUF LoRA for llama.cpp (`lora.gguf`, when the base model's architecture can be exported), and
`ocula-adapter.json` (base model, schema, settings, losses). A GGUF base (bundled or a `.gguf` file) with a
`lora.gguf` runs on llama.cpp; otherwise the base model runs on transformers with the LoRA merged into it.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocula.adapters.models.base import ModelAdapter
from ocula.adapters.models.bundled import BUNDLED, bundled_gguf
from ocula.schemas.errors import ModelError

META_FILE = "ocula-adapter.json"
GGUF_FILE = "lora.gguf"
PEFT_FILES = ("adapter_config.json", "adapter_model.safetensors")


@dataclass(frozen=True)
class AdapterInfo:
    folder: Path
    meta: dict[str, Any]

    @property
    def base_model(self) -> str:
        return str(self.meta["base_model"])

    @property
    def gguf(self) -> Path | None:
        path = self.folder / GGUF_FILE
        return path if self.meta.get("gguf") and path.is_file() else None

    @property
    def id(self) -> str:
        """A short hash of the adapter's weights: changes whenever the adapter is retrained."""
        return str(self.meta.get("id", ""))


def weights_id(folder: Path) -> str:
    digest = hashlib.sha256((folder / PEFT_FILES[1]).read_bytes()).hexdigest()
    return digest[:16]


def read_adapter(folder: str | Path) -> AdapterInfo:
    """The adapter in `folder`; `ModelError` naming what is missing when it is not one."""
    path = Path(folder)
    if not path.is_dir():
        raise ModelError(f"{path}: no such adapter folder")
    missing = [name for name in (META_FILE, *PEFT_FILES) if not (path / name).is_file()]
    if missing:
        raise ModelError(f"{path}: not an adapter written by `ocula finetune` (missing {', '.join(missing)})")
    try:
        meta = json.loads((path / META_FILE).read_text())
    except (OSError, ValueError) as err:
        raise ModelError(f"{path / META_FILE}: unreadable ({err})") from err
    if not isinstance(meta, dict) or "base_model" not in meta:
        raise ModelError(f"{path / META_FILE}: no base_model")
    return AdapterInfo(path.resolve(), meta)


def base_gguf(name: str) -> Path | None:
    """The GGUF file of a base model name (bundled or a .gguf path), None for a transformers model."""
    if name in BUNDLED:
        return bundled_gguf(name)
    if name.endswith(".gguf"):
        return Path(name)
    return None


def canonical_base(name: str) -> str:
    """How an adapter records its base model: a bundled name as is, a file or folder as an absolute path."""
    if name in BUNDLED or not Path(name).exists():
        return name
    return str(Path(name).resolve())


def load_trainable(name: str, **options: Any) -> Any:
    """A base model on transformers (fp32), for training: a bundled name, a .gguf file or a model folder."""
    from ocula.adapters.models.transformers_lm import TransformersLM

    gguf = base_gguf(name)
    if gguf is not None:
        if not gguf.is_file():
            raise ModelError(f"{gguf}: no such GGUF file")
        return TransformersLM.load(str(gguf.parent), gguf_file=gguf.name, dtype="float32", **options)
    return TransformersLM.load(name, dtype="float32", **options)


def merge_peft(lm: Any, folder: Path) -> Any:
    """A new `TransformersLM` whose weights have the LoRA in `folder` merged in (no per-token overhead)."""
    from ocula.adapters.models.lora.train import require_peft
    from ocula.adapters.models.transformers_lm import TransformersLM

    peft = require_peft()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # peft calls deprecated transformers helpers
        merged = peft.PeftModel.from_pretrained(lm.model, str(folder)).merge_and_unload()
    return TransformersLM(merged, lm.tokenizer, name=lm.name)


def load_adapted(name: str | None, adapter: str | Path, backend: str | None = None, **options: Any) -> ModelAdapter:
    """The base model of `adapter` (or `name`, which must be that base) with the adapter applied.

    `backend`: None picks llama.cpp when the adapter has a GGUF LoRA and the base is a GGUF, else transformers.
    """
    info = read_adapter(adapter)
    base = info.base_model
    if name is not None and canonical_base(name) != base:
        raise ModelError(f"{info.folder} was trained on {base}, not {name}")
    label = f"{Path(base).name if base not in BUNDLED else base}+{info.folder.name}"
    gguf = base_gguf(base)
    if backend in (None, "llama.cpp", "llamacpp") and gguf is not None and info.gguf is not None:
        from ocula.adapters.models.llamacpp import LlamaCppModel

        return LlamaCppModel.load(gguf, name=label, lora_path=info.gguf, **options)
    if backend in ("llama.cpp", "llamacpp"):
        why = info.meta.get("gguf_error") or "the base model is not a GGUF"
        raise ModelError(f"{info.folder}: no GGUF LoRA for llama.cpp ({why}); use backend='transformers'")
    if backend not in (None, "transformers"):
        raise ModelError(f"unknown backend {backend!r}; use llama.cpp or transformers")
    options.pop("n_threads", None)  # a llama.cpp option
    model = merge_peft(load_trainable(base, **options), info.folder)
    model.name = label
    return model
