"""TransformersLM: a tiny random causal LM from a folder, scoring, and the bundled SmolLM2 GGUF."""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Annotated

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
import torch
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from ocula.adapters.models.base import Constraint, GenerationRequest, Message, Sampling
from ocula.adapters.models.bundled import bundled_gguf
from ocula.adapters.models.transformers_lm import TransformersLM, gguf_cache_folder
from ocula.schemas.errors import ModelError
from tests.fixtures.tiny_models import build_tiny_lm, save_tiny_lm


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"x-guidance": {"whitespace_flexible": False}})
    name: str = Field(max_length=20)
    age: int = Field(ge=0, le=120)
    tags: list[Annotated[str, Field(max_length=12)]] = Field(max_length=2)


CONTACT = Constraint.json_schema(json.dumps(Contact.model_json_schema()))
PROMPT = "Alice Martin is 34 years old, a chess player and a baker. Reply with JSON."


@pytest.fixture(scope="session")
def tiny_lm(tmp_path_factory: pytest.TempPathFactory) -> TransformersLM:
    return TransformersLM.load(str(save_tiny_lm(tmp_path_factory.mktemp("tiny_lm") / "lm")))


def ask(text: str, constraint: Constraint | None = CONTACT, max_new_tokens: int = 200) -> GenerationRequest:
    return GenerationRequest([Message("user", text)], constraint, Sampling(max_new_tokens=max_new_tokens))


def test_tiny_lm_from_folder_generates_under_a_schema(tiny_lm: TransformersLM) -> None:
    assert tiny_lm.capabilities.constraints == frozenset({"json_schema", "regex", "lark"})
    assert not tiny_lm.capabilities.images
    g = tiny_lm.generate(ask(PROMPT))
    assert g.finish_reason == "stop"
    Contact.model_validate_json(g.text)
    assert len(g.token_logprobs) == len(g.token_ids) and all(math.isfinite(x) for x in g.token_logprobs)
    assert "<|im_start|>assistant" in tiny_lm.render(ask(PROMPT).messages)


def test_tiny_lm_batch(tiny_lm: TransformersLM) -> None:
    out = tiny_lm.generate_batch([ask("Bob, 3."), ask(PROMPT), ask("Code?", Constraint.regex("[0-9]{4}"))])
    assert len(out) == 3
    Contact.model_validate_json(out[0].text)
    Contact.model_validate_json(out[1].text)
    assert out[2].text.isdigit() and len(out[2].text) == 4


def test_score_is_finite_negative_and_batch_invariant(tiny_lm: TransformersLM) -> None:
    continuations = [" Paris", " a much longer continuation here", "!", " Lyon"]
    batched = tiny_lm.score("The capital of France is", continuations)
    assert len(batched) == len(continuations)
    assert all(math.isfinite(s) and s < 0 for s in batched)
    single = [tiny_lm.score("The capital of France is", [c])[0] for c in continuations]
    assert batched == pytest.approx(single, abs=1e-4)
    assert tiny_lm.score("x", []) == []


def test_score_ranks_what_the_model_was_taught() -> None:
    model, tokenizer = build_tiny_lm(seed=1)
    lm = TransformersLM(model, tokenizer)
    prompt, liked, other = "Total:", " 12.50 EUR", " banana split"
    ids = torch.tensor([tokenizer.encode(prompt + liked, add_special_tokens=False)])
    before = lm.score(prompt, [liked, other])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(15):
        optimizer.zero_grad()
        model(input_ids=ids, labels=ids).loss.backward()
        optimizer.step()
    model.eval()
    after = lm.score(prompt, [liked, other])
    assert after[0] > before[0]
    assert after[0] > after[1]


def test_text_only(tiny_lm: TransformersLM) -> None:
    with pytest.raises(ModelError, match="text-only"):
        tiny_lm.generate(GenerationRequest([Message("user", "look", [Image.new("RGB", (8, 8))])]))


def test_missing_model_and_gguf_raise_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        TransformersLM.load(str(tmp_path / "absent"))
    with pytest.raises(ModelError, match="GGUF file not found"):
        TransformersLM.load(str(tmp_path), gguf_file="absent.gguf")


def test_gguf_cache_key_follows_size_and_mtime(tmp_path: Path) -> None:
    f = tmp_path / "m.gguf"
    f.write_bytes(b"1234")
    first = gguf_cache_folder(f, tmp_path)
    assert first == gguf_cache_folder(f, tmp_path) and first.parent == tmp_path / "gguf"
    os.utime(f, ns=(1, 1))
    assert gguf_cache_folder(f, tmp_path) != first


@pytest.mark.slow
def test_bundled_smollm2_gguf_loads_caches_and_fills_a_schema(tmp_path: Path) -> None:
    path = bundled_gguf("smollm2-135m")
    lm = TransformersLM.load(str(path.parent), gguf_file=path.name, cache_dir=tmp_path)
    folder = gguf_cache_folder(path, tmp_path)
    assert (folder / "model.safetensors").is_file()
    g = lm.generate(ask(PROMPT, max_new_tokens=60))
    contact = Contact.model_validate_json(g.text)
    assert g.finish_reason == "stop" and contact.age <= 120
    print(
        f"\nSmolLM2-135M (transformers, fp32, constrained): {g.tokens_per_second:.1f} tokens/s, "
        f"{len(g.token_ids)} tokens, prefill {g.prefill_seconds:.2f} s for {g.prompt_tokens} prompt tokens"
    )

    start = time.perf_counter()
    cached = TransformersLM.load(str(path), cache_dir=tmp_path)  # a .gguf path works too; now from the cache
    print(f"reload from the safetensors cache: {time.perf_counter() - start:.2f} s")
    probe = ["The capital of France is", [" Paris", " Berlin"]]
    assert cached.score(*probe) == pytest.approx(lm.score(*probe), abs=1e-4)
