"""The floor of one extraction, and where the time of an extraction goes.

The floor of a document is what reading it costs at the least on the same OCR and the same model: its OCR,
one prefill of the page's extraction prompt (instructions, field descriptions, page text) and the decoding of
the tokens of the chosen values, nothing else (no candidate scored, no JSON keys written, no retry):

    floor = OCR seconds + prompt tokens / prefill rate + value tokens / decode rate

The two rates are measured in the same run (`measure_rates`): a few pages' prompts prefilled from an empty
cache and a few tokens decoded greedily after each, so the floor moves with the machine's load as the methods do.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ocula.adapters.models.base import GenerationRequest, Message, ModelAdapter, Sampling

# the parts of an extraction's `timings`, in pipeline order (`total` is their sum)
SPLIT = ("ocr", "candidates", "scoring", "lists", "json", "validation")
TOKENS = ("prefilled", "reused", "scored", "decoded", "passes")


@dataclass
class Rates:
    prefill_tokens_per_s: float
    decode_tokens_per_s: float


def forget_prompt(model: ModelAdapter) -> None:
    """Drop the model's prompt cache (llama.cpp), so the next prompt is prefilled whole."""
    llm = getattr(model, "llm", None)
    if llm is not None and hasattr(llm, "n_tokens"):
        llm.n_tokens = 0


def measure_rates(model: ModelAdapter, prompts: Sequence[list[Message]], new_tokens: int = 32) -> Rates:
    """Prefill and decode rates of `model`: each prompt prefilled from an empty cache, then up to `new_tokens`
    decoded greedily without a grammar."""
    prefill_tokens = decode_tokens = 0
    prefill_s = decode_s = 0.0
    for messages in prompts:
        forget_prompt(model)
        gen = model.generate(GenerationRequest(messages, None, Sampling(max_new_tokens=new_tokens)))
        prefill_tokens += gen.prompt_tokens
        prefill_s += gen.prefill_seconds
        decode_tokens += len(gen.token_ids)
        decode_s += gen.decode_seconds
    forget_prompt(model)
    return Rates(prefill_tokens / max(prefill_s, 1e-9), decode_tokens / max(decode_s, 1e-9))


def prompt_tokens(model: ModelAdapter, messages: Sequence[Message]) -> int:
    return len(model.tokenize(model.render(messages)))  # type: ignore[attr-defined]


def value_tokens(model: ModelAdapter, value: dict[str, Any] | None) -> int:
    """Tokens of the chosen values, each as JSON (no keys, no punctuation between them)."""
    values = [v for v in (value or {}).values() if v is not None]
    return sum(len(model.tokenize(json.dumps(v, ensure_ascii=False))) for v in values)  # type: ignore[attr-defined]


def floor_seconds(ocr_s: float, prompt: int, values: int, rates: Rates) -> float:
    return ocr_s + prompt / rates.prefill_tokens_per_s + values / rates.decode_tokens_per_s


def median_split(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Median seconds of each part of the split over rows that have one (`timings`), and the median tokens."""
    timed = [r for r in rows if r.get("timings")]
    if not timed:
        return {}
    out = {k: statistics.median(r["timings"].get(k, 0.0) for r in timed) for k in SPLIT}
    out.update({f"{k}_tokens": statistics.median(r.get("tokens", {}).get(k, 0) for r in timed) for k in TOKENS})
    return out


def split_line(timings: dict[str, float], tokens: dict[str, int]) -> str:
    """One document's split, for the progress lines."""
    parts = " ".join(f"{k} {timings.get(k, 0.0):.2f}" for k in SPLIT)
    counts = " ".join(f"{k} {tokens.get(k, 0)}" for k in TOKENS)
    return f"[{parts}] [tokens: {counts}]"


def split_table(runs: Sequence[dict[str, Any]], rates: dict[str, Any] | None) -> list[str]:
    """The markdown table of where the time goes (medians per receipt) and each method's ratio to its floor."""
    out = [
        "",
        "Where the time goes (median seconds per receipt; tokens: median per receipt), floor and ratio to it:",
        "",
        "| model | method | " + " | ".join((*SPLIT, *TOKENS)) + " | floor s | ratio |",
        "|---|---|" + "---|" * (len(SPLIT) + len(TOKENS) + 2),
    ]
    for r in runs:
        split = r.get("split") or {}
        cells = [f"{split[k]:.2f}" if k in split else "-" for k in SPLIT]
        cells += [f"{split[f'{k}_tokens']:.0f}" if f"{k}_tokens" in split else "-" for k in TOKENS]
        ratio, floor = r.get("floor_ratio_median"), r.get("floor_median")
        cells += [f"{floor:.2f}", f"{ratio:.2f}"] if ratio is not None and floor is not None else ["-", "-"]
        out.append(f"| {r['model']} | {r['method']} | " + " | ".join(cells) + " |")
    if rates:
        out += [
            "",
            f"Rates measured in this run: prefill {rates['prefill_tokens_per_s']:.0f} tokens/s, "
            f"decode {rates['decode_tokens_per_s']:.1f} tokens/s (one thread unless `--threads`).",
        ]
    return out


def rates_dict(rates: Rates) -> dict[str, float]:
    return {k: round(v, 2) for k, v in asdict(rates).items()}
