"""A peft LoRA adapter as a GGUF LoRA file, so llama.cpp can run the fine-tuned model (`Llama(lora_path=...)`).

Follows llama.cpp's `convert_lora_to_gguf.py`: general.type `adapter`, adapter.type `lora`, adapter.lora.alpha,
and for each adapted weight two tensors `<gguf name>.lora_a` (rank x in) and `<gguf name>.lora_b` (out x rank).
llama.cpp's converter stores the query and key weights of llama-style models with their rows permuted for its
rotary embedding (transformers undoes this when it reads a GGUF), so the rows of their `lora_b` are permuted
the same way. Written for the llama architecture (SmolLM2 and other llama-style models); another
architecture raises `ModelError`, and the adapter is then run on transformers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ocula.schemas.errors import ModelError

SUPPORTED = {"llama": "LLAMA"}  # transformers model_type -> gguf.MODEL_ARCH member


def permute_rows(weight: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's row order of a query/key projection (its `LlamaModel.permute`), applied to `weight`'s rows."""
    rows = weight.shape[0]
    return weight.reshape(n_head, 2, rows // n_head // 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def _pairs(state: dict[str, Any]) -> dict[str, dict[str, np.ndarray]]:
    """peft tensor names -> {transformers weight name: {"A": ..., "B": ...}}."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for name, tensor in state.items():
        for part in ("A", "B"):
            marker = f".lora_{part}.weight"
            if name.endswith(marker):
                base = name.replace("base_model.model.", "", 1)[: -len(marker)] + ".weight"
                out.setdefault(base, {})[part] = tensor.float().numpy()
                break
        else:
            raise ModelError(f"{name}: only LoRA A/B weights can be exported to GGUF")
    return out


def export_gguf_lora(adapter_dir: Path, model_config: Any, out: Path) -> Path:
    """Write `out` (a GGUF LoRA) from the peft adapter in `adapter_dir`, for a base model with `model_config`."""
    import gguf
    from safetensors.torch import load_file

    model_type = getattr(model_config, "model_type", None)
    if model_type not in SUPPORTED:
        raise ModelError(f"GGUF LoRA export supports {', '.join(SUPPORTED)} models, not {model_type!r}")
    lora = json.loads((adapter_dir / "adapter_config.json").read_text())
    if lora.get("use_dora") or lora.get("use_rslora"):
        raise ModelError("GGUF LoRA export needs a plain LoRA (no DoRA, no rsLoRA)")
    arch = getattr(gguf.MODEL_ARCH, SUPPORTED[model_type])
    n_layers = int(model_config.num_hidden_layers)
    n_head = int(model_config.num_attention_heads)
    n_kv = int(getattr(model_config, "num_key_value_heads", None) or n_head)
    names = gguf.get_tensor_name_map(arch, n_layers)
    writer = gguf.GGUFWriter(str(out), gguf.MODEL_ARCH_NAMES[arch])
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(lora["lora_alpha"]))
    for base, ab in sorted(_pairs(load_file(str(adapter_dir / "adapter_model.safetensors"))).items()):
        if set(ab) != {"A", "B"}:
            raise ModelError(f"{base}: LoRA A or B weight missing")
        target = names.get_name(base, try_suffixes=(".weight",))
        if target is None:
            raise ModelError(f"{base}: no GGUF tensor name for this weight")
        lora_b = ab["B"]
        if base.endswith("q_proj.weight"):
            lora_b = permute_rows(lora_b, n_head)
        elif base.endswith("k_proj.weight"):
            lora_b = permute_rows(lora_b, n_kv)
        writer.add_tensor(f"{target}.lora_a", np.ascontiguousarray(ab["A"], dtype=np.float32))
        writer.add_tensor(f"{target}.lora_b", np.ascontiguousarray(lora_b, dtype=np.float32))
    out.parent.mkdir(parents=True, exist_ok=True)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out
