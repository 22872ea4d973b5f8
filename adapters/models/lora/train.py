"""LoRA training of a transformers causal LM on CPU (peft): a plain torch loop, fp32, one sequence per forward
pass, gradient accumulation, a fixed seed.

The loss of a sequence is the cross-entropy at the positions where the model chooses a token (see
`lora_tokens.py`), over the tokens the grammar allowed there: the choice constrained decoding makes.

CPU time goes into the prompt (hundreds of tokens of document text per example), so LoRA adapts only the top
`layers` decoder layers: the layers below never change, their output for each sequence is computed once
(no gradient) and every epoch runs the adapted layers alone from it. The sequences of one document (the
pipeline's requests for it: a constrained JSON pass, candidate scoring per field) share the document's
prompt; it runs once per step and each sequence's own tokens run on top of it through the KV cache. A check at
the start compares these passes with plain full passes and falls back to those if a model family disagrees.
"""

from __future__ import annotations

import math
import random
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ocula.adapters.models.lora.tokens import TrainingSequence, unpack_allowed
from ocula.schemas.errors import ModelError

# Attention and MLP projections of llama-style models (SmolLM2, Llama, Qwen2, Gemma share these names).
DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")

StepHook = Callable[[int, int, float], None]  # (step, total steps, mean loss of the step)


@dataclass(frozen=True)
class LoraSettings:
    rank: int = 8
    alpha: float | None = None  # default: 2 x rank
    dropout: float = 0.05
    learning_rate: float = 1e-3
    epochs: int = 3
    grad_accum: int = 2  # documents per optimizer step
    seed: int = 0
    targets: tuple[str, ...] = DEFAULT_TARGETS
    layers: int | None = 10  # top decoder layers adapted (None: all)

    @property
    def lora_alpha(self) -> float:
        return float(self.alpha if self.alpha is not None else 2 * self.rank)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "alpha": self.lora_alpha, "targets": list(self.targets)}


@dataclass
class TrainReport:
    losses: list[float] = field(default_factory=list)  # mean loss of each optimizer step
    epoch_losses: list[float] = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0
    documents: int = 0
    sequences: int = 0
    targets: int = 0  # token positions in the loss over one epoch
    shortened: bool = False  # whether the shared passes of the module docstring were used


def require_peft() -> Any:
    try:
        import peft
    except ImportError as err:
        raise ModelError("fine-tuning needs peft: pip install 'ocula[finetune]'") from err
    return peft


