"""Score COCO detection results against a COCO ground truth and print mAP.

    python benchmarks/eval_detect.py --data /work/shared/data/coco --predictions preds.json
    python benchmarks/eval_detect.py --data /work/shared/data/coco --self-check

`--data` is a folder holding `instances.json` (or the ground-truth JSON itself); `--predictions` is a COCO
results list. `--self-check` scores the ground truth against itself, which must give 1.0.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

try:
    from benchmarks.detection_metrics import DetectionMetrics, evaluate_coco, ground_truth_as_results
except ImportError:  # run as a script: this folder is on sys.path
    from detection_metrics import DetectionMetrics, evaluate_coco, ground_truth_as_results  # type: ignore


def load_ground_truth(data: Path) -> dict[str, Any]:
    path = data / "instances.json" if data.is_dir() else data
    with path.open() as f:
        return json.load(f)


def load_results(path: Path) -> list[dict[str, Any]]:
    with path.open() as f:
        results = json.load(f)
    if isinstance(results, dict):  # a full COCO dict: take its annotations
        results = results.get("annotations", [])
    return results


def report(metrics: DetectionMetrics, per_class: bool = False) -> str:
    lines = [
        f"categories: {len(metrics.ap)}",
        f"mAP@0.5: {metrics.map_50:.4f}",
        f"mAP@[.5:.95]: {metrics.map_50_95:.4f}",
    ]
    if per_class:
        width = max((len(name) for name in metrics.ap), default=8)
        lines.append(f"{'category':<{width}}  AP50    AP")
        for name, aps in sorted(metrics.ap.items()):
            lines.append(f"{name:<{width}}  {aps[0]:.4f}  {sum(aps) / len(aps):.4f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="folder with instances.json, or the file")
    parser.add_argument("--predictions", type=Path, help="COCO results JSON")
    parser.add_argument("--self-check", action="store_true", help="score the ground truth against itself")
    parser.add_argument("--max-dets", type=int, default=100)
    parser.add_argument("--per-class", action="store_true", help="print AP per category")
    args = parser.parse_args(argv)
    if not args.self_check and args.predictions is None:
        parser.error("give --predictions or --self-check")

    try:
        gt = load_ground_truth(args.data)
        results = ground_truth_as_results(gt) if args.self_check else load_results(args.predictions)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    metrics = evaluate_coco(gt, results, max_dets=args.max_dets)
    print(
        f"images: {len(gt.get('images', []))}  ground truth: {len(gt.get('annotations', []))}  results: {len(results)}"
    )
    print(report(metrics, args.per_class))
    if args.self_check:
        ok = abs(metrics.map_50 - 1.0) < 1e-9 and abs(metrics.map_50_95 - 1.0) < 1e-9
        print("self-check:", "ok" if ok else "FAILED")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
