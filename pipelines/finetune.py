"""Fine-tuning: labelled documents -> a LoRA adapter for the local model, trained on CPU.

A training example is made by the extraction pipeline itself: its first model request for the document (the
prompt and the grounded grammar, see `finetune_data.extraction_request`), the request's messages rendered by
the training model's own chat template, and the gold value written as the grammar makes the model write it
(`finetune_targets`). Whatever the pipeline's prompt or candidates become, training follows. The loss is taken
only where the model chooses a token under the grammar (`adapters/models/lora_tokens.py`).

The adapter folder: the peft adapter, `lora.gguf` for llama.cpp (when the base is a GGUF of an exportable
architecture) and `ocula-adapter.json` (see `adapters/models/lora_load.py`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ocula.adapters.models.lora_gguf import export_gguf_lora
from ocula.adapters.models.lora_load import GGUF_FILE, META_FILE, canonical_base, load_trainable, weights_id
from ocula.adapters.models.lora_tokens import AnswerTokenError, TrainingSequence, sequence_for
from ocula.adapters.models.lora_train import LoraSettings, StepHook, TrainReport, save_lora, train_lora
from ocula.schemas.errors import ModelError

from .batch_records import schema_fingerprint
from .extract import ExtractOptions
from .finetune_data import LabelledDocument, Skipped, extraction_request
from .finetune_targets import AnswerError, answer_for

FORMAT = 1


@dataclass
class Prepared:
    """Training sequences of the usable documents, the documents left out and why, and dropped fields."""

    sequences: list[TrainingSequence] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)  # field -> examples whose gold value is not on the page


@dataclass
class FinetuneResult:
    folder: Path
    report: TrainReport
    prepared: Prepared
    gguf_error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def prepare(
    lm: Any, documents: Sequence[LabelledDocument], schema: type[BaseModel], options: ExtractOptions | None = None
) -> Prepared:
    """One training sequence per document, built from the pipeline's own request (see the module docstring)."""
    out = Prepared()
    for doc in documents:
        request = extraction_request(doc.pages, schema, options)
        constraint = request.constraint
        try:
            if constraint is None or constraint.kind != "json_schema":
                raise AnswerError("fine-tuning needs a request constrained by a JSON schema")
            answer = answer_for(json.loads(constraint.spec), doc.value)
            seq = sequence_for(lm, lm.render(request), constraint, answer.data, answer.masked)
        except (AnswerError, AnswerTokenError) as err:
            out.skipped.append(Skipped(0, doc.source, f"cannot write the value under the grammar: {err}"))
            continue
        if seq.answer_tokens > request.sampling.max_new_tokens:
            reason = f"answer of {seq.answer_tokens} tokens exceeds the budget of {request.sampling.max_new_tokens}"
            out.skipped.append(Skipped(0, doc.source, reason))
            continue
        out.dropped.update(answer.dropped)
        out.sequences.append(seq)
    return out


def finetune(
    documents: Sequence[LabelledDocument],
    schema: type[BaseModel],
    out: Path,
    *,
    base_model: str = "smollm2-135m",
    settings: LoraSettings | None = None,
    options: ExtractOptions | None = None,
    on_step: StepHook | None = None,
    extra_meta: dict[str, Any] | None = None,
) -> FinetuneResult:
    """Train a LoRA adapter for `base_model` on `documents` and write it to `out`."""
    settings = settings or LoraSettings()
    opts = options or ExtractOptions()
    start = time.perf_counter()
    lm = load_trainable(base_model)
    prepared = prepare(lm, documents, schema, opts)
    if not prepared.sequences:
        reasons = "; ".join(str(s) for s in prepared.skipped[:3]) or "no documents"
        raise ModelError(f"no usable training example ({reasons})")
    peft_model, report = train_lora(lm.model, prepared.sequences, settings, on_step)
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
        "grounded": opts.grounded,
        "settings": settings.as_dict(),
        "examples": len(prepared.sequences),
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
