"""Line items: accuracy against hand-labelled items, and the cost of the full receipt schema.

    python benchmarks/eval_items.py --data ../shared/data/sroie --cache /tmp/ocr-fresh --threads 1 --out reports/items.json

On every development receipt (the same OCR for both, read once and cached as eval_receipts.py does), the
default engine runs `--schema receipt` (the SROIE fields and line items) and `--schema sroie` (the four fields),
one after the other, in alternating order, in the same run. Reported: median seconds per receipt of each and
their ratio; the four fields' accuracy under both (SROIE rules); on the receipts labelled in `items_truth.json`,
the items scored by `item_scoring.py` (count exact, amount and description F1, quantity accuracy) and how many
lists came back flagged as inconsistent; and the two sample documents: the invoice's items with its sum
validator, and the receipt's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ocula.model_cache import load_model
from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor
from ocula.schemas import OCRPage
from ocula.schemas.ready import Invoice, Receipt, SroieReceipt

try:
    from benchmarks.eval_receipts import ocr_cache, ocr_pages
    from benchmarks.item_scoring import ItemScore
    from benchmarks.receipt_scoring import FIELDS, field_correct
except ImportError:  # run as a script
    from eval_receipts import ocr_cache, ocr_pages  # type: ignore[no-redef]
    from item_scoring import ItemScore  # type: ignore[no-redef]
    from receipt_scoring import FIELDS, field_correct  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS: dict[str, type[BaseModel]] = {"receipt": Receipt, "sroie": SroieReceipt}


def extract(model: Any, pages: list[OCRPage], schema: type[BaseModel]) -> tuple[dict[str, Any] | None, Any, float]:
    start = time.perf_counter()
    result = OcrLlmExtractor(model, None, ExtractOptions(on_error="partial")).run_on_pages(pages, schema)  # type: ignore[arg-type]
    took = time.perf_counter() - start
    value = result.value.model_dump(mode="json") if result.value is not None else None
    return value, result, took


def sample(model: Any, name: str, schema: type[BaseModel], truth: list[dict[str, Any]], engine: Any) -> dict[str, Any]:
    """One sample document: its items scored, whether it validated (an invoice's sum validator included) and
    whether the list was flagged."""
    from ocula.adapters.io.loading import load_document

    page = next(load_document(ROOT / "samples" / name).pages())
    pages = [engine.read(page.image, 0)]
    value, result, took = extract(model, pages, schema)
    score = ItemScore()
    row = score.add(name, (value or {}).get("items", []), truth)
    boxes = sum(1 for path, f in result.fields.items() if path.startswith("items/") and f.box is not None)
    return {
        **row,
        **score.summary(),
        "valid": value is not None,
        "errors": result.errors,
        "attempts": [a.errors for a in result.attempts],
        "boxes": boxes,
        "seconds": took,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ocula.adapters.ocr import get_engine

    data = Path(args.data)
    truth = json.loads(Path(args.truth).read_text())
    images = sorted((data / "img").glob("*.jpg"))[: args.limit or None]
    engine = get_engine(args.ocr)
    cache = ocr_cache(args.cache, args.ocr)
    model = load_model(args.model, **({"n_threads": args.threads} if args.threads else {}))
    first = ocr_pages(images[0], cache, engine)[0]
    extract(model, [first], Receipt)  # warm up: compile and prompt cache
    extract(model, [first], SroieReceipt)
    seconds: dict[str, list[float]] = {name: [] for name in SCHEMAS}
    correct = {name: dict.fromkeys(FIELDS, 0) for name in SCHEMAS}
    items, flagged, rows = ItemScore(), 0, []
    for n, image in enumerate(images):
        page, _ = ocr_pages(image, cache, engine)
        key = json.loads((data / "key" / f"{image.stem}.json").read_text())
        order = list(SCHEMAS) if n % 2 == 0 else list(SCHEMAS)[::-1]
        row: dict[str, Any] = {"id": image.stem}
        for name in order:
            value, result, took = extract(model, [page], SCHEMAS[name])
            seconds[name].append(took)
            hits = {f: field_correct(f, (value or {}).get(f), key[f]) for f in FIELDS}
            for f in FIELDS:
                correct[name][f] += hits[f]
            row[name] = {"seconds": took, "hits": hits}
            if name == "receipt":
                predicted = (value or {}).get("items", [])
                row["items"] = predicted
                row["flags"] = result.errors
                if image.stem in truth["sroie"]:
                    row["item_score"] = items.add(image.stem, predicted, truth["sroie"][image.stem])
                    flagged += bool(result.errors)
        rows.append(row)
        times = " ".join(f"{name} {row[name]['seconds']:.2f}s" for name in SCHEMAS)
        print(f"{image.stem} {times} items {len(row['items'])} {row.get('item_score', '')}", file=sys.stderr)
    n = len(images)
    medians = {name: statistics.median(s) for name, s in seconds.items()}
    samples = {
        name: sample(model, name, {"invoice": Invoice, "receipt": Receipt}[spec["schema"]], spec["items"], engine)
        for name, spec in truth["samples"].items()
    }
    return {
        "receipts": n,
        "model": args.model,
        "ocr": args.ocr,
        "seconds_median": medians,
        "time_ratio_receipt_to_sroie": medians["receipt"] / medians["sroie"],
        "fields": {
            name: {**{f: c / n for f, c in hits.items()}, "mean": sum(hits.values()) / (4 * n)}
            for name, hits in correct.items()
        },
        "items": {**items.summary(), "flagged": flagged},
        "samples": samples,
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "sroie"))
    parser.add_argument("--truth", default=str(ROOT / "benchmarks" / "items_truth.json"))
    parser.add_argument("--cache", default="/tmp/ocr-fresh", help="OCR cache folder (shared with eval_receipts.py)")
    parser.add_argument("--ocr", default="rapidocr")
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0, help="only the first N receipts (0: all)")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    if not Path(args.data).is_dir():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    report = run(args)
    text = json.dumps(report, indent=1, default=str)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)
    summary = {k: v for k, v in report.items() if k != "rows"}
    print(json.dumps(summary, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
