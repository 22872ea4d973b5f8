"""Growth with length: seconds per page against OCR lines per page, with the fitted slope.

    python benchmarks/bench_length.py --data /work/shared/data --threads 1 --out reports/length.json

Pages: the development receipts (`sroie/img`), forms (`funsd/images`), every page of the PDFs (`pdfs/`,
rendered at 150 dpi) and long receipts made by stacking two receipts one above the other (receipt k on
receipt k+1, the narrower one padded with white). Every page goes through the batch worker's own two stages
(`PipelineExtract.read`: load and OCR; `decode`: the default extraction) with the same schema (`--schema`,
default `sroie`), one page at a time, in this one process: one worker. Reports, per page, its OCR lines,
OCR seconds and extraction seconds; the least-squares line of seconds against lines (whole page, and the
extraction alone, since OCR grows with pixels rather than lines), the cost it predicts for a 30-line and a
100-line page and their ratio; and the process's peak resident memory (the peak of one worker: the model, the
OCR engine and one page in hand). `--limit N` takes the first N pages of each kind (a quick check).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

KINDS = ("receipts", "forms", "pdf", "stacked")


def stack(top: Path, bottom: Path) -> Image.Image:
    """Two images one above the other, on white, left-aligned."""
    a, b = Image.open(top).convert("RGB"), Image.open(bottom).convert("RGB")
    page = Image.new("RGB", (max(a.width, b.width), a.height + b.height), "white")
    page.paste(a, (0, 0))
    page.paste(b, (0, a.height))
    return page


def pages_of(data: Path, kinds: Sequence[str], limit: int, folder: Path) -> list[tuple[str, Path]]:
    """(kind, image file) of every page measured; PDF pages and stacked receipts are written into `folder`."""
    receipts = sorted((data / "sroie" / "img").glob("*.jpg"))
    out: list[tuple[str, Path]] = []
    if "receipts" in kinds:
        out += [("receipts", p) for p in receipts[: limit or None]]
    if "forms" in kinds:
        out += [("forms", p) for p in sorted((data / "funsd" / "images").glob("*.png"))[: limit or None]]
    if "pdf" in kinds:
        from ocula.adapters.io.loading import load_document

        rendered: list[tuple[str, Path]] = []
        for pdf in sorted((data / "pdfs").glob("*.pdf")):
            for page in load_document(pdf, dpi=150).pages():
                if limit and len(rendered) >= limit:
                    break
                path = folder / f"{pdf.stem}-p{page.index + 1}.png"
                Image.fromarray(np.asarray(page.image)).save(path)
                rendered.append(("pdf", path))
        out += rendered
    if "stacked" in kinds:
        pairs = list(zip(receipts[::2], receipts[1::2], strict=False))[: limit or None]
        for top, bottom in pairs:
            path = folder / f"{top.stem}+{bottom.stem}.png"
            stack(top, bottom).save(path)
            out.append(("stacked", path))
    return out


def fit(xs: Sequence[float], ys: Sequence[float]) -> dict[str, float] | None:
    """Least-squares line y = intercept + slope * x, and what it predicts at 30 and 100 lines."""
    if len(set(xs)) < 2:
        return None
    slope, intercept = np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)
    at30, at100 = intercept + 30 * slope, intercept + 100 * slope
    return {
        "slope_s_per_line": round(float(slope), 5),
        "intercept_s": round(float(intercept), 4),
        "at_30_lines_s": round(float(at30), 3),
        "at_100_lines_s": round(float(at100), 3),
        "ratio_100_to_30": round(float(at100 / at30), 3) if at30 > 0 else float("nan"),
    }


def forget_prompt(extractor: Any) -> None:
    """Drop the model's prompt cache (llama.cpp), so no page is measured with its own prompt already cached."""
    llm = getattr(extractor._state["extractor"].model, "llm", None)
    if llm is not None and hasattr(llm, "n_tokens"):
        llm.n_tokens = 0


def peak_memory_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_page_peak() -> bool:
    """Start a new resident-memory high-water mark (Linux: 5 into /proc/self/clear_refs); False if unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def page_peak_mb() -> float | None:
    """The resident-memory high-water mark since `reset_page_peak` (VmHWM), or None where /proc has none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


BANDS = ((20, 40), (90, 110))  # pages "about 30 lines" and "about 100 lines", measured rather than fitted
FIT_MAX_LINES = 250  # the fit again without the few very long pages (a 1,300-line table) that lever it


