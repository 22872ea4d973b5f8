"""Batch throughput: documents per second with 1 worker vs N workers, in the same run, on the same receipts.

    python benchmarks/bench_batch.py --data /work/shared/data/sroie/img --limit 10 --workers 1,2

Each setting starts fresh (new output file, new worker processes, the model loaded once per worker), so the
time includes loading the model in every worker; the report also gives the time after the first document
finished (steady-state throughput). Writes a JSON report with `--report`. `--threads N` fixes the llama.cpp
and ONNX Runtime threads of every worker (default, as `ocula extract`: cores / workers with more than one worker,
the libraries' own default with one).

Documents per minute against another checkout in the same run (e.g. today's main against this tree):

    git worktree add /tmp/base main
    python benchmarks/bench_batch.py --data /work/shared/data/sroie/img --limit 40 --workers 1 --threads 1 \
        --baseline-src /tmp/base

The baseline is measured first, by this same script in a separate process that imports `ocula` from that tree
(its package layout read from its pyproject.toml), then this tree; `ratio_vs_baseline` divides this tree's
documents per minute by the baseline's for each worker count. `--no-prefetch` adds runs without the worker's
reader thread (OCR and decoding one after the other), to show what overlapping them gains.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
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
    paths: list[Path],
    schema_name: str,
    workers: int,
    max_attempts: int,
    threads: int | None = None,
    prefetch: bool = True,
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
            prefetch=prefetch,
            on_record=lambda _: finished.append(time.monotonic()),
        )
        seconds = time.monotonic() - start
    steady = (len(finished) - 1) / (finished[-1] - finished[0]) if len(finished) > 1 else None
    return {
        "workers": workers,
        "threads": threads,
        "prefetch": prefetch,
        "documents": len(paths),
        "ok": summary.done,
        "failed": summary.failed,
        "seconds": round(seconds, 2),
        "documents_per_s": round(len(paths) / seconds, 4),
        "documents_per_min": round(60 * len(paths) / seconds, 2),
        "steady_documents_per_s": round(steady, 4) if steady else None,
    }


def package_shim(src: Path, into: Path) -> Path:
    """A folder from which `import ocula` imports the checkout `src`: `ocula/` holds links to `src/ocula`'s
    entries and to the folders its pyproject.toml maps into the package (`ocula.schemas` -> `schemas`, ...)."""
    import tomllib

    config = tomllib.loads((src / "pyproject.toml").read_text())
    mapping = config.get("tool", {}).get("setuptools", {}).get("package-dir", {"ocula": "ocula"})
    package = into / "ocula"
    package.mkdir(parents=True)
    for entry in (src / mapping.get("ocula", "ocula")).iterdir():
        (package / entry.name).symlink_to(entry.resolve())
    for name, folder in mapping.items():
        parts = name.split(".")
        if len(parts) == 2 and parts[0] == "ocula" and not (package / parts[1]).exists():
            (package / parts[1]).symlink_to((src / folder).resolve())
    return into


def measure_baseline(src: Path, argv: list[str]) -> dict[str, Any]:
    """This script's runs with `ocula` imported from the checkout `src`, in a separate process."""
    with tempfile.TemporaryDirectory() as tmp:
        shim = package_shim(src, Path(tmp) / "shim")
        report = Path(tmp) / "baseline.json"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(shim), str(src)])}
        command = [sys.executable, "-P", str(Path(__file__).resolve()), *argv, "--report", str(report)]
        subprocess.run(command, check=True, env=env, cwd=tmp)
        return json.loads(report.read_text())


def _strip(argv: list[str], option: str) -> list[str]:
    """`argv` without `option` and its value (both `--opt VALUE` and `--opt=VALUE`)."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == option:
            skip = True
        elif not arg.startswith(option + "="):
            out.append(arg)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="Folder of documents (e.g. SROIE receipts).")
    parser.add_argument("--limit", type=int, default=10, help="First N documents of the folder.")
    parser.add_argument("--workers", default="1,2", help="Comma-separated worker counts, e.g. 1,2.")
    parser.add_argument("--schema", default="sroie")
    parser.add_argument("--max-attempts", type=int, default=1)
    parser.add_argument("--threads", type=int, help="Threads per worker (default: cores / workers, see above).")
    parser.add_argument("--no-prefetch", action="store_true", help="Also measure without overlapping OCR.")
    parser.add_argument("--baseline-src", type=Path, help="A checkout to measure first, e.g. a git worktree.")
    parser.add_argument("--report", type=Path, help="Write the results as JSON here.")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    paths = iter_sources([args.data])[: args.limit]
    if not paths:
        print(f"no documents in {args.data}", file=sys.stderr)
        return 1
    import ocula

    baseline = None
    if args.baseline_src is not None:
        inner = [
            *_strip(_strip(_strip(argv, "--baseline-src"), "--report"), "--data"),
            "--data",
            str(args.data.resolve()),
        ]
        baseline = measure_baseline(args.baseline_src, inner)
    counts = [int(w) for w in args.workers.split(",")]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    rows = []
    for workers in counts:
        for prefetch in (True, False) if args.no_prefetch else (True,):
            row = measure(paths, args.schema, workers, args.max_attempts, args.threads, prefetch)
            rows.append(row)
            print(json.dumps(row), flush=True)
    base = rows[0]["documents_per_s"]
    report: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "load_average_at_start": load,
        "schema": args.schema,
        "model": DEFAULT_MODEL,
        "source": str(Path(ocula.__file__).resolve().parent.parent),
        "runs": rows,
        "speedup_vs_first": {
            f"{r['workers']}{'' if r['prefetch'] else '-noprefetch'}": round(r["documents_per_s"] / base, 3)
            for r in rows
        },
    }
    summary: dict[str, Any] = {"cpus": report["cpus"], "load": load, "speedup_vs_first": report["speedup_vs_first"]}
    if baseline is not None:
        before = {r["workers"]: r for r in baseline["runs"] if r.get("prefetch", True)}
        report["baseline"] = baseline
        report["ratio_vs_baseline"] = {
            str(r["workers"]): round(r["documents_per_s"] / before[r["workers"]]["documents_per_s"], 3)
            for r in rows
            if r["prefetch"] and r["workers"] in before
        }
        summary["baseline_source"] = baseline.get("source", str(args.baseline_src))
        summary["ratio_vs_baseline"] = report["ratio_vs_baseline"]
    print(json.dumps(summary))
    if args.report:
        args.report.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
