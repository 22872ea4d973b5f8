"""Replaying constrained decoding of a gold answer: forced tokens are context, chosen tokens are targets."""

from __future__ import annotations

import json
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest

from ocula.adapters.models.base import Constraint, Message
from ocula.adapters.models.lora.tokens import AnswerTokenError, sequence_for, unpack_allowed
from ocula.adapters.models.transformers_lm import TransformersLM
from ocula.pipelines.finetune.targets import answer_for
from tests.fixtures.tiny_models import build_tiny_lm

SCHEMA = {
    "type": "object",
    "properties": {
        "company": {"enum": ["SOON HUAT MACHINERY ENTERPRISE", "SOON LEE TRADING", "JOHOR BAHRU"]},
        "total": {"anyOf": [{"enum": [327.0, 36.0]}, {"type": "null"}]},
    },
    "required": ["company"],
    "additionalProperties": False,
}
CONSTRAINT = Constraint.json_schema(json.dumps(SCHEMA))


@pytest.fixture(scope="module")
def lm() -> TransformersLM:
    model, tokenizer = build_tiny_lm()
    return TransformersLM(model, tokenizer, name="tiny")


@pytest.fixture(scope="module")
def prompt(lm: TransformersLM) -> str:
    return lm.render([Message("user", "Receipt: SOON HUAT MACHINERY ENTERPRISE ... TOTAL 327.00")])


def chosen(lm: TransformersLM, seq) -> list[str]:
    return [lm.tokenizer.decode([seq.input_ids[p]]) for p in seq.positions]


def test_the_sequence_spells_prompt_then_answer_and_targets_only_choices(lm: TransformersLM, prompt: str) -> None:
    answer = answer_for(SCHEMA, {"company": "SOON HUAT MACHINERY ENTERPRISE", "total": "327.00"})
    seq = sequence_for(lm, prompt, CONSTRAINT, answer.data)
    ids = lm.tokenizer(prompt, add_special_tokens=False)["input_ids"]
    assert seq.input_ids[: seq.prompt_tokens] == ids
    assert lm.tokenizer.decode(seq.input_ids[seq.prompt_tokens :]) == answer.text
    assert all(p >= seq.prompt_tokens for p in seq.positions)
    # keys, punctuation and the rest of a candidate once singled out are forced: far fewer targets than tokens
    assert 0 < len(seq.positions) < seq.answer_tokens
    text = "".join(chosen(lm, seq))
    assert "MACHINERY ENTERPRISE" not in text and "company" not in text
    for position, allowed in zip(seq.positions, seq.allowed, strict=True):
        mask = unpack_allowed(allowed, len(lm.tokenizer))
        assert mask[seq.input_ids[position]]  # the target is a token the grammar allowed
        assert not mask.all()


def test_masked_bytes_are_never_targets(lm: TransformersLM, prompt: str) -> None:
    answer = answer_for(SCHEMA, {"company": "SOON HUAT MACHINERY", "total": "36"})  # company not a candidate
    assert answer.dropped == ["company"]
    seq = sequence_for(lm, prompt, CONSTRAINT, answer.data, answer.masked)
    full = sequence_for(lm, prompt, CONSTRAINT, answer.data)
    assert seq.input_ids == full.input_ids
    assert len(seq.positions) < len(full.positions)
    (start, end), offsets = answer.masked[0], {}
    done = 0
    for index in range(seq.prompt_tokens, len(seq.input_ids)):
        offsets[index] = done
        done += len(lm.tokenizer.decode([seq.input_ids[index]]).encode())
    assert all(not (start <= offsets[p] < end) for p in seq.positions)


def test_an_answer_off_the_grammar_is_refused(lm: TransformersLM, prompt: str) -> None:
    with pytest.raises(AnswerTokenError, match="does not allow"):
        sequence_for(lm, prompt, CONSTRAINT, b'{"company":"NOT ON THE PAGE"}')
    with pytest.raises(AnswerTokenError, match="wants more"):
        sequence_for(lm, prompt, CONSTRAINT, b'{"company":"JOHOR BAHRU"')
    with pytest.raises(AnswerTokenError):
        sequence_for(lm, prompt, CONSTRAINT, b'{"company":"JOHOR BAHRU"} and more')


def test_without_a_grammar_every_token_is_a_target_and_eos_ends_it(lm: TransformersLM, prompt: str) -> None:
    seq = sequence_for(lm, prompt, None, b'{"a":1}')
    assert seq.positions == list(range(seq.prompt_tokens, len(seq.input_ids)))
    assert seq.input_ids[-1] == lm.decoder.stop_ids[0]
    assert seq.allowed == [None] * len(seq.positions)


def test_unpack_allowed_reads_llguidance_bit_order() -> None:
    words = np.array([0b101, -(1 << 31)], dtype=np.int32)  # bit 31 of the second word: token 63
    mask = unpack_allowed(words, 40)
    assert np.flatnonzero(mask).tolist() == [0, 2]
    assert unpack_allowed(words, 64)[63]
