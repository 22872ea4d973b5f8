"""GGUF LoRA export: llama.cpp's tensor names, metadata and row order; the same model as transformers + peft."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gguf
import numpy as np
import pytest
import torch

from ocula.adapters.models.bundled import bundled_gguf
from ocula.adapters.models.lora.gguf_export import export_gguf_lora, permute_rows
from ocula.adapters.models.lora.train import LoraSettings, attach_lora, save_lora
from ocula.schemas.errors import ModelError
from tests.fixtures.tiny_models import build_tiny_lm


def randomise_lora_b(peft_model: torch.nn.Module, std: float, seed: int = 1) -> None:
    """peft starts B at zero (the adapter does nothing); random B makes the adapter change the model."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, weight in peft_model.named_parameters():
            if "lora_B" in name:
                weight.normal_(0, std)


@pytest.mark.parametrize(("n_head", "n_kv"), [(4, 4), (4, 2)])
def test_permute_rows_undoes_what_transformers_does_when_it_reads_a_gguf(n_head: int, n_kv: int) -> None:
    from transformers.modeling_gguf_pytorch_utils import LlamaTensorProcessor

    weight = np.arange(n_kv * 16 * 3, dtype=np.float32).reshape(n_kv * 16, 3)
    reverse = LlamaTensorProcessor(config={})._reverse_permute_weights
    assert np.array_equal(reverse(permute_rows(weight, n_kv), n_head, n_kv), weight)
    assert not np.array_equal(permute_rows(weight, n_kv), weight)


def test_export_writes_llama_cpp_names_and_metadata(tmp_path: Path) -> None:
    model = build_tiny_lm()[0]
    peft_model = attach_lora(model, LoraSettings(rank=2, layers=1, targets=("q_proj", "v_proj", "down_proj")))
    randomise_lora_b(peft_model, 0.1)
    save_lora(peft_model, tmp_path)
    out = export_gguf_lora(tmp_path, model.config, tmp_path / "lora.gguf")
    reader = gguf.GGUFReader(str(out))
    fields = {k: f.contents() for k, f in reader.fields.items() if not k.startswith("GGUF.")}
    assert fields["general.type"] == "adapter" and fields["adapter.type"] == "lora"
    assert fields["general.architecture"] == "llama" and fields["adapter.lora.alpha"] == 4.0
    tensors = {t.name: t for t in reader.tensors}
    assert sorted(tensors) == sorted(
        f"blk.1.{w}.weight.lora_{p}" for w in ("attn_q", "attn_v", "ffn_down") for p in ("a", "b")
    )
    q = peft_model.base_model.model.model.layers[1].self_attn.q_proj
    lora_a, lora_b = q.lora_A["default"].weight.detach().numpy(), q.lora_B["default"].weight.detach().numpy()
    assert np.array_equal(tensors["blk.1.attn_q.weight.lora_a"].data, lora_a)
    assert np.array_equal(
        tensors["blk.1.attn_q.weight.lora_b"].data, permute_rows(lora_b, model.config.num_attention_heads)
    )
    v = peft_model.base_model.model.model.layers[1].self_attn.v_proj
    assert np.array_equal(tensors["blk.1.attn_v.weight.lora_b"].data, v.lora_B["default"].weight.detach().numpy())


def test_other_architectures_and_lora_variants_are_refused(tmp_path: Path) -> None:
    (tmp_path / "adapter_config.json").write_text(json.dumps({"lora_alpha": 8, "use_dora": True}))
    with pytest.raises(ModelError, match="supports llama"):
        export_gguf_lora(tmp_path, SimpleNamespace(model_type="gemma3"), tmp_path / "x.gguf")
    with pytest.raises(ModelError, match="plain LoRA"):
        export_gguf_lora(tmp_path, SimpleNamespace(model_type="llama"), tmp_path / "x.gguf")


def f32_copy(source: Path, target: Path) -> Path:
    """The GGUF with every tensor dequantised to F32 (so llama.cpp computes in full precision, as transformers)."""
    reader = gguf.GGUFReader(str(source))
    writer = gguf.GGUFWriter(str(target), reader.fields["general.architecture"].contents())
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue
        value = int(gguf.LlamaFileType.ALL_F32) if key == "general.file_type" else field.contents()
        writer.add_key_value(key, value, field.types[0], field.types[1] if len(field.types) > 1 else None)
    for tensor in reader.tensors:
        data = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
        writer.add_tensor(tensor.name, np.ascontiguousarray(data, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return target


@pytest.mark.slow
def test_llama_cpp_with_the_gguf_lora_is_the_peft_model(tmp_path: Path) -> None:
    """On full-precision weights, llama.cpp + the exported LoRA moves the logits as transformers + peft does.

    (On the bundled Q4_1 weights llama.cpp also quantises activations, a noise of the same size as a small
    adapter's effect, so the comparison runs on an F32 copy of the same GGUF.)"""
    from ocula.adapters.models.llamacpp import LlamaCppModel
    from ocula.adapters.models.llamacpp_internals import last_logits as logits_after_eval
    from ocula.adapters.models.lora.load import load_trainable

    base_gguf = f32_copy(bundled_gguf("smollm2-135m"), tmp_path / "smollm2-f32.gguf")
    lm = load_trainable("smollm2-135m")
    peft_model = attach_lora(lm.model, LoraSettings(rank=4, layers=6))
    randomise_lora_b(peft_model, 0.01)
    peft_model.eval()
    save_lora(peft_model, tmp_path / "adapter")
    export_gguf_lora(tmp_path / "adapter", lm.model.config, tmp_path / "adapter" / "lora.gguf")
    prompt = "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
    ids = lm.tokenizer(prompt, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        hf_lora = peft_model(input_ids=torch.tensor([ids])).logits[0, -1].numpy()
        with peft_model.disable_adapter():
            hf_base = peft_model(input_ids=torch.tensor([ids])).logits[0, -1].numpy()

    def last_logits(model: LlamaCppModel) -> np.ndarray:
        tokens = model.tokenize(prompt)
        assert tokens == ids
        model._eval_prompt(tokens)
        logits = logits_after_eval(model.llm, model.n_vocab)
        model.close()
        return logits

    cpp_base = last_logits(LlamaCppModel.load(base_gguf))
    cpp_lora = last_logits(LlamaCppModel.load(base_gguf, lora_path=tmp_path / "adapter" / "lora.gguf"))
    hf_delta, cpp_delta = hf_lora - hf_base, cpp_lora - cpp_base
    assert np.linalg.norm(hf_delta) > 1.0  # the adapter really changes the model
    assert np.corrcoef(hf_delta, cpp_delta)[0, 1] > 0.98
    assert abs(np.linalg.norm(cpp_delta) / np.linalg.norm(hf_delta) - 1) < 0.15
    assert int(np.argmax(cpp_lora)) == int(np.argmax(hf_lora))
