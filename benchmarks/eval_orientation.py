"""Upright pages: the development receipts and forms turned 90, 180 and 270 degrees, read with `orientation="auto"`.

    python benchmarks/eval_orientation.py --data ../shared/data --receipts 6 --forms 3 --out reports/orientation.json
    python benchmarks/eval_orientation.py --data ../shared/data --receipts 6 --forms 6 --extract --threads 1
    python benchmarks/eval_orientation.py --data ../shared/data --receipts 40 --forms 100 --extract --threads 1 --reuse-ocr

Each page is read upright first (RapidOCR, timed: the OCR time), then turned by the script to lie 90, 180 and 270
degrees clockwise and read again with the bundled orientation classifier in front. Reported: the classifier's
accuracy on its own and the angle finally used (after the OCR-confidence check of unsure verdicts), how often the
check ran, the classifier's time as a share of the OCR time (both measured in the same run, page by page, so the
ratio holds on a loaded machine even though seconds do not), the whole `auto` overhead, and whether the boxes come
back in the turned page's own pixels: the share of the upright run's line boxes, mapped through the turn, matched
by a line of the turned run at IoU >= 0.5, and whether the text is the same.

`--extract` also extracts from every page at every turn, from its `orientation="auto"` reading above (the
default `ocr+llm` extractor of `ocula.extract`, given that reading so the page is not read twice): the SROIE
fields of a receipt (scored by receipt_scoring), a form's own schema of its common labels (as eval_forms.py
builds it, scored by exact match). Reported per angle: the share of fields right. The field boxes are checked against the upright run's: each box of the upright page's extraction, mapped
through the turn, should be the box the turned run gives the same field (IoU >= 0.5, counted over the fields
both runs ground with the same value), and every box of every run must lie inside its own page.
"""

from __future__ import annotations

import argparse
import hashlib
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
from ocula.adapters.orientation import RapidOrientationClassifier
from ocula.pipelines.ocr.orientation import UprightOCR
from ocula.pipelines.ocr.pages import ocr_image
from ocula.schemas import BBox, OCRPage, PageTransform

try:
    from benchmarks.form_scoring import build_schema, exact_match, form_fields
    from benchmarks.receipt_scoring import FIELDS, field_correct
    from benchmarks.reports import write_report
except ImportError:  # run as a script: this folder is on sys.path
    from form_scoring import build_schema, exact_match, form_fields  # type: ignore[no-redef]
    from receipt_scoring import FIELDS, field_correct  # type: ignore[no-redef]

    from reports import write_report  # type: ignore[no-redef]

ANGLES = (0, 90, 180, 270)


def pages(data: Path, receipts: int, forms: int) -> list[tuple[str, Path]]:
    found = [("receipt", p) for p in sorted((data / "sroie" / "img").glob("*.jpg"))[:receipts]]
    return found + [("form", p) for p in sorted((data / "funsd" / "images").glob("*.png"))[:forms]]