def attach_lora(model: Any, settings: LoraSettings) -> Any:
    """Wrap `model` in fresh LoRA layers (seeded); only the LoRA weights train."""
    peft = require_peft()
    present = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    targets = [t for t in settings.targets if t in present]
    if not targets:
        raise ModelError(f"none of the LoRA target modules {', '.join(settings.targets)} is in the model")
    torch.manual_seed(settings.seed)
    config = peft.LoraConfig(
        r=settings.rank,
        lora_alpha=settings.lora_alpha,
        lora_dropout=settings.dropout,
        target_modules=targets,
        layers_to_transform=list(range(first_adapted_layer(model, settings), _layer_count(model))),
        layers_pattern="layers",
        bias="none",
        task_type="CAUSAL_LM",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # peft calls deprecated transformers helpers
        return peft.get_peft_model(model, config)


def _decoder(model: Any) -> Any:
    """The module holding the decoder layers (`model.model` of a transformers causal LM, under peft or not)."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    inner = getattr(base, "model", None)
    if inner is None or not isinstance(getattr(inner, "layers", None), torch.nn.ModuleList):
        raise ModelError(f"{type(base).__name__}: no decoder layers found to adapt")
    return inner


def _layer_count(model: Any) -> int:
    return len(_decoder(model).layers)


def first_adapted_layer(model: Any, settings: LoraSettings) -> int:
    count = _layer_count(model)
    return 0 if settings.layers is None else max(0, count - settings.layers)


@contextmanager
def _layers(model: Any, start: int, stop: int) -> Iterator[None]:
    """Within the block the model runs decoder layers [start, stop) only, numbered from 0 for the KV cache.

    Their input is what layer `start` receives (token ids when `start` is 0, else cached hidden states)."""
    inner = _decoder(model)
    layers = inner.layers
    kept = list(layers)[start:stop]
    numbered = [(layer.self_attn, layer.self_attn.layer_idx) for layer in kept if hasattr(layer, "self_attn")]
    inner.layers = torch.nn.ModuleList(kept)
    for index, (attention, _) in enumerate(numbered):
        attention.layer_idx = index
    try:
        yield
    finally:
        inner.layers = layers
        for attention, index in numbered:
            attention.layer_idx = index


def shared_split(group: Sequence[TrainingSequence]) -> int:
    """Tokens every sequence of a document starts with, short of the first position a loss needs logits at."""
    first = group[0].input_ids
    common = len(first)
    for seq in group[1:]:
        common = min(common, len(seq.input_ids))
        common = next((i for i in range(common) if seq.input_ids[i] != first[i]), common)
    return max(0, min(common, *(p - 1 for seq in group for p in seq.positions)))


@dataclass
class _Document:
    split: int
    head: torch.Tensor | None  # input of the first adapted layer for the shared tokens
    tails: list[torch.Tensor]  # ... and for each sequence's own tokens after them


class _Runner:
    """Forward passes for training, per document: the layers below the first adapted one run once, without
    gradient; the adapted layers run the document's shared tokens once per step and each sequence's own
    tokens on top of them (KV cache). A check against plain full passes guards the shortcut."""

    def __init__(self, model: Any, first: int, documents: Sequence[Sequence[TrainingSequence]]) -> None:
        self.model = model
        self.first = first
        self.count = _layer_count(model)
        self.documents = documents
        self.shared = True
        was_training = model.training
        model.eval()
        with torch.no_grad():
            self.prepared = [self._prepare(group) for group in documents]
            self.shared = self._agrees(0)
        model.train(was_training)

    def _ids(self, ids: Sequence[int]) -> torch.Tensor:
        return torch.tensor([list(ids)], device=self.model.device)

    def _run(self, inputs: torch.Tensor, start: int, cache: Any, keep: Any) -> Any:
        """The model from `inputs` (ids or hidden states) at position `start`, on top of `cache`."""
        positions = torch.arange(start, start + inputs.shape[1], device=self.model.device)[None]
        kind = "input_ids" if inputs.dtype == torch.long else "inputs_embeds"
        return self.model(
            **{kind: inputs}, position_ids=positions, past_key_values=cache, use_cache=True, logits_to_keep=keep
        )

    def _prepare(self, group: Sequence[TrainingSequence]) -> _Document:
        split = shared_split(group)
        head_ids = self._ids(group[0].input_ids[:split]) if split else None
        tail_ids = [self._ids(seq.input_ids[split:]) for seq in group]
        if self.first == 0:
            return _Document(split, head_ids, tail_ids)
        seen: list[torch.Tensor] = []

        def grab(_module: Any, _args: Any, output: Any) -> None:
            seen.append((output[0] if isinstance(output, tuple) else output).detach())

        handle = _decoder(self.model).layers[self.first - 1].register_forward_hook(grab)
        try:
            with _layers(self.model, 0, self.first):
                cache = self._run(head_ids, 0, None, 1).past_key_values if head_ids is not None else None
                for tail in tail_ids:
                    self._run(tail, split, cache, 1)
                    if cache is not None:
                        cache.crop(-tail.shape[1])  # drop this sequence, keep the shared tokens
        finally:
            handle.remove()
        head = seen.pop(0) if head_ids is not None else None
        return _Document(split, head, seen)

    def sequence_logits(self, index: int) -> list[torch.Tensor]:
        """Logits at each sequence's loss positions (rows in `positions` order), one tensor per sequence."""
        doc, group = self.prepared[index], self.documents[index]
        if not self.shared:
            return [
                self.model(input_ids=self._ids(s.input_ids), logits_to_keep=_before(s, 0), use_cache=False).logits[0]
                for s in group
            ]
        out = []
        with _layers(self.model, self.first, self.count):
            cache = self._run(doc.head, 0, None, 1).past_key_values if doc.head is not None else None
            for seq, tail in zip(group, doc.tails, strict=True):
                out.append(self._run(tail, doc.split, cache, _before(seq, doc.split)).logits[0])
                if cache is not None:
                    cache.crop(-tail.shape[1])  # drop this sequence, keep the shared tokens
        return out

    def _agrees(self, index: int) -> bool:
        shared = self.sequence_logits(index)
        full = [
            self.model(input_ids=self._ids(s.input_ids), logits_to_keep=_before(s, 0), use_cache=False).logits[0]
            for s in self.documents[index]
        ]
        return all(torch.allclose(a, b, atol=1e-3, rtol=1e-3) for a, b in zip(shared, full, strict=True))

    def loss(self, index: int) -> torch.Tensor:
        """Mean over the document's sequences of each sequence's loss."""
        rows = self.sequence_logits(index)
        losses = [sequence_loss(r, s) for r, s in zip(rows, self.documents[index], strict=True)]
        return torch.stack(losses).mean()


def _before(seq: TrainingSequence, offset: int) -> torch.Tensor:
    """Indices (from `offset`) of the positions whose logits predict the sequence's targets."""
    return torch.tensor([p - 1 - offset for p in seq.positions])


def sequence_loss(logits: torch.Tensor, seq: TrainingSequence) -> torch.Tensor:
    """Mean cross-entropy at the sequence's target positions (`logits`: one row per position), each over the
    tokens allowed there (all tokens where `allowed` is None)."""
    logits = logits.float()
    vocab = logits.shape[-1]
    rows = [unpack_allowed(a, vocab) if a is not None else np.ones(vocab, dtype=bool) for a in seq.allowed]
    allowed = torch.from_numpy(np.stack(rows)).to(logits.device)
    logits = logits.masked_fill(~allowed, float("-inf"))
    targets = torch.tensor([seq.input_ids[p] for p in seq.positions], device=logits.device)
    return torch.nn.functional.cross_entropy(logits, targets)


def train_lora(
    model: Any,
    documents: Sequence[Sequence[TrainingSequence]],
    settings: LoraSettings,
    on_step: StepHook | None = None,
) -> tuple[Any, TrainReport]:
    """Attach LoRA layers to `model` and train them; returns (peft model, report).

    `documents` holds each document's training sequences (they share the document's prompt). AdamW with a
    linear decay of the learning rate to zero; `grad_accum` documents per step, shuffled each epoch (seeded)."""
    usable = [g for g in ([s for s in group if s.positions] for group in documents) if g]
    if not usable:
        raise ModelError("no training sequence has a token to learn")
    start = time.perf_counter()
    peft_model = attach_lora(model, settings)
    peft_model.train()
    runner = _Runner(peft_model, first_adapted_layer(model, settings), usable)
    params = [p for p in peft_model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=settings.learning_rate, weight_decay=0.0)
    per_epoch = math.ceil(len(usable) / settings.grad_accum)
    total = per_epoch * settings.epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.0, 1.0 - step / total))
    rng = random.Random(settings.seed)
    report = TrainReport(
        documents=len(usable),
        sequences=sum(len(g) for g in usable),
        targets=sum(len(s.positions) for g in usable for s in g),
        shortened=runner.shared,
    )
    order = list(range(len(usable)))
    for _ in range(settings.epochs):
        rng.shuffle(order)
        epoch_total = 0.0
        for first in range(0, len(order), settings.grad_accum):
            group = order[first : first + settings.grad_accum]
            step_loss = 0.0
            for index in group:
                loss = runner.loss(index)
                (loss / len(group)).backward()
                step_loss += float(loss.detach()) / len(group)
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            report.losses.append(step_loss)
            epoch_total += step_loss * len(group)
            if on_step is not None:
                on_step(len(report.losses), total, step_loss)
        report.epoch_losses.append(epoch_total / len(order))
    report.steps = len(report.losses)
    report.seconds = time.perf_counter() - start
    peft_model.eval()
    return peft_model, report


def save_lora(peft_model: Any, folder: Path) -> None:
    """The peft adapter files (`adapter_config.json`, `adapter_model.safetensors`) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    peft_model.save_pretrained(str(folder))
    (folder / "README.md").unlink(missing_ok=True)  # peft's model-card template, naming a cache path
