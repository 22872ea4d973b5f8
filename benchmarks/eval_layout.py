"""Layout regions of the development PDFs and forms with the bundled layout model (what `ocula detect` does offline).

    python benchmarks/eval_layout.py --data ../shared/data --forms 10 --overlay reports/layout --out reports/layout.json

There is no layout ground truth in the development data: the script reports, per document set, how many regions of
each label were found and the seconds per page (the model and its pre- and post-processing; page rendering apart),
and writes an overlay PNG per page to look at (`--overlay`). The pdfplumber PDFs are mostly tables.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ocula.adapters.io import load_document
from ocula.pipelines.detect.layout import LayoutDetector

try:
    from benchmarks.reports import write_report
except ImportError:  # run as a script: this folder is on sys.path
    from reports import write_report  # type: ignore[no-redef]


def documents(data: Path, forms: int) -> list[tuple[str, Path]]:
    pdfs = [("pdf", p) for p in sorted((data / "pdfs").glob("*.pdf"))]
    return pdfs + [("form", p) for p in sorted((data / "funsd" / "images").glob("*.png"))[:forms]]


def run(args: argparse.Namespace) -> dict[str, Any]:
    detector = LayoutDetector()
    overlay = Path(args.overlay) if args.overlay else None
    rows: list[dict[str, Any]] = []
    max_pages = args.max_pages
    for kind, path in documents(Path(args.data), args.forms):
        document = load_document(path)
        for page in document.pages():
            if page.index >= max_pages:
                break
            start = time.perf_counter()
            found = detector.detect_image(page.image, page=page.index, source=str(path))
            seconds = time.perf_counter() - start
            if overlay is not None:
                from ocula.pipelines.overlay.draw import draw, save_png

                save_png(draw(page.image, found), overlay / f"{path.stem}-p{page.index + 1}.png")
            row = {
                "set": kind,
                "document": path.name,
                "page": page.index + 1,
                "seconds": round(seconds, 3),
                "labels": dict(Counter(d.label for d in found)),
                "regions": [
                    [d.label, round(d.confidence or 0, 3), [round(v) for v in d.box.as_tuple()]] for d in found
                ],
            }
            rows.append(row)
            print(json.dumps({k: v for k, v in row.items() if k != "regions"}), file=sys.stderr)
    return {"rows": rows, "summary": summarize(rows)}


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in sorted({r["set"] for r in rows}):
        at = [r for r in rows if r["set"] == kind]
        counts: Counter[str] = Counter()
        for r in at:
            counts.update(r["labels"])
        out[kind] = {
            "pages": len(at),
            "seconds_per_page_median": round(statistics.median(r["seconds"] for r in at), 3),
            "regions": dict(sorted(counts.items())),
            "pages_with_a_table": sum("table" in r["labels"] for r in at),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", default="../shared/data", help="the development data folder (pdfs/, funsd/)")
    parser.add_argument("--forms", type=int, default=10, help="FUNSD forms to use (the first N)")
    parser.add_argument("--max-pages", type=int, default=5, help="pages of each PDF (the first N)")
    parser.add_argument("--overlay", help="folder for a PNG of each page with its regions drawn")
    parser.add_argument("--out", help="write the rows and the summary as JSON")
    args = parser.parse_args(argv)
    if not (Path(args.data) / "pdfs").is_dir():
        print(f"no development data at {args.data}", file=sys.stderr)
        return 2
    write_report(run(args), args.out, lambda r: json.dumps(r["summary"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
