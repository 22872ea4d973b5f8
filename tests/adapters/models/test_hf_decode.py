"""HFDecoder: constrained generate on a tiny random causal LM, raw log-probs, counts, stop reasons."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
import torch
from pydantic import BaseModel, ConfigDict, Field

from ocula.adapters.models.base import Constraint, GenerationRequest, Message, Sampling
from ocula.adapters.models.hf_decode import HFDecoder, batch_groups, check_source, pick_device, pick_dtype
from ocula.schemas.errors import ModelError
from tests.fixtures.tiny_models import build_tiny_lm


class Tag(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"x-guidance": {"whitespace_flexible": False}})
    name: str = Field(max_length=10)
    level: int = Field(ge=1, le=5)


TAG = Constraint.json_schema(json.dumps(Tag.model_json_schema()))


@pytest.fixture(scope="session")
def decoder() -> HFDecoder:
    model, tokenizer = build_tiny_lm()
    tokenizer.padding_side = "left"
    return HFDecoder(model, tokenizer)


def encode(decoder: HFDecoder, *texts: str) -> dict[str, torch.Tensor]:
    return dict(decoder.tokenizer(list(texts), return_tensors="pt", padding=True, add_special_tokens=False))


def test_logprobs_come_from_the_raw_distribution(decoder: HFDecoder) -> None:
    inputs = encode(decoder, "Pick a tag:")
    g = decoder.generate(inputs, Sampling(max_new_tokens=60), TAG)[0]
    Tag.model_validate_json(g.text)
    # Teacher-forced forward pass over prompt + output: the unconstrained log-probs of the chosen tokens.
    ids = torch.cat([inputs["input_ids"][0], torch.tensor(g.token_ids)]).unsqueeze(0)
    with torch.no_grad():
        logp = torch.log_softmax(decoder.model(input_ids=ids).logits[0].float(), dim=-1)
    start = inputs["input_ids"].shape[1]
    expected = [logp[start - 1 + i, t].item() for i, t in enumerate(g.token_ids)]
    assert g.token_logprobs == pytest.approx(expected, abs=1e-4)
    # Under the constraint, the masked distribution would give higher (renormalised) log-probs.
    assert sum(g.token_logprobs) < -len(g.token_ids)


def test_stop_reason_and_forward_passes(decoder: HFDecoder) -> None:
    inputs = encode(decoder, "Code:")
    stopped = decoder.generate(inputs, Sampling(max_new_tokens=30), Constraint.regex("ZQ[0-9]{3}-XK"))[0]
    assert re.fullmatch("ZQ[0-9]{3}-XK", stopped.text)
    assert stopped.finish_reason == "stop"
    assert stopped.forward_passes == len(stopped.token_ids) + 1  # the last pass chose the stop token
    assert decoder.tokenizer.convert_tokens_to_string(stopped.token_texts) == stopped.text

    cut = decoder.generate(inputs, Sampling(max_new_tokens=3), Constraint.regex("x{60}"))[0]
    assert cut.finish_reason == "length"
    assert len(cut.token_ids) == len(cut.token_logprobs) == cut.forward_passes == 3
    assert set(cut.text) == {"x"}


def test_batch_rows_keep_their_own_prompt_counts(decoder: HFDecoder) -> None:
    inputs = encode(decoder, "Short.", "A much longer prompt with many more words in it.")
    rows = decoder.generate(inputs, Sampling(max_new_tokens=60), TAG)
    assert [g.prompt_tokens for g in rows] == inputs["attention_mask"].sum(dim=1).tolist()
    assert rows[0].prompt_tokens < rows[1].prompt_tokens
    for g in rows:
        Tag.model_validate_json(g.text)
        assert len(g.token_logprobs) == len(g.token_ids)


def test_assistant_prefix_is_consumed_by_the_grammar(decoder: HFDecoder) -> None:
    prefix = '{"name":"'
    inputs = encode(decoder, "Tag:" + prefix)
    g = decoder.generate(inputs, Sampling(max_new_tokens=60), TAG, assistant_prefix=prefix)[0]
    assert g.text.startswith(prefix)
    Tag.model_validate_json(g.text)


def test_lark_constraint(decoder: HFDecoder) -> None:
    grammar = 'start: answer\nanswer: "yes" | "no"\n'
    g = decoder.generate(encode(decoder, "Answer:"), Sampling(max_new_tokens=10), Constraint.lark(grammar))[0]
    assert g.text in {"yes", "no"}


def test_unconstrained_generation_runs(decoder: HFDecoder) -> None:
    g = decoder.generate(encode(decoder, "Hello"), Sampling(max_new_tokens=5, temperature=0.8, seed=3))[0]
    assert 0 < len(g.token_ids) <= 5
    assert len(g.token_logprobs) == len(g.token_ids)


def test_bad_grammar_is_a_schema_error(decoder: HFDecoder) -> None:
    from ocula.schemas.errors import SchemaError

    with pytest.raises(SchemaError):
        decoder.generate(encode(decoder, "x"), Sampling(max_new_tokens=5), Constraint.lark("start: undefined_rule"))


def test_batch_groups_share_constraint_sampling_and_prefix() -> None:
    msg = [Message("user", "hi")]
    a = GenerationRequest(msg, TAG)
    b = GenerationRequest(msg, Constraint.regex("x"))
    c = GenerationRequest(msg, TAG, Sampling(max_new_tokens=3))
    d = GenerationRequest(msg, TAG)
    assert batch_groups([a, b, c, d]) == [[0, 3], [1], [2]]


def test_device_dtype_and_source_helpers(tmp_path: Path) -> None:
    assert pick_device("cpu") == "cpu"
    assert pick_dtype("auto", "cpu") == torch.float32
    assert pick_dtype("auto", "cuda") == torch.bfloat16
    assert pick_dtype("float16") == torch.float16
    with pytest.raises(ModelError):
        pick_dtype("float77")
    assert check_source(str(tmp_path)) == str(tmp_path)
    assert check_source("org/model") == "org/model"
    with pytest.raises(ModelError, match="not found"):
        check_source("./no/such/folder")
