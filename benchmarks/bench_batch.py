"""Batch throughput: documents per second with 1 worker vs N workers, in the same run, on the same receipts.

    python benchmarks/bench_batch.py --data /work/shared/data/sroie/img --limit 10 --workers 1,2

Each setting starts fresh (new output file, new worker processes, the model loaded once per worker), so the
time includes loading the model in every worker; the report also gives the time after the first document
finished (steady-state throughput). Writes a JSON report with `--report`. `--threads N` fixes the llama.cpp
and ONNX Runtime threads of every worker (default, as `ocula extract`: cores / workers with more than one worker,
the libraries' own default with one).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ocula.adapters.io.sources import iter_sources
from ocula.model_cache import DEFAULT_MODEL, load_model
from ocula.pipelines.batch.extract import PipelineExtract
from ocula.pipelines.batch.runner import run_batch
from ocula.schema_loader import resolve_schema


def measure(
    paths: list[Path], schema_name: str, workers: int, max_attempts: int, threads: int | None = None
) -> dict[str, Any]:
    schema = resolve_schema(schema_name)
    if threads is None:
        threads = max(1, (os.cpu_count() or 1) // workers) if workers > 1 else None
    extractor = PipelineExtract(model=DEFAULT_MODEL, max_attempts=max_attempts, threads=threads, loader=load_model)
    finished: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        start = time.monotonic()
        summary = run_batch(
            [str(p) for p in paths],
            schema,
            Path(tmp) / "out.jsonl",
            extract_fn=extractor,
            workers=workers,
            progress=False,
            on_record=lambda _: finished.append(time.monotonic()),
        )
        seconds = time.monotonic() - start
    steady = (len(finished) - 1) / (finished[-1] - finished[0]) if len(finished) > 1 else None
    return {
        "workers": workers,
        "threads": threads,
        "documents": len(paths),
        "ok": summary.done,
        "failed": summary.failed,
        "seconds": round(seconds, 2),
        "documents_per_s": round(len(paths) / seconds, 4),
        "steady_documents_per_s": round(steady, 4) if steady else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="Folder of documents (e.g. SROIE receipts).")
    parser.add_argument("--limit", type=int, default=10, help="First N documents of the folder.")
    parser.add_argument("--workers", default="1,2", help="Comma-separated worker counts, e.g. 1,2.")
    parser.add_argument("--schema", default="sroie")
    parser.add_argument("--max-attempts", type=int, default=1)
    parser.add_argument("--threads", type=int, help="Threads per worker (default: cores / workers, see above).")
    parser.add_argument("--report", type=Path, help="Write the results as JSON here.")
    args = parser.parse_args(argv)
    paths = iter_sources([args.data])[: args.limit]
    if not paths:
        print(f"no documents in {args.data}", file=sys.stderr)
        return 1
    counts = [int(w) for w in args.workers.split(",")]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    rows = []
    for workers in counts:
        row = measure(paths, args.schema, workers, args.max_attempts, args.threads)
        rows.append(row)
        print(json.dumps(row), flush=True)
    base = rows[0]["documents_per_s"]
    report = {
        "cpus": os.cpu_count(),
        "load_average_at_start": load,
        "schema": args.schema,
        "model": DEFAULT_MODEL,
        "runs": rows,
        "speedup_vs_first": {str(r["workers"]): round(r["documents_per_s"] / base, 3) for r in rows},
    }
    print(json.dumps({"cpus": report["cpus"], "load": load, "speedup_vs_first": report["speedup_vs_first"]}))
    if args.report:
        args.report.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