def band_medians(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Median seconds of the pages in each band of BANDS and the second band's over the first's."""
    out: dict[str, Any] = {}
    for lo, hi in BANDS:
        inside = [r["seconds"] for r in rows if lo <= r["lines"] <= hi]
        out[f"{lo}-{hi}"] = {"pages": len(inside), "seconds_median": statistics.median(inside) if inside else None}
    first, last = (out[f"{lo}-{hi}"]["seconds_median"] for lo, hi in BANDS)
    out["ratio"] = round(last / first, 3) if first and last else None
    return out


def summarize(rows: Sequence[dict[str, Any]], kinds: Sequence[str]) -> dict[str, Any]:
    """Per kind, the fits (all pages, and pages up to FIT_MAX_LINES lines) and the band medians."""
    lines = [r["lines"] for r in rows]
    short = [r for r in rows if r["lines"] <= FIT_MAX_LINES]
    measured = [r for r in rows if r.get("peak_mb") is not None]
    return {
        "by_kind": {
            kind: {
                "pages": len(rs),
                "lines_median": statistics.median(r["lines"] for r in rs),
                "seconds_median": statistics.median(r["seconds"] for r in rs),
                "seconds_per_line_median": statistics.median(r["seconds"] / max(r["lines"], 1) for r in rs),
            }
            for kind in kinds
            if (rs := [r for r in rows if r["kind"] == kind])
        },
        "fit_seconds": fit(lines, [r["seconds"] for r in rows]),
        "fit_extract_seconds": fit(lines, [r["extract_s"] for r in rows]),
        f"fit_seconds_up_to_{FIT_MAX_LINES}_lines": fit([r["lines"] for r in short], [r["seconds"] for r in short]),
        "bands": band_medians(rows),
        "peak_page": max(measured, key=lambda r: r["peak_mb"])["page"] if measured else None,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ocula.model_cache import DEFAULT_MODEL, load_model
    from ocula.pipelines.batch.extract import PipelineExtract
    from ocula.schema_loader import resolve_schema

    schema = resolve_schema(args.schema)
    kinds = [k for k in args.kinds.split(",") if k]
    extractor = PipelineExtract(model=DEFAULT_MODEL, threads=args.threads or None, loader=load_model)
    extractor = extractor.for_schema(schema)  # the layout model as `ocula extract` decides it for the schema
    extractor.setup()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        pages = pages_of(Path(args.data), kinds, args.limit, Path(tmp))
        warm = extractor.read(pages[0][1])  # load and compile once: not charged to a page
        extractor.decode(warm, schema)
        forget_prompt(extractor)  # ... but the first page's prompt is not left in the cache
        for kind, path in pages:
            page_peak = reset_page_peak()  # else VmHWM is the process's peak so far, not this page's
            start = time.perf_counter()
            read = extractor.read(path)
            ocr_s = time.perf_counter() - start
            result = extractor.decode(read, schema)
            extract_s = time.perf_counter() - start - ocr_s
            lines = sum(len(p.lines) for part in read.pages for p in part)
            row = {
                "kind": kind,
                "page": path.name,
                "lines": lines,
                "ocr_s": round(ocr_s, 3),
                "extract_s": round(extract_s, 3),
                "seconds": round(ocr_s + extract_s, 3),
                "timings": result.timings,
                "tokens": result.tokens,
                "peak_mb": page_peak_mb() if page_peak else None,  # the high-water mark while this page was read
            }
            rows.append(row)
            print(json.dumps({k: row[k] for k in ("kind", "page", "lines", "ocr_s", "extract_s")}), file=sys.stderr)
    return {
        "schema": args.schema,
        "threads": args.threads,
        "pages": len(rows),
        **summarize(rows, kinds),
        "peak_memory_mb": round(peak_memory_mb(), 1),
        "rows": rows,
    }


def markdown(report: dict[str, Any]) -> str:
    out = [
        f"Pages: {report['pages']} (schema {report['schema']}, one worker); "
        f"peak memory {report['peak_memory_mb']:.0f} MB.",
        "",
        "| kind | pages | lines (median) | s/page (median) | s/line (median) |",
        "|---|---|---|---|---|",
    ]
    for kind, k in report["by_kind"].items():
        out.append(
            f"| {kind} | {k['pages']} | {k['lines_median']:.0f} | {k['seconds_median']:.2f} | "
            f"{k['seconds_per_line_median']:.3f} |"
        )
    out += [
        "",
        "| fit | slope s/line | intercept s | 30 lines s | 100 lines s | 100 / 30 |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("fit_seconds", "fit_extract_seconds", f"fit_seconds_up_to_{FIT_MAX_LINES}_lines"):
        f = report.get(name)
        if f:
            out.append(
                f"| {name.removeprefix('fit_')} | {f['slope_s_per_line']:.4f} | {f['intercept_s']:.2f} | "
                f"{f['at_30_lines_s']:.2f} | {f['at_100_lines_s']:.2f} | {f['ratio_100_to_30']:.2f} |"
            )
    bands = report.get("bands")
    if bands:
        parts = [
            f"{b} lines: {v['pages']} pages, median {v['seconds_median'] or 0:.2f} s"
            for b, v in bands.items()
            if b != "ratio"
        ]
        out += ["", f"Measured: {'; '.join(parts)}; ratio {bands['ratio']}."]
    if report.get("peak_page"):
        out.append(f"Highest memory while reading: {report['peak_page']}.")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="The development data folder (sroie, funsd, pdfs).")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"Comma-separated, of {', '.join(KINDS)}.")
    parser.add_argument("--limit", type=int, default=0, help="First N pages of each kind (0: all).")
    parser.add_argument("--schema", default="sroie")
    parser.add_argument("--threads", type=int, default=0, help="llama.cpp and OCR threads (0: the defaults).")
    parser.add_argument("--out", type=Path, default=Path("reports/length.json"))
    parser.add_argument("--summarize", type=Path, help="Print the tables of a saved report again (no pages read).")
    args = parser.parse_args(argv)
    if args.summarize:
        report = json.loads(args.summarize.read_text())
        report.update(summarize(report["rows"], list(report["by_kind"])))
        print(markdown(report))
        return 0
    if args.data is None:
        parser.error("--data is needed to measure (or --summarize a saved report)")
    report = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, default=str))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
