"""Decoding speed of the local paths, constrained against unconstrained, in one run.

    python benchmarks/bench_decode.py --out reports/decode.json

For each model and backend: tokens per second unconstrained, and the ratio of time per generated token and per
forward pass with a JSON-schema grammar against without one (same prompt; the unconstrained run asks for as
many new tokens as the constrained one produced). Tokens the grammar forces are appended in the same forward pass
as a sampled token, so the per-token ratio can fall below 1; the per-pass ratio isolates the masking cost. Also the grammar compile time, cold (a schema
not seen before) and warm (the cache hit). Each figure is the median of --repeats runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ocula.adapters.models.base import Constraint, GenerationRequest, Message, Sampling
from ocula.model_cache import load_model
from ocula.schemas.constraints import bounded_schema


class Invoice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str = Field(max_length=20)
    seller: str = Field(max_length=80)
    buyer: str = Field(max_length=80)
    notes: str = Field(max_length=400, description="a long free text")
    total: float = Field(ge=0, le=1e6)


PROMPT = "Invoice INV-2041 from Acme Tools Ltd to Globex Corp, total 1,249.50. Write it as JSON with long notes."


def run_one(model: Any, constraint: Constraint | None, n: int) -> tuple[float, float, int]:
    gen = model.generate(GenerationRequest([Message("user", PROMPT)], constraint, Sampling(max_new_tokens=n)))
    tokens = max(len(gen.token_ids), 1)
    return gen.decode_seconds / tokens, gen.decode_seconds / max(gen.forward_passes - 1, 1), tokens


def bench(name: str, backend: str | None, repeats: int) -> dict[str, Any]:
    start = time.perf_counter()
    model = load_model(name, backend=backend)
    load_s = time.perf_counter() - start
    bounded = bounded_schema(Invoice)
    constraint = Constraint.json_schema(bounded.json)
    grammars = getattr(model, "grammars", None)
    if grammars is None:
        grammars = model.decoder.grammars  # type: ignore[attr-defined]
    start = time.perf_counter()
    grammars.get(constraint)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    grammars.get(constraint)
    warm = time.perf_counter() - start
    constrained = [run_one(model, constraint, 160) for _ in range(repeats)]
    n = int(statistics.median(c[2] for c in constrained))
    free = [run_one(model, None, n) for _ in range(repeats)]
    tok_c = statistics.median(c[0] for c in constrained)
    tok_f = statistics.median(f[0] for f in free)
    pass_c = statistics.median(c[1] for c in constrained)
    pass_f = statistics.median(f[1] for f in free)
    return {
        "model": name,
        "backend": model.backend,
        "load_seconds": load_s,
        "tokens": n,
        "unconstrained_tokens_per_s": 1 / tok_f,
        "constrained_tokens_per_s": 1 / tok_c,
        "ratio_per_token": tok_c / tok_f,
        "ratio_per_forward_pass": pass_c / pass_f,
        "compile_cold_ms": cold * 1000,
        "compile_warm_ms": warm * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--paths",
        default="smollm2-135m:llama.cpp,gemma3-270m:llama.cpp,smollm2-135m:transformers",
        help="comma-separated model:backend pairs",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default="reports/decode.json")
    args = parser.parse_args(argv)
    rows = []
    for item in args.paths.split(","):
        name, backend = item.split(":")
        rows.append(bench(name, backend, args.repeats))
        print(json.dumps(rows[-1]), file=sys.stderr)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1))
    print(
        "| model | backend | tok/s free | tok/s grammar | time/token ratio | time/pass ratio | compile cold ms | warm ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['model']} | {r['backend']} | {r['unconstrained_tokens_per_s']:.1f} | "
            f"{r['constrained_tokens_per_s']:.1f} | {r['ratio_per_token']:.3f} | {r['ratio_per_forward_pass']:.3f} | "
            f"{r['compile_cold_ms']:.1f} | {r['compile_warm_ms']:.3f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
