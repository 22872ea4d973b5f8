"""Text-only causal language models through transformers, including GGUF files (dequantised to fp32).

transformers reads a GGUF by dequantising every tensor, which is slow (seconds per 100M parameters); the
result is saved once as safetensors in `~/.cache/ocula/gguf/<name>-<key>/`, keyed by the GGUF's path, size
and modification time, so later loads read the cache instead.
"""

from __future__ import annotations

import copy
import hashlib
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from ocula.adapters.models.base import Capabilities, Generation, GenerationRequest, Message, ModelAdapter
from ocula.adapters.models.hf_decode import (
    HFDecoder,
    check_source,
    generate_grouped,
    load_errors,
    pick_device,
    pick_dtype,
)
from ocula.schemas.errors import ModelError

_CONSTRAINTS = frozenset({"json_schema", "regex", "lark"})
_COMPLETE = "ocula-complete"  # written last: a folder without it is a cache entry that was cut short


def default_cache_dir() -> Path:
    """Where converted GGUF weights are kept: `$OCULA_CACHE_DIR`, else `~/.cache/ocula`."""
    return Path(os.environ.get("OCULA_CACHE_DIR", "~/.cache/ocula")).expanduser()


def gguf_cache_folder(gguf_path: Path, cache_dir: Path | None = None) -> Path:
    """The cache folder of a GGUF file, keyed by its resolved path, size and modification time."""
    resolved = gguf_path.resolve()
    stat = resolved.stat()
    key = hashlib.sha256(f"{resolved}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return (cache_dir or default_cache_dir()) / "gguf" / f"{resolved.stem}-{key}"


def _split_gguf(source: str, gguf_file: str | None) -> tuple[str, str | None]:
    """Accept either (folder, gguf_file) or a path to a .gguf file."""
    if gguf_file is None and source.lower().endswith(".gguf") and Path(source).is_file():
        path = Path(source)
        return str(path.parent), path.name
    return source, gguf_file


class TransformersLM(ModelAdapter):
    """A causal language model loaded with transformers; chat template applied to the messages."""

    backend = "transformers"

    def __init__(self, model: Any, tokenizer: Any, name: str = "model") -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.tokenizer.padding_side = "left"
        self.name = name
        self.decoder = HFDecoder(model, tokenizer)
        self.capabilities = Capabilities(images=False, constraints=_CONSTRAINTS)

    @classmethod
    def load(
        cls,
        model_id_or_path: str,
        *,
        gguf_file: str | None = None,
        dtype: str | torch.dtype = "auto",
        device: str = "auto",
        trust_remote_code: bool = False,
        cache: bool = True,
        cache_dir: str | Path | None = None,
    ) -> TransformersLM:
        """Load a model folder, a hub id, or a GGUF (`gguf_file` in a folder, or a path ending in .gguf).

        A GGUF is converted once and kept as safetensors under `cache_dir` (default `~/.cache/ocula`);
        `cache=False` reads the GGUF every time and writes nothing.
        """
        from transformers import AutoModelForCausalLM, AutoTokenizer

        source, gguf_file = _split_gguf(check_source(model_id_or_path), gguf_file)
        target = pick_device(device)
        torch_dtype = pick_dtype(dtype, target)
        name = str(Path(source) / gguf_file) if gguf_file else source
        with load_errors(name):
            if gguf_file is not None:
                gguf_path = Path(source) / gguf_file
                if not gguf_path.is_file():
                    raise ModelError(f"GGUF file not found: {gguf_path}")
                folder = gguf_cache_folder(gguf_path, Path(cache_dir) if cache_dir else None) if cache else None
                if folder is None or not (folder / _COMPLETE).exists():
                    model = AutoModelForCausalLM.from_pretrained(source, gguf_file=gguf_file, dtype=torch.float32)
                    tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=gguf_file)
                    if folder is not None:
                        _write_cache(folder, model, tokenizer)
                    model = model.to(torch_dtype)
                    return cls(model.to(target), tokenizer, name=name)
                source = str(folder)
            tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code)
            model = AutoModelForCausalLM.from_pretrained(source, dtype=torch_dtype, trust_remote_code=trust_remote_code)
        return cls(model.to(target), tokenizer, name=name)

    # --- ModelAdapter -----------------------------------------------------------------------------

    def generate(self, request: GenerationRequest) -> Generation:
        return self.generate_batch([request])[0]

    def generate_batch(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        """Requests that share constraint, sampling and assistant prefix run as one left-padded batch."""
        return generate_grouped(requests, self._run)

    def _run(self, batch: Sequence[GenerationRequest]) -> list[Generation]:
        texts = [self.render(r.messages, r.assistant_prefix) for r in batch]
        inputs = self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        first = batch[0]
        return self.decoder.generate(
            dict(inputs), first.sampling, first.constraint, assistant_prefix=first.assistant_prefix
        )

    def render(self, messages: Sequence[Message], assistant_prefix: str = "") -> str:
        """The prompt text: the chat template applied to the messages, then the assistant prefix."""
        if any(m.images for m in messages):
            raise ModelError(f"{self.name} is a text-only model: it cannot read images")
        chat = [{"role": m.role, "content": m.text} for m in messages]
        if self.tokenizer.chat_template:
            text = self.tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=False)
        else:
            text = "\n\n".join(m.text for m in messages) + "\n\n"
        return text + assistant_prefix

    def score(self, prompt: str, continuations: Sequence[str]) -> list[float]:
        """Summed log-prob of each continuation's tokens after `prompt`, in one right-padded forward pass."""
        if not continuations:
            return []
        prompt_ids = self.tokenizer.encode(prompt, add_special_tokens=False)
        if not prompt_ids:
            if self.tokenizer.bos_token_id is None:
                raise ValueError("score needs a non-empty prompt for a tokenizer without a BOS token")
            prompt_ids = [self.tokenizer.bos_token_id]
        conts = [self.tokenizer.encode(c, add_special_tokens=False) for c in continuations]
        rows = [prompt_ids + c for c in conts]
        width = max(len(r) for r in rows)
        pad = self.decoder.pad_id
        ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows], device=self.model.device)
        mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows], device=self.model.device)
        with torch.inference_mode():
            logits = self.model(input_ids=ids, attention_mask=mask).logits.float()
        logp = torch.log_softmax(logits[:, :-1], dim=-1)  # position t predicts token t+1
        picked = logp.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
        start = len(prompt_ids) - 1
        return [float(picked[i, start : start + len(c)].sum()) for i, c in enumerate(conts)]

    def close(self) -> None:
        self.model = None
        self.decoder = None  # type: ignore[assignment]


def _write_cache(folder: Path, model: Any, tokenizer: Any) -> None:
    """Save dequantised weights (safetensors), config and tokenizer; a failure costs speed, never the load.

    `save_pretrained` refuses a model loaded from GGUF, so the state dict is written directly.
    """
    from safetensors.torch import save_model

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        config = copy.deepcopy(model.config)
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        config.save_pretrained(staging)
        model.generation_config.save_pretrained(staging)
        save_model(model, str(staging / "model.safetensors"), metadata={"format": "pt"})
        tokenizer.save_pretrained(staging)
        (staging / _COMPLETE).write_text("ok\n")
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    except (OSError, ValueError, RuntimeError) as err:
        shutil.rmtree(staging, ignore_errors=True)
        warnings.warn(f"could not cache the converted GGUF in {folder}: {err}", stacklevel=3)
