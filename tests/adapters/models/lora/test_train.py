"""LoRA training on a tiny random model: the loss falls on a repeated example, the shortened pass is exact."""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
import torch

from ocula.adapters.models.base import Constraint, Message
from ocula.adapters.models.lora.tokens import TrainingSequence, scoring_sequence, sequence_for
from ocula.adapters.models.lora.train import (
    LoraSettings,
    _Runner,
    attach_lora,
    first_adapted_layer,
    save_lora,
    sequence_loss,
    shared_split,
    train_lora,
)
from ocula.adapters.models.transformers_lm import TransformersLM
from ocula.schemas.errors import ModelError
from tests.fixtures.tiny_models import build_tiny_lm

SCHEMA = {
    "type": "object",
    "properties": {"company": {"enum": ["SOON HUAT", "JOHOR BAHRU", "TAMAN SRI"]}, "total": {"enum": [327.0, 36.0]}},
    "required": ["company", "total"],
    "additionalProperties": False,
}


DOCUMENT = "SOON HUAT\nTAMAN SRI\nJOHOR BAHRU\nTOTAL 36.00"


@pytest.fixture(scope="module")
def lm() -> TransformersLM:
    model, tokenizer = build_tiny_lm()
    return TransformersLM(model, tokenizer, name="tiny")


@pytest.fixture(scope="module")
def sequence(lm: TransformersLM) -> TrainingSequence:
    prompt = lm.render([Message("user", DOCUMENT)])
    return sequence_for(lm, prompt, Constraint.json_schema(json.dumps(SCHEMA)), b'{"company":"TAMAN SRI","total":36}')


@pytest.fixture(scope="module")
def document(lm: TransformersLM, sequence: TrainingSequence) -> list[TrainingSequence]:
    """A document's sequences as the pipeline makes them: two field-scoring calls and the JSON pass."""
    scored = [
        scoring_sequence(
            lm,
            lm.render([Message("user", DOCUMENT + f"\nOnly {k}")], assistant_prefix=f'{{"{k}":'),
            v,
        )
        for k, v in (("company", '"TAMAN SRI"'), ("total", "36"))
    ]
    return [*scored, sequence]


def fresh_model() -> torch.nn.Module:
    return build_tiny_lm(seed=0)[0]


def test_loss_falls_over_steps_on_a_repeated_example(sequence: TrainingSequence) -> None:
    settings = LoraSettings(rank=4, learning_rate=5e-2, epochs=1, grad_accum=1, layers=None)
    _, report = train_lora(fresh_model(), [[sequence]] * 6, settings)
    assert report.steps == 6 and len(report.losses) == 6
    assert report.losses[-1] < report.losses[0] * 0.8
    assert min(report.losses) < report.losses[0]
    assert report.targets == 6 * len(sequence.positions) and report.documents == 6


def test_training_is_seeded(sequence: TrainingSequence) -> None:
    settings = LoraSettings(rank=4, learning_rate=1e-2, epochs=2, grad_accum=2, layers=1, seed=3)
    first = train_lora(fresh_model(), [[sequence]] * 3, settings)[1].losses
    again = train_lora(fresh_model(), [[sequence]] * 3, settings)[1].losses
    assert first == again and len(first) == 4  # ceil(3 / 2) steps per epoch


@pytest.mark.parametrize("layers", [1, None])
def test_shared_passes_match_plain_full_passes(document: list[TrainingSequence], layers: int | None) -> None:
    """The document's prompt once, each sequence on top through the KV cache, lower layers from their cached
    output: the same logits as each sequence through the whole model."""
    model = fresh_model()
    settings = LoraSettings(rank=4, layers=layers)
    peft_model = attach_lora(model, settings)
    with torch.no_grad():  # make the LoRA do something, so the check is not between two identical base models
        for name, weight in peft_model.named_parameters():
            if "lora_B" in name:
                weight.normal_(0, 0.1)
    peft_model.eval()
    first = first_adapted_layer(model, settings)
    assert first == (1 if layers else 0)
    assert 0 < shared_split(document) < min(len(s.input_ids) for s in document)
    runner = _Runner(peft_model, first, [document])
    assert runner.shared
    with torch.no_grad():
        shared = runner.sequence_logits(0)
        for seq, rows in zip(document, shared, strict=True):
            keep = torch.tensor([p - 1 for p in seq.positions])
            full = peft_model(input_ids=torch.tensor([seq.input_ids]), logits_to_keep=keep).logits[0]
            assert torch.allclose(rows, full, atol=1e-4)
    adapted = {n.split(".layers.")[1].split(".")[0] for n, p in peft_model.named_parameters() if p.requires_grad}
    assert adapted == ({"1"} if layers else {"0", "1"})


def test_a_document_with_several_sequences_trains(document: list[TrainingSequence]) -> None:
    settings = LoraSettings(rank=4, learning_rate=5e-2, epochs=4, grad_accum=1, layers=1)
    _, report = train_lora(fresh_model(), [document], settings)
    assert report.documents == 1 and report.sequences == 3 and report.shortened
    assert report.losses[-1] < report.losses[0]


def test_the_loss_is_over_the_allowed_tokens_only(sequence: TrainingSequence) -> None:
    model = fresh_model()
    keep = torch.tensor([p - 1 for p in sequence.positions])
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([sequence.input_ids]), logits_to_keep=keep).logits[0]
        constrained = sequence_loss(logits, sequence)
        free = sequence_loss(
            logits, TrainingSequence(sequence.input_ids, sequence.positions, [None] * len(sequence.positions))
        )
    assert 0 <= float(constrained) < float(free)  # a choice among a few candidates, not the whole vocabulary


def test_save_writes_the_peft_files(sequence: TrainingSequence, tmp_path: Path) -> None:
    peft_model, _ = train_lora(fresh_model(), [[sequence]], LoraSettings(rank=2, epochs=1, layers=1))
    save_lora(peft_model, tmp_path / "adapter")
    assert sorted(p.name for p in (tmp_path / "adapter").iterdir()) == [
        "adapter_config.json",
        "adapter_model.safetensors",
    ]


def test_nothing_to_learn_or_no_target_module_is_an_error(sequence: TrainingSequence) -> None:
    empty = TrainingSequence(sequence.input_ids, [], [], sequence.prompt_tokens)
    with pytest.raises(ModelError, match="no training sequence"):
        train_lora(fresh_model(), [[empty]], LoraSettings())
    with pytest.raises(ModelError, match="none of the LoRA target modules"):
        attach_lora(fresh_model(), LoraSettings(targets=("nonexistent_proj",)))
