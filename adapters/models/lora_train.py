"""LoRA training of a transformers causal LM on CPU (peft): a plain torch loop, fp32, one sequence per forward
pass, gradient accumulation, a fixed seed.

The loss of a sequence is the cross-entropy at the positions where the model chooses a token (see
`lora_tokens.py`), over the tokens the grammar allowed there: the choice constrained decoding makes.

CPU time goes into the prompt (hundreds of tokens of document text per example), so LoRA adapts only the top
`layers` decoder layers: the layers below never change, their output for each sequence is computed once
(no gradient) and every epoch runs the adapted layers alone from it. A check at the start compares that
shortened forward pass with the full one and falls back to full passes if a model family disagrees.
"""

from __future__ import annotations

import math
import random
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ocula.schemas.errors import ModelError

from .lora_tokens import TrainingSequence, unpack_allowed

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
    grad_accum: int = 4  # sequences per optimizer step
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
    sequences: int = 0
    targets: int = 0  # token positions in the loss over one epoch
    shortened: bool = False  # whether epochs ran the adapted layers alone (see the module docstring)


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
def _upper_layers(model: Any, first: int) -> Iterator[None]:
    """Within the block, the model runs only decoder layers `first`.. (its input: their cached input)."""
    inner = _decoder(model)
    layers = inner.layers
    inner.layers = torch.nn.ModuleList(list(layers)[first:])
    try:
        yield
    finally:
        inner.layers = layers


class _Stop(Exception):
    pass


class _Runner:
    """Forward passes for training: from the cached input of the first adapted layer when that is exact."""

    def __init__(self, model: Any, first: int, sequences: Sequence[TrainingSequence]) -> None:
        self.model = model
        self.first = first
        self.cached: list[torch.Tensor] | None = None
        if first == 0:
            return
        with torch.no_grad():
            self.cached = [self._layer_input(seq) for seq in sequences]
            if not self._agrees(sequences[0], self.cached[0]):
                self.cached = None

    def _layer_input(self, seq: TrainingSequence) -> torch.Tensor:
        """The input of decoder layer `first` for a sequence (the forward pass stops there)."""
        seen: list[torch.Tensor] = []

        def grab(_module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
            seen.append((args[0] if args else kwargs["hidden_states"]).detach())
            raise _Stop

        handle = _decoder(self.model).layers[self.first].register_forward_pre_hook(grab, with_kwargs=True)
        try:
            self.model(input_ids=self._ids(seq), logits_to_keep=1, use_cache=False)
        except _Stop:
            pass
        finally:
            handle.remove()
        return seen[0]

    def _ids(self, seq: TrainingSequence) -> torch.Tensor:
        return torch.tensor([seq.input_ids], device=self.model.device)

    def _agrees(self, seq: TrainingSequence, hidden: torch.Tensor) -> bool:
        full = self.model(input_ids=self._ids(seq), logits_to_keep=1, use_cache=False).logits
        with _upper_layers(self.model, self.first):
            short = self.model(inputs_embeds=hidden, logits_to_keep=1, use_cache=False).logits
        return bool(torch.allclose(full, short, atol=1e-3, rtol=1e-3))

    def logits(self, index: int, seq: TrainingSequence, keep: torch.Tensor) -> torch.Tensor:
        if self.cached is None:
            return self.model(input_ids=self._ids(seq), logits_to_keep=keep, use_cache=False).logits[0]
        with _upper_layers(self.model, self.first):
            return self.model(inputs_embeds=self.cached[index], logits_to_keep=keep, use_cache=False).logits[0]


def sequence_loss(logits_fn: Callable[[torch.Tensor], torch.Tensor], seq: TrainingSequence) -> torch.Tensor:
    """Mean cross-entropy at the sequence's choice positions, each over the tokens allowed there.

    `logits_fn(positions)` returns the logits at those positions of the sequence."""
    before = torch.tensor([p - 1 for p in seq.positions])  # logits at p-1 predict token p
    logits = logits_fn(before).float()
    vocab = logits.shape[-1]
    rows = [unpack_allowed(a, vocab) if a is not None else np.ones(vocab, dtype=bool) for a in seq.allowed]
    allowed = torch.from_numpy(np.stack(rows)).to(logits.device)
    logits = logits.masked_fill(~allowed, float("-inf"))
    targets = torch.tensor([seq.input_ids[p] for p in seq.positions], device=logits.device)
    return torch.nn.functional.cross_entropy(logits, targets)


def train_lora(
    model: Any,
    sequences: Sequence[TrainingSequence],
    settings: LoraSettings,
    on_step: StepHook | None = None,
) -> tuple[Any, TrainReport]:
    """Attach LoRA layers to `model` and train them on `sequences`; returns (peft model, report).

    AdamW with a linear decay of the learning rate to zero; sequences are shuffled each epoch (seeded)."""
    usable = [s for s in sequences if s.positions]
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
    report = TrainReport(sequences=len(usable), targets=sum(len(s.positions) for s in usable))
    report.shortened = runner.cached is not None
    order = list(range(len(usable)))
    for _ in range(settings.epochs):
        rng.shuffle(order)
        epoch_total = 0.0
        for first in range(0, len(order), settings.grad_accum):
            group = order[first : first + settings.grad_accum]
            step_loss = 0.0
            for index in group:
                seq = usable[index]
                loss = sequence_loss(partial(runner.logits, index, seq), seq)
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