def lying(image: np.ndarray, angle: int) -> np.ndarray:
    """The page turned `angle` degrees clockwise (so that it lies at `angle`)."""
    return np.ascontiguousarray(np.rot90(image, -(angle // 90)))


class SamePixelsOCR:
    """The OCR engine, remembering its reading of each exact image: a page turned upright from 90, 180 or 270
    degrees is the upright page pixel for pixel, so its reading is the upright run's (RapidOCR is
    deterministic); any other image (a misjudged turn, the confidence check's other turns) is read anew."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.name = engine.name
        self.seen: dict[tuple[Any, ...], OCRPage] = {}

    def read(self, image: np.ndarray, page: int = 0) -> OCRPage:
        key = (image.shape, hashlib.blake2b(np.ascontiguousarray(image).tobytes(), digest_size=16).digest(), page)
        if key not in self.seen:
            self.seen[key] = self.engine.read(image, page=page)
        return self.seen[key].model_copy(deep=True)


def box_check(upright: OCRPage, turned: OCRPage, angle: int) -> dict[str, Any]:
    """How many upright line boxes, mapped through the turn, a turned-run line matches (IoU >= 0.5)."""
    turn = PageTransform.rotate90((upright.width, upright.height), -(angle // 90))
    want = [turn.to_input(line.box) for line in upright.lines]
    matched = sum(max((line.box.iou(w) for line in turned.lines), default=0.0) >= 0.5 for w in want)
    in_page = all(
        0 <= ln.box.x0 <= ln.box.x1 <= turned.width and 0 <= ln.box.y0 <= ln.box.y1 <= turned.height
        for ln in turned.lines
    )
    same_text = "".join(upright.text.split()) == "".join(turned.text.split())
    return {"matched": matched, "lines": len(want), "in_page": in_page, "same_text": same_text}


def truth_of(data: Path, kind: str, path: Path) -> dict[str, Any]:
    """The page's true field values: the SROIE key of a receipt, a form's common-label answers (may be empty)."""
    if kind == "receipt":
        return json.loads((data / "sroie" / "key" / f"{path.stem}.json").read_text())
    annotation = json.loads((data / "funsd" / "annotations" / f"{path.stem}.json").read_text())
    return {f.field: f.truth for f in form_fields(annotation)}


def extract_fields(page: OCRPage, kind: str, truth: dict[str, Any], model: Any) -> dict[str, Any]:
    """Per field: right or not, and the field's box (original-page pixels) with its value, extracted from the
    page as `orientation="auto"` read it (the extractor `ocula.extract` runs, on this reading)."""
    from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor
    from ocula.schemas.ready import SroieReceipt

    names = list(FIELDS) if kind == "receipt" else list(truth)
    schema: Any = SroieReceipt if kind == "receipt" else build_schema(names, name="Form")
    extractor = OcrLlmExtractor(model, None, ExtractOptions(on_error="partial"))  # type: ignore[arg-type]
    result = extractor.run_on_pages([page], schema)
    value = result.value.model_dump(mode="json") if result.value is not None else {}
    if kind == "receipt":
        right = {f: field_correct(f, value.get(f), truth.get(f)) for f in names}
    else:
        right = {f: exact_match(value.get(f), truth[f]) for f in names}
    boxes = {
        f: (r.box.as_tuple(), r.value)
        for f, r in result.fields.items()
        if f in names and r.box is not None and r.value is not None
    }
    return {"right": right, "boxes": boxes, "size": [page.width, page.height]}


def _box(t: Any) -> BBox:
    return BBox(x0=t[0], y0=t[1], x1=t[2], y1=t[3])


def field_box_check(upright: dict[str, Any], turned: dict[str, Any], angle: int) -> dict[str, Any]:
    """Field boxes of the upright run, mapped through the turn, against the turned run's (same field, same
    value); whether every box of the turned run lies inside its page."""
    turn = PageTransform.rotate90((upright["size"][0], upright["size"][1]), -(angle // 90))
    both = [f for f, (_, v) in upright["boxes"].items() if f in turned["boxes"] and turned["boxes"][f][1] == v]
    matched = sum(_box(turned["boxes"][f][0]).iou(turn.to_input(_box(upright["boxes"][f][0]))) >= 0.5 for f in both)
    width, height = turned["size"]
    inside = all(0 <= b[0] <= b[2] <= width and 0 <= b[1] <= b[3] <= height for b, _ in turned["boxes"].values())
    return {"field_boxes": len(both), "field_boxes_matched": matched, "field_boxes_in_page": inside}


def run(args: argparse.Namespace) -> dict[str, Any]:
    data = Path(args.data)
    engine = get_engine("rapidocr")
    classifier = RapidOrientationClassifier()
    reader = SamePixelsOCR(engine) if args.reuse_ocr else engine  # the upright reading is timed on its first read
    upright_reader = UprightOCR(reader, "auto", classifier)
    warm = np.full((64, 64, 3), 255, np.uint8)
    engine.read(warm)
    classifier.classify(warm)
    model = None
    if args.extract:
        import ocula

        model = ocula.load_model(args.model, **({"n_threads": args.threads} if args.threads else {}))
    rows: list[dict[str, Any]] = []
    for kind, path in pages(data, args.receipts, args.forms):
        image = np.asarray(Image.open(path).convert("RGB"))
        start = time.perf_counter()
        upright = ocr_image(image, reader)
        ocr_seconds = time.perf_counter() - start
        truth = truth_of(data, kind, path) if args.extract else {}
        first: dict[str, Any] | None = None
        for angle in ANGLES:
            page = lying(image, angle)
            start = time.perf_counter()
            verdict = classifier.classify(page)
            classify_seconds = time.perf_counter() - start
            start = time.perf_counter()
            turned = ocr_image(page, upright_reader)
            auto_seconds = time.perf_counter() - start
            row = {
                "page": path.name,
                "kind": kind,
                "angle": angle,
                "classifier": verdict.angle,
                "classifier_confidence": round(verdict.confidence, 4),
                "checked": verdict.confidence < upright_reader.sure,
                "used": turned.orientation,
                "ocr_s": round(ocr_seconds, 3),
                "classify_s": round(classify_seconds, 4),
                "auto_s": round(auto_seconds, 3),
                **box_check(upright, turned, angle),
            }
            if truth:
                found = extract_fields(turned, kind, truth, model)
                first = first or found
                row["fields"] = found["right"]
                row.update(field_box_check(first, found, angle))
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
    return {
        "rows": rows,
        "summary": summarize(rows, args.reuse_ocr),
        "machine": platform.platform(),
        "python": sys.version.split()[0],
    }


def summarize(rows: list[dict[str, Any]], reused: bool = False) -> dict[str, Any]:
    def share(key: str, want: Any = True) -> float:
        return round(sum(r[key] == want for r in rows) / len(rows), 3)

    out: dict[str, Any] = {
        "turns": len(rows),
        "pages": len({r["page"] for r in rows}),
        "classifier_accuracy": round(sum(r["classifier"] == r["angle"] for r in rows) / len(rows), 3),
        "final_accuracy": round(sum(r["used"] == r["angle"] for r in rows) / len(rows), 3),
        "checked": share("checked"),
        "classify_share_of_ocr_median": round(statistics.median(r["classify_s"] / r["ocr_s"] for r in rows), 4),
        "classify_share_of_ocr_total": round(sum(r["classify_s"] for r in rows) / sum(r["ocr_s"] for r in rows), 4),
        "auto_over_plain_total": round(sum(r["auto_s"] for r in rows) / sum(r["ocr_s"] for r in rows), 3)
        if not reused
        else "not measured (--reuse-ocr)",
        "lines_matched": round(sum(r["matched"] for r in rows) / max(1, sum(r["lines"] for r in rows)), 4),
        "boxes_in_page": share("in_page"),
        "same_text": share("same_text"),
    }
    scored = [r for r in rows if "fields" in r]
    for angle in ANGLES if scored else ():
        at = [r for r in scored if r["angle"] == angle]
        for kind in ("receipt", "form"):
            of = [r for r in at if r["kind"] == kind]
            if of:
                right = sum(sum(r["fields"].values()) for r in of) / sum(len(r["fields"]) for r in of)
                out[f"{kind}_field_accuracy_{angle}"] = round(right, 3)
        right = sum(sum(r["fields"].values()) for r in at) / sum(len(r["fields"]) for r in at)
        out[f"field_accuracy_{angle}"] = round(right, 3)
    if scored:
        turned = [r for r in scored if r["angle"]]
        matched, both = sum(r["field_boxes_matched"] for r in turned), sum(r["field_boxes"] for r in turned)
        out["field_boxes_matched"] = f"{matched} / {both}"
        out["field_boxes_in_page"] = round(sum(r["field_boxes_in_page"] for r in scored) / len(scored), 3)
    return out


def table(summary: dict[str, Any]) -> str:
    lines = ["| measure | value |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in summary.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", default="../shared/data", help="the development data folder (sroie/, funsd/)")
    parser.add_argument("--receipts", type=int, default=6, help="SROIE receipts to use (the first N)")
    parser.add_argument("--forms", type=int, default=3, help="FUNSD forms to use (the first N)")
    parser.add_argument("--extract", action="store_true", help="also extract and score the fields of every page")
    parser.add_argument("--model", default=None, help="the language model for --extract (default: the bundled one)")
    parser.add_argument("--threads", type=int, default=None, help="the model's threads for --extract")
    parser.add_argument(
        "--reuse-ocr",
        action="store_true",
        help="reuse the upright reading for a page turned upright pixel for pixel (the whole development set in "
        "a quarter of the OCR time; the auto overhead is then not measured)",
    )
    parser.add_argument("--out", help="write the rows and the summary as JSON")
    args = parser.parse_args(argv)
    if not (Path(args.data) / "sroie").is_dir():
        print(f"no development data at {args.data}", file=sys.stderr)
        return 2
    write_report(run(args), args.out, lambda r: table(r["summary"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
