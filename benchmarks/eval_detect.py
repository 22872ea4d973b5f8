"""Score COCO detection results against a COCO ground truth and print mAP.

    python benchmarks/eval_detect.py --data /work/shared/data/coco --predictions preds.json
    python benchmarks/eval_detect.py --data /work/shared/data/coco --self-check
    python benchmarks/eval_detect.py --data /work/shared/data/coco --model MODEL [--out preds.json]

`--data` is a folder holding `instances.json` (or the ground-truth JSON itself); `--predictions` is a COCO
results list. `--self-check` scores the ground truth against itself, which must give 1.0. `--model` runs
`ocula.detect` on every image (`<data>/images/<file_name>`, or `--images`) with the data's category names as
the labels, and scores what it finds; `--out` keeps those predictions as a COCO results list.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
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


def predict(
    gt: dict[str, Any],
    images: Path,
    model_name: str,
    *,
    max_objects: int = 10,
    native: bool = False,
    limit: int | None = None,
    temperature: float = 0.0,
    seed: int | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any], float]:
    """`ocula.detect` on the ground truth's images: (COCO results list, the ground truth of the images run,
    median seconds per image). A detection without a confidence gets score 1."""
    import ocula
    from ocula.schemas.coco import detections_to_coco

    model = ocula.load_model(model_name)
    categories = {c["id"]: c["name"] for c in gt["categories"]}
    chosen = gt["images"][:limit] if limit else gt["images"]
    results: list[dict[str, Any]] = []
    seconds: list[float] = []
    for n, image in enumerate(chosen, start=1):
        start = time.perf_counter()
        found = ocula.detect(
            images / image["file_name"],
            labels=list(categories.values()),
            model=model,
            max_objects=max_objects,
            native=native,
            temperature=temperature,
            seed=seed,
        )
        seconds.append(time.perf_counter() - start)
        coco = detections_to_coco([found], categories, image_ids=[image["id"]], on_unknown="skip")
        for ann in coco["annotations"]:
            results.append(
                {
                    "image_id": ann["image_id"],
                    "category_id": ann["category_id"],
                    "bbox": ann["bbox"],
                    "score": ann.get("score", 1.0),
                }
            )
        print(f"[{n}/{len(chosen)}] {image['file_name']}: {len(found)} objects, {seconds[-1]:.1f} s", file=sys.stderr)
    ids = {image["id"] for image in chosen}
    subset = {**gt, "images": chosen, "annotations": [a for a in gt["annotations"] if a["image_id"] in ids]}
    return results, subset, sorted(seconds)[len(seconds) // 2] if seconds else 0.0


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
    parser.add_argument("--model", help="run ocula.detect with this vision-language model (folder or hub id)")
    parser.add_argument("--images", type=Path, help="folder of the images (default: <data>/images)")
    parser.add_argument("--max-objects", type=int, default=10, help="objects per image asked of --model")
    parser.add_argument("--native", action="store_true", help="the model family's own grounding format")
    parser.add_argument("--limit", type=int, help="only the first N images (with --model)")
    parser.add_argument("--temperature", type=float, default=0.0, help="sampling temperature of --model (0: greedy)")
    parser.add_argument("--seed", type=int, help="sampling seed of --model")
    parser.add_argument("--out", type=Path, help="write the --model predictions here (COCO results list)")
    parser.add_argument("--max-dets", type=int, default=100)
    parser.add_argument("--per-class", action="store_true", help="print AP per category")
    args = parser.parse_args(argv)
    if sum(bool(x) for x in (args.self_check, args.predictions, args.model)) != 1:
        parser.error("give one of --predictions, --self-check or --model")

    try:
        gt = load_ground_truth(args.data)
        results = ground_truth_as_results(gt) if args.self_check else None
        if args.predictions is not None:
            results = load_results(args.predictions)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.model:
        from ocula.errors import OculaError

        images = args.images or (args.data / "images" if args.data.is_dir() else args.data.parent / "images")
        try:
            results, gt, median = predict(
                gt,
                images,
                args.model,
                max_objects=args.max_objects,
                native=args.native,
                limit=args.limit,
                temperature=args.temperature,
                seed=args.seed,
            )
        except OculaError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        print(f"model: {args.model}  median seconds per image: {median:.2f}")
        if args.out is not None:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(results))
    assert results is not None
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
