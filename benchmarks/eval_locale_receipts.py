"""Generated receipts in German, French, Spanish (and English): `ocula.extract(path, schema="sroie")`.

    python benchmarks/make_locale_receipts.py --out /tmp/ocula-locale-receipts
    python benchmarks/eval_locale_receipts.py --data /tmp/ocula-locale-receipts --out reports/locale_receipts.json

Runs the public API on every image of `--data/img` and scores (see locale_scoring.py) the total as a number,
the date (its digits, or its ISO reading) and the company, per language and overall, with seconds per receipt
(OCR included; one receipt is run before timing so that loading is not charged), the locale the Extraction
reports it detected ("n/a" while it reports none), the share of receipts whose detected locale is their own
(detection right; with `--given-locale` it is the locale given) and, where the field results name it, the
mechanism that chose each field. `--given-locale` passes each receipt's true locale as `locale=` (for an API that takes one).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

try:
    from benchmarks.extraction_info import MISSING, field_results, locale_of, locales_of, mechanism_of
    from benchmarks.locale_scoring import company_correct, date_correct, total_correct
except ImportError:  # run as a script
    from extraction_info import (  # type: ignore[no-redef]
        MISSING,
        field_results,
        locale_of,
        locales_of,
        mechanism_of,
    )
    from locale_scoring import company_correct, date_correct, total_correct  # type: ignore[no-redef]

FIELDS = ("total", "date", "company")


def load(data: Path, limit: int = 0, locales: list[str] | None = None) -> list[tuple[Path, dict[str, Any]]]:
    out = []
    for image in sorted((data / "img").glob("*.jpg")):
        truth = json.loads((data / "key" / f"{image.stem}.json").read_text())
        if not locales or truth["locale"] in locales:
            out.append((image, truth))
    return out[: limit or None]


def extract(image: Path, truth: dict[str, Any], args: argparse.Namespace, model: Any) -> tuple[Any, str]:
    import ocula

    options: dict[str, Any] = {"locale": truth["locale"]} if args.given_locale else {}
    try:
        return ocula.extract(image, schema="sroie", model=model, ocr=args.ocr, on_error="partial", **options), ""
    except Exception as err:  # a crash scores 0 on every field
        return None, f"{type(err).__name__}: {err}"


def score(image: Path, truth: dict[str, Any], extraction: Any) -> dict[str, Any]:
    value = getattr(extraction, "value", None)
    results = field_results(extraction)
    predicted = value.model_dump(mode="json") if value is not None else {}
    for name in FIELDS:  # a partial result: the field results hold what was chosen
        if name not in predicted and name in results:
            predicted[name] = getattr(results[name], "value", None)
    parsed = getattr(results.get("date"), "parsed", None)
    hits = {
        "total": total_correct(predicted.get("total"), truth["total"]),
        "date": date_correct(predicted.get("date"), truth["date"], truth["date_iso"], parsed),
        "company": company_correct(predicted.get("company"), truth["company"]),
    }
    return {
        "id": image.stem,
        "locale": truth["locale"],
        "layout": truth.get("layout"),
        "locale_detected": (locale_of(extraction) if extraction is not None else None) or MISSING,
        "locales_applied": (locales_of(extraction) if extraction is not None else None) or MISSING,
        "predicted": {f: predicted.get(f) for f in FIELDS},
        "truth": {f: truth[f] for f in FIELDS},
        "hits": hits,
        "mechanism": {f: (mechanism_of(results[f]) if f in results else None) or MISSING for f in FIELDS},
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r["locale"]].append(r)
    groups["all"] = rows
    out = {}
    for name, items in groups.items():
        n = len(items)
        detected = Counter(r["locale_detected"] for r in items)
        out[name] = {
            "n": n,
            **{f: sum(r["hits"][f] for r in items) / n for f in FIELDS},
            "locale_detected": dict(detected.most_common()),
            "locale_right": sum(r["locale_detected"] == r["locale"] for r in items) / n,
        }
    mechanisms: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "right": 0})
    for r in rows:
        for f in FIELDS:
            m = mechanisms[f"{f}:{r['mechanism'][f]}"]
            m["n"] += 1
            m["right"] += r["hits"][f]
    return {"per_locale": out, "per_mechanism": dict(sorted(mechanisms.items()))}


def run(args: argparse.Namespace) -> dict[str, Any]:
    import ocula

    receipts = load(Path(args.data), args.limit, args.locales.split(",") if args.locales else None)
    model = ocula.load_model(args.model, **({"n_threads": args.threads} if args.threads else {}))
    warm = time.perf_counter()
    if receipts:
        extract(*receipts[0], args, model)
    warm_up = time.perf_counter() - warm
    rows, seconds, errors = [], [], {}
    for image, truth in receipts:
        start = time.perf_counter()
        extraction, error = extract(image, truth, args, model)
        seconds.append(time.perf_counter() - start)
        row = score(image, truth, extraction)
        row["seconds"] = seconds[-1]
        if error:
            errors[image.stem] = error
        rows.append(row)
        marks = " ".join(f"{f}={'ok' if row['hits'][f] else row['predicted'][f]!r}" for f in FIELDS)
        print(f"{image.stem} {marks} {seconds[-1]:.2f}s {error}", file=sys.stderr)
    return {
        "data": str(args.data),
        "model": args.model or "default",
        "ocr": args.ocr,
        "given_locale": args.given_locale,
        "receipts": len(rows),
        **summarise(rows),
        "seconds_median": statistics.median(seconds) if seconds else None,
        "warm_up_seconds": warm_up,
        "errors": errors,
        "rows": rows,
    }


def markdown(report: dict[str, Any]) -> str:
    out = [
        f"Receipts: {report['receipts']}; model {report['model']}, OCR {report['ocr']}; "
        f"median {report['seconds_median'] or 0:.2f} s per receipt (OCR included).",
        "",
        "| locale | receipts | total right | date right | company right | locale detected | detection right |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in report["per_locale"].items():
        detected = ", ".join(f"{k} {v}" for k, v in s["locale_detected"].items())
        bold = "**" if name == "all" else ""
        scores = f"{s['total']:.2f} | {s['date']:.2f} | {s['company']:.2f}"
        out.append(f"| {bold}{name}{bold} | {s['n']} | {scores} | {detected} | {s['locale_right']:.2f} |")
    out += ["", "| field:mechanism | fields | right |", "|---|---|---|"]
    for key, m in report["per_mechanism"].items():
        out.append(f"| {key} | {m['n']} | {m['right']} |")
    if report["errors"]:
        out += ["", f"{len(report['errors'])} receipts raised: {sorted(report['errors'])[:5]}"]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="/tmp/ocula-locale-receipts", help="make_locale_receipts.py's output")
    parser.add_argument("--model", default=None, help="model name for ocula.extract (default: Ocula's default)")
    parser.add_argument("--ocr", default="rapidocr", help="OCR engine for ocula.extract")
    parser.add_argument("--threads", type=int, default=0, help="llama.cpp threads (0: the model's default)")
    parser.add_argument("--locales", default="", help="only these locales, e.g. de,fr")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--given-locale", action="store_true", help="pass each receipt's locale as locale=")
    parser.add_argument("--out", default="reports/locale_receipts.json")
    args = parser.parse_args(argv)
    report = run(args)
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, default=str, ensure_ascii=False))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
