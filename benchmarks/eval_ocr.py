"""OCR accuracy and speed on the development data, engines side by side.

    python benchmarks/eval_ocr.py --data /work/shared/data --engines rapidocr,tesseract --out reports/ocr.json

SROIE receipts are scored on text lines (`box/NNN.csv`), FUNSD forms on words (`annotations/*.json`):
recall and precision of boxes at IoU >= 0.5 (greedy one-to-one), mean normalised edit distance of the
matched texts (case-insensitive), seconds per page (the engine's load is timed apart, on a warm-up page).
Pages are loaded as the pipelines load them (at most at the side the engine reads at, boxes mapped back to
the page's own pixels); `--full-size` loads them at their own pixels.
Rows marked `+merge` score the same OCR after `merge_row_fragments` (no extra OCR time).
Prints a Markdown table and writes the numbers, per page too, as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ocula.adapters.io.loading import load_document
from ocula.adapters.ocr import get_engine
from ocula.pipelines.ocr.pages import ocr_page, ocr_working_limits
from ocula.pipelines.ocr.reading_order import merge_row_fragments
from ocula.schemas import OCRPage

try:
    from benchmarks.ocr_metrics import PageScore, TextBox, parse_funsd, parse_sroie_csv, score_page, summarize
except ImportError:  # run as a script: this folder is on sys.path
    from ocr_metrics import (  # type: ignore[no-redef]
        PageScore,
        TextBox,
        parse_funsd,
        parse_sroie_csv,
        score_page,
        summarize,
    )

Item = tuple[str, Path, list[TextBox]]  # id, image path, ground truth


def sroie_items(root: Path) -> Iterator[Item]:
    for csv_path in sorted((root / "box").glob("*.csv")):
        image = root / "img" / f"{csv_path.stem}.jpg"
        if image.exists():
            yield csv_path.stem, image, parse_sroie_csv(csv_path.read_text(encoding="utf-8", errors="replace"))


def funsd_items(root: Path) -> Iterator[Item]:
    for ann in sorted((root / "annotations").glob("*.json")):
        image = root / "images" / f"{ann.stem}.png"
        if image.exists():
            yield ann.stem, image, parse_funsd(json.loads(ann.read_text(encoding="utf-8")))


def line_boxes(page: OCRPage) -> list[TextBox]:
    return [TextBox(ln.box.as_tuple(), ln.text) for ln in page.lines]


def merged_line_boxes(page: OCRPage) -> list[TextBox]:
    return [TextBox(ln.box.as_tuple(), ln.text) for ln in merge_row_fragments(page.lines)]


def word_boxes(page: OCRPage) -> list[TextBox]:
    return [TextBox(w.box.as_tuple(), w.text) for ln in page.lines for w in ln.words]


# dataset -> (readers, level, {variant suffix: prediction extractor})
DATASETS: dict[str, tuple[Callable[[Path], Iterator[Item]], str, dict[str, Callable[[OCRPage], list[TextBox]]]]] = {
    "sroie": (sroie_items, "line", {"": line_boxes, "+merge": merged_line_boxes}),
    "funsd": (funsd_items, "word", {"": word_boxes}),
}


def read_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise OSError(f"{path}: cannot read the image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def warm_up(engine: Any) -> float:
    """Load the engine's models on a small page; returns the seconds it took."""
    page = np.full((64, 256, 3), 255, np.uint8)
    cv2.putText(page, "warm up 1.00", (8, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 0), 2)
    start = time.perf_counter()
    engine.read(page)
    return time.perf_counter() - start


def read_page_as_loaded(path: Path, engine: Any, full_size: bool) -> OCRPage:
    """The page read as the pipelines read it: loaded at most at the side `engine` reads at
    (`ocr_working_limits`), boxes back in the page's own pixels; `full_size`: loaded at its own pixels."""
    page = next(load_document(path, **({} if full_size else ocr_working_limits(engine))).pages())
    return ocr_page(page, engine)


def evaluate(
    data: Path, engines: list[str], datasets: list[str], limit: int | None, full_size: bool = False
) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    per_page: list[dict[str, Any]] = []
    for engine_name in engines:
        engine = get_engine(engine_name)
        load_seconds = warm_up(engine)
        for dataset in datasets:
            reader, level, variants = DATASETS[dataset]
            root = data / dataset
            if not root.is_dir():
                print(f"skip {dataset}: {root} not found", file=sys.stderr)
                continue
            items = list(reader(root))[:limit]
            scores: dict[str, list[PageScore]] = {v: [] for v in variants}
            seconds: list[float] = []
            for n, (item_id, image_path, gt) in enumerate(items, start=1):
                page = read_page_as_loaded(image_path, engine, full_size)
                seconds.append(page.seconds or 0.0)
                for variant, extract in variants.items():
                    score = score_page(extract(page), gt)
                    scores[variant].append(score)
                    per_page.append(
                        {
                            "dataset": dataset,
                            "engine": engine_name + variant,
                            "id": item_id,
                            "recall": score.recall,
                            "precision": score.precision,
                            "ned": score.ned_sum / score.matched if score.matched else None,
                            "seconds": page.seconds,
                        }
                    )
                print(f"{engine_name} {dataset} {n}/{len(items)} {item_id}: {seconds[-1]:.2f} s", file=sys.stderr)
            for variant in variants:
                results.append(
                    {
                        "dataset": dataset,
                        "level": level,
                        "engine": engine_name + variant,
                        **summarize(scores[variant]),
                        "seconds_per_page": sum(seconds) / len(seconds) if seconds else 0.0,
                        "load_seconds": load_seconds,
                    }
                )
    return {
        "data": str(data),
        "iou_threshold": 0.5,
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine()},
        "results": results,
        "per_page": per_page,
    }


def markdown_table(results: list[dict[str, Any]]) -> str:
    head = "| dataset | level | engine | pages | GT boxes | recall | precision | F1 | mean NED | s/page | load s |"
    rows = [head, "|" + "---|" * 11]
    for r in results:
        rows.append(
            f"| {r['dataset']} | {r['level']} | {r['engine']} | {r['pages']} | {r['gt_boxes']} | "
            f"{r['recall']:.3f} | {r['precision']:.3f} | {r['f1']:.3f} | {r['mean_ned']:.3f} | "
            f"{r['seconds_per_page']:.2f} | {r['load_seconds']:.2f} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="folder holding sroie/ and funsd/")
    parser.add_argument("--engines", default="rapidocr,tesseract", help="comma-separated engine names")
    parser.add_argument("--datasets", default="sroie,funsd", help="comma-separated: sroie, funsd")
    parser.add_argument("--limit", type=int, default=None, help="at most this many pages per dataset")
    parser.add_argument("--out", type=Path, default=Path("reports/ocr.json"), help="JSON report to write")
    parser.add_argument(
        "--full-size", action="store_true", help="load each page at its own pixels, not at the side the engine reads"
    )
    args = parser.parse_args(argv)
    datasets = [d for d in args.datasets.split(",") if d]
    unknown = [d for d in datasets if d not in DATASETS]
    if unknown:
        parser.error(f"unknown dataset(s): {', '.join(unknown)}")
    report = evaluate(args.data, [e for e in args.engines.split(",") if e], datasets, args.limit, args.full_size)
    print(markdown_table(report["results"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
