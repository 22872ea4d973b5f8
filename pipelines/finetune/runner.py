"""Fine-tuning: labelled documents -> a LoRA adapter for the local model, trained on CPU.

The training examples of a document are the calls the extraction pipeline itself makes for it (recorded by
`finetune_calls.record_calls`, prompts rendered by the training model's own chat template): for each field whose
candidates it ranks, the gold candidate after the field's prompt; for its constrained JSON pass, the gold value
written as the grammar makes the model write it (`finetune_targets`), with the loss only where the model chooses
a token under the grammar (`adapters/models/lora/tokens.py`). Whatever the pipeline's prompts, candidates or
decoding steps become, training follows.

The adapter folder: the peft adapter, `lora.gguf` for llama.cpp (when the base is a GGUF of an exportable
architecture) and `ocula-adapter.json` (see `adapters/models/lora/load.py`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ocula.adapters.models.base import GenerationRequest
from ocula.adapters.models.bundled import DEFAULT_MODEL
from ocula.adapters.models.lora.gguf_export import export_gguf_lora
from ocula.adapters.models.lora.load import GGUF_FILE, META_FILE, base_gguf, canonical_base, load_trainable, weights_id
from ocula.adapters.models.lora.tokens import AnswerTokenError, TrainingSequence, scoring_sequence, sequence_for
from ocula.adapters.models.lora.train import LoraSettings, StepHook, TrainReport, save_lora, train_lora
from ocula.pipelines.batch.records import schema_fingerprint
from ocula.pipelines.extract.ocr_llm import ExtractOptions
from ocula.pipelines.finetune.calls import record_calls
from ocula.pipelines.finetune.data import LabelledDocument, Skipped
from ocula.pipelines.finetune.targets import AnswerError, answer_for
from ocula.schemas.errors import ModelError

FORMAT = 1


@dataclass
class Prepared:
    """Training sequences per usable document, the documents left out and why, and dropped fields."""

    documents: list[list[TrainingSequence]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)  # field -> documents whose gold value had no candidate

    @property
    def sequences(self) -> int:
        return sum(len(d) for d in self.documents)


@dataclass
class FinetuneResult:
    folder: Path
    report: TrainReport
    prepared: Prepared
    gguf_error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def _json_pass(lm: Any, request: GenerationRequest, gold: dict[str, Any]) -> tuple[TrainingSequence, list[str]]:
    constraint = request.constraint
    if constraint is None or constraint.kind != "json_schema":
        raise AnswerError("fine-tuning needs a request constrained by a JSON schema")
    answer = answer_for(json.loads(constraint.spec), gold)
    seq = sequence_for(
        lm, lm.render(request.messages, request.assistant_prefix), constraint, answer.data, answer.masked
    )
    if seq.answer_tokens > request.sampling.max_new_tokens:
        raise AnswerError(
            f"an answer of {seq.answer_tokens} tokens exceeds the budget of {request.sampling.max_new_tokens}"
        )
    return seq, answer.dropped


def prepare(
    lm: Any,
    documents: Sequence[LabelledDocument],
    schema: type[BaseModel],
    options: ExtractOptions | None = None,
    *,
    scores: bool = False,
) -> Prepared:
    """The training sequences of each document, from the pipeline's own calls for it (see the module docstring).

    `scores`: whether the model the adapter will run on can score candidates (so the pipeline ranks them)."""
    out = Prepared()
    for doc in documents:
        calls = record_calls(doc.pages, schema, doc.value, options, render=lm.render, scores=scores)
        group: list[TrainingSequence] = []
        dropped: set[str] = set()
        for call in calls.scoring:
            if call.gold is None:
                dropped.add(call.field or "?")
            else:
                group.append(scoring_sequence(lm, call.prompt, call.continuations[call.gold]))
        if calls.request is not None:
            try:
                seq, missing = _json_pass(lm, calls.request, doc.value)
            except (AnswerError, AnswerTokenError) as err:
                out.skipped.append(Skipped(0, doc.source, f"cannot write the value under the grammar: {err}"))
                continue
            group.append(seq)
            dropped.update(m.split(".", 1)[0].split("[", 1)[0] for m in missing)
        out.dropped.update(dropped)
        group = [s for s in group if s.positions]
        if group:
            out.documents.append(group)
        else:
            out.skipped.append(Skipped(0, doc.source, "nothing to learn: every choice is forced or dropped"))
    return out


def _changed_options(opts: ExtractOptions) -> dict[str, Any]:
    """The extraction options that differ from the defaults (JSON-serialisable ones): extract with the same."""
    default = ExtractOptions()
    out = {}
    for item in fields(ExtractOptions):
        value = getattr(opts, item.name)
        if value != getattr(default, item.name) and isinstance(value, str | int | float | bool | type(None)):
            out[item.name] = value
    return out


def finetune(
    documents: Sequence[LabelledDocument],
    schema: type[BaseModel],
    out: Path,
    *,
    base_model: str = DEFAULT_MODEL,
    settings: LoraSettings | None = None,
    options: ExtractOptions | None = None,
    on_step: StepHook | None = None,
    extra_meta: dict[str, Any] | None = None,
) -> FinetuneResult:
    """Train a LoRA adapter for `base_model` on `documents` and write it to `out`.

    `options` are the extraction options the training examples are made with (default: the pipeline's own);
    extract with the same options (they are recorded in `ocula-adapter.json` as `extract_options`)."""
    settings = settings or LoraSettings()
    opts = options or ExtractOptions()
    start = time.perf_counter()
    lm = load_trainable(base_model)
    scores = base_gguf(base_model) is not None or lm.can_score  # llama.cpp scores; see lora_load.load_adapted
    prepared = prepare(lm, documents, schema, opts, scores=scores)
    if not prepared.documents:
        reasons = "; ".join(str(s) for s in prepared.skipped[:3]) or "no documents"
        raise ModelError(f"no usable training example ({reasons})")
    peft_model, report = train_lora(lm.model, prepared.documents, settings, on_step)
    out.mkdir(parents=True, exist_ok=True)
    save_lora(peft_model, out)
    gguf_error = None
    (out / GGUF_FILE).unlink(missing_ok=True)
    try:
        export_gguf_lora(out, lm.model.config, out / GGUF_FILE)
    except (ModelError, ValueError, KeyError, OSError) as err:
        gguf_error = str(err)
        (out / GGUF_FILE).unlink(missing_ok=True)
    meta = {
        "format": FORMAT,
        "base_model": canonical_base(base_model),
        "schema": schema.__name__,
        "schema_sha256": hashlib.sha256(schema_fingerprint(schema).encode()).hexdigest()[:16],
        "extract_options": _changed_options(opts),
        "settings": settings.as_dict(),
        "examples": len(prepared.documents),
        "sequences": prepared.sequences,
        "candidate_scoring": scores,
        "skipped": [str(s) for s in prepared.skipped],
        "dropped_fields": dict(prepared.dropped),
        "loss_targets": report.targets,
        "losses": [round(x, 5) for x in report.losses],
        "epoch_losses": [round(x, 5) for x in report.epoch_losses],
        "train_seconds": round(report.seconds, 2),
        "total_seconds": round(time.perf_counter() - start, 2),
        "upper_layers_only": report.shortened,
        "gguf": gguf_error is None,
        "gguf_error": gguf_error,
        "id": weights_id(out),
        **(extra_meta or {}),
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=1))
    return FinetuneResult(out, report, prepared, gguf_error, meta)
