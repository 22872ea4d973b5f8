"""Line items: accuracy against hand-labelled items, and the cost of the full receipt schema.

    python benchmarks/eval_items.py --data ../shared/data/sroie --cache /tmp/ocr-fresh --threads 1 --out reports/items.json

On every development receipt (the same OCR for both, read once and cached as eval_receipts.py does), the
default engine runs `--schema receipt` (the SROIE fields and line items) and `--schema sroie` (the four fields),
one after the other, in alternating order, in the same run. Reported: median seconds per receipt of each and
their ratio; the four fields' accuracy under both (SROIE rules); on the receipts labelled in `items_truth.json`,
the items scored by `item_scoring.py` (count exact, amount and description F1, quantity accuracy) and how many
lists came back flagged as inconsistent; and the two sample documents: the invoice's items with its sum
validator, and the receipt's.

As `ocula.extract` does by default, the schema with a list of objects (`receipt`) gets the page's layout regions
(the bundled layout model: its tables bound the item rows, `ocula.pipelines.ocr.regions`); `--layout off` leaves
them out. The layout model's seconds per page are reported, and on the first `--share` receipts the OCR is run
again in the same run so that the layout model's time is given as a share of the OCR time.
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

from ocula.adapters.io.loading import load_document
from ocula.model_cache import load_model
from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor
from ocula.pipelines.ocr.regions import add_regions
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


def sample(
    model: Any, name: str, schema: type[BaseModel], truth: list[dict[str, Any]], engine: Any, layout: bool
) -> dict[str, Any]:
    """One sample document: its items scored, whether it validated (an invoice's sum validator included) and
    whether the list was flagged."""
    from ocula.adapters.io.loading import load_document

    page = next(load_document(ROOT / "samples" / name).pages())
    pages = [engine.read(page.image, 0)]
    pages = [add_regions(pages[0], page.image)] if layout else pages
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
    layout = args.layout == "auto"
    layout_seconds: list[float] = []
    share: list[tuple[float, float]] = []  # (layout, OCR) seconds of the same page in this run
    correct = {name: dict.fromkeys(FIELDS, 0) for name in SCHEMAS}
    items, flagged, rows = ItemScore(), 0, []
    for n, image in enumerate(images):
        page, _ = ocr_pages(image, cache, engine)
        key = json.loads((data / "key" / f"{image.stem}.json").read_text())
        listed = page
        if layout:
            pixels = next(load_document(image).pages()).image
            start = time.perf_counter()
            listed = add_regions(page, pixels)
            layout_seconds.append(time.perf_counter() - start)
            if n < args.share:
                start = time.perf_counter()
                engine.read(pixels, 0)
                share.append((layout_seconds[-1], time.perf_counter() - start))
        order = list(SCHEMAS) if n % 2 == 0 else list(SCHEMAS)[::-1]
        row: dict[str, Any] = {"id": image.stem}
        for name in order:
            value, result, took = extract(model, [listed if name == "receipt" else page], SCHEMAS[name])
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
        name: sample(
            model, name, {"invoice": Invoice, "receipt": Receipt}[spec["schema"]], spec["items"], engine, layout
        )
        for name, spec in truth["samples"].items()
    }
    return {
        "receipts": n,
        "model": args.model,
        "ocr": args.ocr,
        "seconds_median": medians,
        "time_ratio_receipt_to_sroie": medians["receipt"] / medians["sroie"],
        "layout": args.layout,
        "layout_seconds_median": statistics.median(layout_seconds) if layout_seconds else None,
        "layout_share_of_ocr": sum(a for a, _ in share) / sum(b for _, b in share) if share else None,
        "layout_share_pages": len(share),
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
    parser.add_argument("--layout", choices=("auto", "off"), default="auto", help="layout regions for lists")
    parser.add_argument("--share", type=int, default=5, help="receipts whose OCR is timed again beside the layout")
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
