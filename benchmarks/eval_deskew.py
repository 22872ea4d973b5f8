"""Small-angle deskew: the development receipts turned a few degrees askew, read with and without `deskew`.

    python benchmarks/eval_deskew.py --data ../shared/data --limit 40 --threads 1 --out reports/deskew.json

Each receipt is read upright as it is (RapidOCR, the reference reading), then turned +3 and -6 degrees
counter-clockwise (in memory, on a canvas grown to hold it, white outside the page, as `ocula.pipelines.ocr.deskew`
turns one) and read twice: as it lies, and with `deskew` (estimated, turned straight, read, boxes mapped back). The
straight page is also given to `deskew` (a page whose estimate is under 0.5 degrees is read as it is).

Reported per angle and reading: the OCR line recall against the upright reading (its line quads mapped through the
turn; one-to-one matches at IoU >= 0.5, benchmarks/ocr_metrics.py), the share of those lines read with the same
text, their mean normalised edit distance; with `--extract`, the SROIE field accuracy of the default extractor run
on that reading (`OcrLlmExtractor.run_on_pages`, as eval_orientation.py does; receipt_scoring.py). The estimate's
error against the angle the page was turned by (and against that angle plus the upright page's own estimate, since
a scan is rarely exactly straight). Cost: the deskew's CPU time (estimate and turn, `time.process_time`) as a share of
the OCR's CPU time on the same page, both measured in this run (run it with `--threads 1`: CPU time then counts one
core's work; wall seconds mean little on a loaded machine).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ocula.adapters.ocr import get_engine
from ocula.pipelines.ocr.deskew import DeskewOCR, estimate_skew, straighten
from ocula.pipelines.ocr.pages import ocr_image
from ocula.schemas import BBox, OCRPage, PageTransform

try:
    from benchmarks.ocr_metrics import match_greedy, normalize_text, normalized_edit_distance
    from benchmarks.receipt_scoring import FIELDS, field_correct
    from benchmarks.reports import write_report
except ImportError:  # run as a script: this folder is on sys.path
    from ocr_metrics import match_greedy, normalize_text, normalized_edit_distance  # type: ignore[no-redef]
    from receipt_scoring import FIELDS, field_correct  # type: ignore[no-redef]

    from reports import write_report  # type: ignore[no-redef]

ANGLES = (3.0, -6.0)


def reference_boxes(upright: OCRPage, turn: PageTransform) -> list[tuple[float, float, float, float]]:
    """The upright reading's line boxes on the turned page: the box around each line's quad, turned."""
    out = []
    for line in upright.lines:
        points = line.polygon or [
            (line.box.x0, line.box.y0),
            (line.box.x1, line.box.y0),
            (line.box.x1, line.box.y1),
            (line.box.x0, line.box.y1),
        ]
        out.append(BBox.from_polygon([turn.map_point(x, y) for x, y in points]).as_tuple())
    return out


def line_scores(upright: OCRPage, read: OCRPage, turn: PageTransform) -> dict[str, Any]:
    """Upright lines matched by a line of `read` (IoU >= 0.5, one to one), how many with the same text, and the
    summed normalised edit distance of the matched pairs."""
    want = reference_boxes(upright, turn)
    pairs = match_greedy([ln.box.as_tuple() for ln in read.lines], want)
    same = sum(normalize_text(read.lines[i].text) == normalize_text(upright.lines[j].text) for i, j, _ in pairs)
    ned = sum(normalized_edit_distance(read.lines[i].text, upright.lines[j].text) for i, j, _ in pairs)
    return {"lines": len(want), "matched": len(pairs), "same_text": same, "ned_sum": round(ned, 4)}


def fields_right(page: OCRPage, truth: dict[str, Any], model: Any) -> dict[str, bool]:
    """The SROIE fields extracted from this reading by the default extractor, right or not."""
    from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor
    from ocula.schemas.ready import SroieReceipt

    extractor = OcrLlmExtractor(model, None, ExtractOptions(on_error="partial"))  # type: ignore[arg-type]
    result = extractor.run_on_pages([page], SroieReceipt)
    value = result.value.model_dump(mode="json") if result.value is not None else {}
    return {f: field_correct(f, value.get(f), truth.get(f)) for f in FIELDS}


def cpu(fn: Any, *args: Any) -> tuple[Any, float]:
    start = time.process_time()
    out = fn(*args)
    return out, time.process_time() - start


def deskew_cost(image: np.ndarray) -> tuple[float, float]:
    """The estimate, and the CPU seconds of estimating and (at 0.5 degrees or more) turning the page."""
    start = time.process_time()
    skew = estimate_skew(image)
    if abs(skew) >= DeskewOCR.min_angle:
        straighten(image, skew)
    return skew, time.process_time() - start


def run(args: argparse.Namespace) -> dict[str, Any]:
    data = Path(args.data)
    engine = get_engine("rapidocr", **({"threads": args.threads} if args.threads else {}))
    deskewed = DeskewOCR(engine)
    engine.read(np.full((64, 64, 3), 255, np.uint8))
    model = None
    if args.extract:
        import ocula

        model = ocula.load_model(args.model, **({"n_threads": args.threads} if args.threads else {}))
    rows: list[dict[str, Any]] = []
    for path in sorted((data / "sroie" / "img").glob("*.jpg"))[: args.limit]:
        image = np.asarray(Image.open(path).convert("RGB"))
        truth = json.loads((data / "sroie" / "key" / f"{path.stem}.json").read_text())
        upright, upright_cpu = cpu(ocr_image, image, engine)
        own_skew, straight_cost = deskew_cost(image)
        straight = upright if abs(own_skew) < deskewed.min_angle else ocr_image(image, deskewed)
        identity = PageTransform.identity((upright.width, upright.height))
        upright_fields = fields_right(upright, truth, model) if model is not None else None
        row: dict[str, Any] = {
            "page": path.name,
            "upright_ocr_cpu_s": round(upright_cpu, 3),
            "own_skew": own_skew,
            "straight_deskew_cpu_s": round(straight_cost, 4),
            "straight_deskew": line_scores(upright, straight, identity),
            "fields_upright": upright_fields,
            "fields_straight_deskew": (
                upright_fields if straight is upright or model is None else fields_right(straight, truth, model)
            ),
        }
        for angle in ANGLES:
            askew, turn = straighten(image, -angle)  # turned `angle` degrees counter-clockwise
            plain, plain_cpu = cpu(ocr_image, askew, engine)
            estimate, cost = deskew_cost(askew)
            fixed = ocr_image(askew, deskewed)
            key = f"{angle:+g}"
            row[key] = {
                "estimate": estimate,
                "error": round(estimate - angle, 2),
                "error_vs_own": round(estimate - angle - own_skew, 2),
                "ocr_cpu_s": round(plain_cpu, 3),
                "deskew_cpu_s": round(cost, 4),
                "plain": line_scores(upright, plain, turn),
                "deskew": line_scores(upright, fixed, turn),
            }
            if model is not None:
                row[key]["fields_plain"] = fields_right(plain, truth, model)
                row[key]["fields_deskew"] = fields_right(fixed, truth, model)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
    return {
        "rows": rows,
        "summary": summarize(rows),
        "machine": platform.platform(),
        "python": sys.version.split()[0],
    }


def _lines(scores: list[dict[str, Any]]) -> dict[str, float]:
    total, matched = sum(s["lines"] for s in scores), sum(s["matched"] for s in scores)
    return {
        "line_recall": round(matched / max(1, total), 3),
        "same_text": round(sum(s["same_text"] for s in scores) / max(1, total), 3),
        "mean_ned": round(sum(s["ned_sum"] for s in scores) / max(1, matched), 4),
    }


def _accuracy(found: list[dict[str, bool] | None]) -> float | None:
    scored = [f for f in found if f is not None]
    if not scored:
        return None
    return round(sum(sum(f.values()) for f in scored) / sum(len(f) for f in scored), 3)


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One table row per page angle and reading."""
    out: list[dict[str, Any]] = [
        {
            "angle": "0 (upright)",
            "reading": "plain (reference)",
            "line_recall": 1.0,
            "same_text": 1.0,
            "mean_ned": 0.0,
            "field_accuracy": _accuracy([r["fields_upright"] for r in rows]),
        },
        {
            "angle": "0 (upright)",
            "reading": "deskew",
            **_lines([r["straight_deskew"] for r in rows]),
            "field_accuracy": _accuracy([r["fields_straight_deskew"] for r in rows]),
            "turned": f"{sum(abs(r['own_skew']) >= DeskewOCR.min_angle for r in rows)} / {len(rows)}",
            "estimate_abs_median": round(statistics.median(abs(r["own_skew"]) for r in rows), 2),
            "estimate_abs_max": max(abs(r["own_skew"]) for r in rows),
            "deskew_cpu_share": round(
                sum(r["straight_deskew_cpu_s"] for r in rows) / sum(r["upright_ocr_cpu_s"] for r in rows), 4
            ),
        },
    ]
    for angle in ANGLES:
        at = [r[f"{angle:+g}"] for r in rows]
        for reading in ("plain", "deskew"):
            entry: dict[str, Any] = {
                "angle": f"{angle:+g}",
                "reading": reading,
                **_lines([a[reading] for a in at]),
                "field_accuracy": _accuracy([a.get(f"fields_{reading}") for a in at]),
            }
            if reading == "deskew":
                errors = [abs(a["error"]) for a in at]
                own = [abs(a["error_vs_own"]) for a in at]
                entry |= {
                    "error_median": round(statistics.median(errors), 2),
                    "error_max": round(max(errors), 2),
                    "error_vs_own_median": round(statistics.median(own), 2),
                    "deskew_cpu_share": round(sum(a["deskew_cpu_s"] for a in at) / sum(a["ocr_cpu_s"] for a in at), 4),
                }
            out.append(entry)
    return {"pages": len(rows), "table": out}


def table(summary: dict[str, Any]) -> str:
    cols = ["angle", "reading", "line_recall", "same_text", "mean_ned", "field_accuracy"]
    extra = ["turned", "error_median", "error_max", "error_vs_own_median", "deskew_cpu_share"]
    lines = ["| " + " | ".join(cols + extra) + " |", "|" + "---|" * (len(cols) + len(extra))]
    for entry in summary["table"]:
        lines.append("| " + " | ".join(str(entry.get(c, "")) for c in cols + extra) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", default="../shared/data", help="the development data folder (sroie/)")
    parser.add_argument("--limit", type=int, default=40, help="SROIE receipts to use (the first N)")
    parser.add_argument("--extract", action="store_true", help="also extract and score the SROIE fields")
    parser.add_argument("--model", default=None, help="the language model for --extract (default: the bundled one)")
    parser.add_argument("--threads", type=int, default=None, help="threads of the OCR and the model (use 1)")
    parser.add_argument("--out", help="write the rows and the summary as JSON")
    args = parser.parse_args(argv)
    if not (Path(args.data) / "sroie").is_dir():
        print(f"no development data at {args.data}", file=sys.stderr)
        return 2
    write_report(run(args), args.out, lambda r: table(r["summary"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
