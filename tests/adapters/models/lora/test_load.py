"""Adapter folders: what makes one, and a base model loaded with its LoRA merged (transformers) or attached."""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
import torch

from ocula.adapters.models.lora.load import (
    GGUF_FILE,
    META_FILE,
    canonical_base,
    load_adapted,
    load_trainable,
    read_adapter,
    weights_id,
)
from ocula.adapters.models.lora.train import LoraSettings, attach_lora, save_lora
from ocula.adapters.models.transformers_lm import TransformersLM
from ocula.model_cache import load_model
from ocula.schemas.errors import ModelError
from tests.fixtures.tiny_models import save_tiny_lm


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_lm(tmp_path_factory.mktemp("tiny") / "lm")


@pytest.fixture(scope="module")
def adapter(base: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, torch.Tensor]:
    """An adapter with random B for the tiny base, and the logits the peft model gives on a fixed input."""
    folder = tmp_path_factory.mktemp("adapter")
    lm = load_trainable(str(base))
    peft_model = attach_lora(lm.model, LoraSettings(rank=4, layers=None))
    torch.manual_seed(0)
    with torch.no_grad():
        for name, weight in peft_model.named_parameters():
            if "lora_B" in name:
                weight.normal_(0, 0.2)
        peft_model.eval()
        logits = peft_model(input_ids=torch.tensor([[5, 6, 7, 8]])).logits
    save_lora(peft_model, folder)
    meta = {"base_model": canonical_base(str(base)), "gguf": False, "id": weights_id(folder)}
    (folder / META_FILE).write_text(json.dumps(meta))
    return folder, logits


def test_read_adapter_names_what_is_missing(tmp_path: Path, adapter: tuple[Path, torch.Tensor]) -> None:
    with pytest.raises(ModelError, match="no such adapter folder"):
        read_adapter(tmp_path / "nothing")
    (tmp_path / "adapter_config.json").write_text("{}")
    with pytest.raises(ModelError, match=r"missing ocula-adapter.json, adapter_model.safetensors"):
        read_adapter(tmp_path)
    info = read_adapter(adapter[0])
    assert info.gguf is None and len(info.id) == 16


def test_merged_model_gives_the_peft_models_logits(base: Path, adapter: tuple[Path, torch.Tensor]) -> None:
    folder, expected = adapter
    model = load_adapted(None, folder)
    assert isinstance(model, TransformersLM)
    assert model.name == f"lm+{folder.name}"
    with torch.no_grad():
        got = model.model(input_ids=torch.tensor([[5, 6, 7, 8]])).logits
        plain = load_trainable(str(base)).model(input_ids=torch.tensor([[5, 6, 7, 8]])).logits
    assert torch.allclose(got, expected, atol=1e-4)
    assert not torch.allclose(plain, expected, atol=1e-2)  # the adapter changes the model


def test_another_base_or_backend_is_refused(base: Path, adapter: tuple[Path, torch.Tensor]) -> None:
    folder, _ = adapter
    with pytest.raises(ModelError, match="was trained on"):
        load_adapted("smollm2-135m", folder)
    with pytest.raises(ModelError, match="no GGUF LoRA"):
        load_adapted(None, folder, backend="llama.cpp")
    assert isinstance(load_adapted(str(base), folder), TransformersLM)  # the same base, named by its path
    (folder / GGUF_FILE).write_text("not used: the meta says there is no GGUF LoRA")
    assert read_adapter(folder).gguf is None


def test_load_model_with_an_adapter_is_cached_per_adapter(adapter: tuple[Path, torch.Tensor]) -> None:
    folder, _ = adapter
    first = load_model(adapter=folder)
    assert load_model(adapter=str(folder)) is first
    with pytest.raises(ModelError, match="model given by name"):
        load_model(first, adapter=folder)
