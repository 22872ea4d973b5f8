"""Constrained generation on a loaded transformers model, shared by the text and vision backends.

`HFDecoder` holds what is built once per loaded model (the llguidance tokenizer, the grammar cache, the stop
tokens) and turns prepared model inputs into `Generation`s: it runs `model.generate` with the cached
grammar's logits processor, and reads back token ids, token texts, the log-prob of each chosen token under
the raw (unconstrained) distribution, prompt length, forward-pass count and prefill/decode timings.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from ocula.adapters.models.base import Constraint, Generation, GenerationRequest, Sampling
from ocula.adapters.models.grammar import GrammarCache, logits_processor
from ocula.schemas.errors import ModelError

# outlines warns once per step for a batch row whose grammar already ended (the row only receives padding).
_FINISHED_ROW_WARNING = r"Error in LLMatcher"


class _StepClock:
    """First logits processor of every run: counts forward passes, times the first one, and hands the
    next processors a copy of the logits so the raw scores `generate` keeps are never masked in place."""

    def __init__(self) -> None:
        self.calls = 0
        self.first: float | None = None

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        if self.first is None:
            self.first = time.perf_counter()
        self.calls += 1
        return scores.clone()


def _as_id_list(value: int | Iterable[int] | None) -> list[int]:
    if value is None:
        return []
    if isinstance(value, int):
        return [value]
    return [int(v) for v in value]


class HFDecoder:
    """Generation under optional constraints for one loaded transformers model and its tokenizer."""

    def __init__(self, model: Any, tokenizer: Any, *, vocab_size: int | None = None) -> None:
        self.model = model
        self.tokenizer = tokenizer
        text_config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
        self.vocab_size = int(vocab_size or getattr(text_config, "vocab_size", None) or len(tokenizer))
        stop = _as_id_list(getattr(model.generation_config, "eos_token_id", None))
        stop += [i for i in _as_id_list(tokenizer.eos_token_id) if i not in stop]
        if not stop:
            raise ModelError("the tokenizer has no end-of-sequence token: generation could never stop")
        self.stop_ids: list[int] = stop
        pad = tokenizer.pad_token_id
        self.pad_id: int = int(pad) if pad is not None else stop[0]
        self._llg_tokenizer: Any = None
        self._grammars: GrammarCache | None = None

    # --- constraints ------------------------------------------------------------------------------

    @property
    def llg_tokenizer(self) -> Any:
        """The llguidance view of the tokenizer (expensive: built on first use, once per model)."""
        if self._llg_tokenizer is None:
            import llguidance.hf

            self._llg_tokenizer = llguidance.hf.from_tokenizer(
                self.tokenizer, n_vocab=self.vocab_size, eos_token=self.tokenizer.eos_token_id
            )
        return self._llg_tokenizer

    @property
    def grammars(self) -> GrammarCache:
        if self._grammars is None:
            self._grammars = GrammarCache(self.llg_tokenizer)
        return self._grammars

    def constraint_processor(self, constraint: Constraint, prefix_ids: Sequence[int] = ()) -> Any:
        """A fresh logits processor for `constraint` (compiled once, cached); the grammar first consumes
        `prefix_ids`, text already written at the start of the assistant turn."""
        compiled = self.grammars.get(constraint)
        processor = logits_processor(compiled, self.llg_tokenizer, "torch")
        if prefix_ids:
            setup = processor._setup
            prefix = list(prefix_ids)

            def _setup_after_prefix(batch_size: int) -> None:
                setup(batch_size)
                for matcher in processor.ll_matchers:
                    matcher.consume_tokens(prefix)
                    if matcher.is_error():
                        raise ModelError(f"the assistant prefix breaks the constraint: {matcher.get_error()}")

            processor._setup = _setup_after_prefix
        return processor

    # --- generation -------------------------------------------------------------------------------

    def generate(
        self,
        inputs: Mapping[str, torch.Tensor],
        sampling: Sampling,
        constraint: Constraint | None = None,
        *,
        assistant_prefix: str = "",
    ) -> list[Generation]:
        """Run `generate` on prepared (left-padded) inputs; one `Generation` per row."""
        from transformers import LogitsProcessorList

        inputs = {k: v.to(self.model.device) if isinstance(v, torch.Tensor) else v for k, v in inputs.items()}
        input_ids = inputs["input_ids"]
        attention = inputs.get("attention_mask")
        prompt_len = int(input_ids.shape[1])
        prompt_tokens = (
            attention.sum(dim=1).tolist() if attention is not None else [prompt_len] * int(input_ids.shape[0])
        )
        prefix_ids = self.tokenizer.encode(assistant_prefix, add_special_tokens=False) if assistant_prefix else []

        clock = _StepClock()
        processors: list[Any] = [clock]
        if constraint is not None:
            processors.append(self.constraint_processor(constraint, prefix_ids))

        kwargs: dict[str, Any] = {
            "max_new_tokens": sampling.max_new_tokens,
            "logits_processor": LogitsProcessorList(processors),
            "return_dict_in_generate": True,
            "output_logits": True,
            "eos_token_id": self.stop_ids,
            "pad_token_id": self.pad_id,
        }
        if sampling.temperature > 0:
            kwargs.update(do_sample=True, temperature=sampling.temperature, top_p=sampling.top_p, top_k=0)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if sampling.seed is not None:
            torch.manual_seed(sampling.seed)

        start = time.perf_counter()
        try:
            with torch.inference_mode(), warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=_FINISHED_ROW_WARNING)
                out = self.model.generate(**inputs, **kwargs)
        except ModelError:
            raise
        except (RuntimeError, ValueError, IndexError) as err:
            raise ModelError(f"generation failed: {err}") from err
        end = time.perf_counter()
        first = clock.first if clock.first is not None else end

        new_tokens = out.sequences[:, prompt_len:].cpu()
        logprobs = self._chosen_logprobs(out.logits, new_tokens)
        results = []
        for row in range(new_tokens.shape[0]):
            ids = new_tokens[row].tolist()
            stop_at = next((i for i, t in enumerate(ids) if t in self.stop_ids), None)
            kept = ids if stop_at is None else ids[:stop_at]
            text = self.tokenizer.decode(kept, skip_special_tokens=True)
            results.append(
                Generation(
                    text=assistant_prefix + text,
                    token_ids=kept,
                    token_texts=self.tokenizer.convert_ids_to_tokens(kept),
                    token_logprobs=logprobs[row][: len(kept)],
                    prompt_tokens=int(prompt_tokens[row]),
                    forward_passes=clock.calls,
                    prefill_seconds=first - start,
                    decode_seconds=end - first,
                    finish_reason="length" if stop_at is None else "stop",
                    raw={"text_with_special_tokens": self.tokenizer.decode(kept, skip_special_tokens=False)},
                )
            )
        return results

    @staticmethod
    def _chosen_logprobs(step_logits: Sequence[torch.Tensor], chosen: torch.Tensor) -> list[list[float]]:
        """Log-prob of each chosen token under the raw distribution of its step."""
        if not step_logits:
            return [[] for _ in range(chosen.shape[0])]
        logits = torch.stack([s.float().cpu() for s in step_logits], dim=1)  # [batch, steps, vocab]
        steps = min(logits.shape[1], chosen.shape[1])
        logp = torch.log_softmax(logits[:, :steps], dim=-1)
        picked = logp.gather(-1, chosen[:, :steps].long().unsqueeze(-1)).squeeze(-1)
        return picked.tolist()


def pick_device(device: str = "auto") -> str:
    """cuda if available, then mps, else cpu (or the device asked for)."""
    if device != "auto":
        return device
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(dtype: str | torch.dtype = "auto", device: str = "cpu") -> torch.dtype:
    """bf16 on cuda, fp32 elsewhere, unless a dtype is given (a torch dtype or its name)."""
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    resolved = getattr(torch, dtype, None)
    if not isinstance(resolved, torch.dtype):
        raise ModelError(f"unknown dtype {dtype!r}")
    return resolved


def check_source(model_id_or_path: str | Path) -> str:
    """The string to pass to `from_pretrained`; a path-like source must be an existing folder or file."""
    text = str(model_id_or_path)
    path = Path(text).expanduser()
    if path.exists():
        return str(path)
    looks_like_path = text.startswith((".", "/", "~")) or "\\" in text or text.count("/") != 1
    if looks_like_path:
        raise ModelError(f"model folder not found: {text}")
    return text


@contextmanager
def load_errors(model_id_or_path: str | Path) -> Iterator[None]:
    """Turn the many exceptions of `from_pretrained` into one `ModelError` naming the model."""
    try:
        yield
    except ModelError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ImportError, RuntimeError) as err:
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ModelError(f"cannot load model {str(model_id_or_path)!r}: {first_line}") from err


def batch_groups(requests: Sequence[GenerationRequest]) -> list[list[int]]:
    """Indices of requests that can share one batch: same constraint, sampling and assistant prefix."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, request in enumerate(requests):
        groups.setdefault((request.constraint, request.sampling, request.assistant_prefix), []).append(i)
    return list(groups.values())


def generate_grouped(
    requests: Sequence[GenerationRequest], run: Callable[[Sequence[GenerationRequest]], list[Generation]]
) -> list[Generation]:
    """Run each group of `batch_groups` as one batch with `run`; results in the order of `requests`."""
    results: list[Generation | None] = [None] * len(requests)
    for indices in batch_groups(requests):
        for i, generation in zip(indices, run([requests[i] for i in indices]), strict=True):
            results[i] = generation
    return [g for g in results if g is not None]
