"""Forms with the user's own schema: FUNSD forms, one schema per form, through the public `ocula.extract` API.

    python benchmarks/eval_forms.py --data ../shared/data/funsd --out reports/forms.json
    python benchmarks/eval_forms.py --cache /tmp/ocr-cache-forms ...   # OCR each form once, reuse it after
    python benchmarks/eval_forms.py --exclude-regions header,footer ...  # the layout model's headers/footers left out

For each form, the annotated question -> answer links whose question is a common label (To, From, Date,
Company, Fax, Phone, Subject, CC, Division, Region, Brand, Manufacturer and their obvious variants, see
`form_scoring.LABELS`), each asked once on the form, become a schema of `str | None` fields with plain
descriptions; the answer text is the truth. Scores (see form_scoring.py): exact match (upper case, white space
ignored, punctuation stripped at the ends) and token F1, per label and overall; seconds per form (OCR
included; the first form is run once before timing so that loading the model and OCR is not charged to it);
which mechanism chose each field when the field results say so ("n/a" otherwise). Forms with no such field
are not run. `--layout on|off` and `--exclude-regions` are `ocula.extract`'s `layout` and `exclude_regions` (the
flat form schema runs no layout model by default; regions to exclude turn it on); the OCR cache holds the OCR
alone, the layout model runs on each form.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

try:
    from benchmarks.extraction_info import MISSING, field_results, mechanism_of
    from benchmarks.form_scoring import LABELS, FormField, build_schema, exact_match, form_fields, token_f1
except ImportError:  # run as a script
    from extraction_info import MISSING, field_results, mechanism_of  # type: ignore[no-redef]
    from form_scoring import LABELS, FormField, build_schema, exact_match, form_fields, token_f1  # type: ignore[no-redef]


def load_forms(data: Path, limit: int = 0) -> tuple[int, list[tuple[str, Path, list[FormField]]]]:
    """(forms read, the forms with at least one field: stem, image, fields); `limit` caps the forms read."""
    annotations = sorted((data / "annotations").glob("*.json"))[: limit or None]
    forms = []
    for path in annotations:
        fields = form_fields(json.loads(path.read_text()))
        image = data / "images" / f"{path.stem}.png"
        if fields and image.exists():
            forms.append((path.stem, image, fields))
    return len(annotations), forms


def predictions(extraction: Any, names: list[str]) -> dict[str, Any]:
    """Each field's predicted value: from the validated object, else (a partial result) its field results."""
    value = getattr(extraction, "value", None)
    if value is not None:
        dumped = value.model_dump(mode="json")
        return {n: dumped.get(n) for n in names}
    fields = field_results(extraction)
    return {n: getattr(fields.get(n), "value", None) for n in names}


class CachedOCR:
    """An OCR engine that reads a form's pages from `folder` (`<stem>-<page>.json`) when they were read before,
    and OCRs and stores them otherwise; `stem` names the form being read."""

    def __init__(self, engine: Any, folder: Path) -> None:
        self.engine = engine
        self.name = getattr(engine, "name", "ocr")
        self.folder = folder
        self.stem = ""

    def __getattr__(self, name: str) -> Any:  # anything else the extractor asks of the engine
        return getattr(self.engine, name)

    def read(self, image: Any, page: int = 0) -> Any:
        from ocula.schemas import OCRPage

        path = self.folder / f"{self.stem}-{page}.json"
        if path.exists():
            return OCRPage.model_validate_json(path.read_text())
        result = self.engine.read(image, page)
        self.folder.mkdir(parents=True, exist_ok=True)
        path.write_text(result.model_dump_json())
        return result


_CACHED: dict[tuple[Any, ...], CachedOCR] = {}


def use_ocr_cache(folder: Path) -> None:
    """Make `ocula.extract` read its OCR through `CachedOCR` (the extraction itself is untouched)."""
    import ocula.api

    original = ocula.api.ocr_engine

    def cached_engine(*args: Any, **kwargs: Any) -> CachedOCR:
        key = (args, tuple(sorted(kwargs.items())))
        if key not in _CACHED:
            _CACHED[key] = CachedOCR(original(*args, **kwargs), folder)
        return _CACHED[key]

    ocula.api.ocr_engine = cached_engine  # type: ignore[assignment]


LAYOUT = {"auto": None, "on": True, "off": False}  # --layout -> ocula.extract(layout=...)


def region_names(text: str) -> list[str]:
    """--exclude-regions: comma-separated region labels, checked as `ocula.extract` checks them."""
    from ocula.pipelines.ocr.regions import check_labels

    try:
        return list(check_labels([name for name in text.split(",") if name.strip()]))
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def extract_form(image: Path, fields: list[FormField], args: argparse.Namespace, model: Any) -> tuple[Any, str]:
    import ocula

    schema = build_schema(fields, name="Form")
    for cached in _CACHED.values():
        cached.stem = image.stem
    try:
        options = {"layout": LAYOUT[args.layout], "exclude_regions": args.exclude_regions}
        return ocula.extract(image, schema=schema, model=model, ocr=args.ocr, on_error="partial", **options), ""
    except Exception as err:  # a crash is a result too: every field of the form scores 0
        return None, f"{type(err).__name__}: {err}"


def score_form(stem: str, fields: list[FormField], extraction: Any) -> list[dict[str, Any]]:
    names = [f.field for f in fields]
    predicted = predictions(extraction, names) if extraction is not None else dict.fromkeys(names)
    results = field_results(extraction)
    rows = []
    for f in fields:
        fr = results.get(f.field)
        source = getattr(fr, "source", None)
        rows.append(
            {
                "form": stem,
                "field": f.field,
                "question": f.question,
                "truth": f.truth,
                "predicted": predicted[f.field],
                "exact": exact_match(predicted[f.field], f.truth),
                "f1": token_f1(predicted[f.field], f.truth),
                "mechanism": mechanism_of(fr) if fr is not None else None,
                "confidence": getattr(fr, "confidence", None),
                "rule": getattr(fr, "rule", None),
                "kind": getattr(fr, "kind", None),
                "probability": getattr(fr, "probability", None),
                "ocr_confidence": getattr(fr, "ocr_confidence", None),
                "well_formed": getattr(fr, "well_formed", None),
                "source_kind": getattr(source, "kind", None),
            }
        )
    return rows


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def block(items: list[dict[str, Any]]) -> dict[str, Any]:
        n = len(items)
        return {
            "n": n,
            "exact": sum(r["exact"] for r in items) / n if n else 0.0,
            "f1": sum(r["f1"] for r in items) / n if n else 0.0,
        }

    by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_mechanism: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_label[r["field"]].append(r)
        by_mechanism[r["mechanism"] or MISSING].append(r)
    order = [label.field for label in LABELS]
    return {
        "overall": block(rows),
        "per_label": {k: block(by_label[k]) for k in order if k in by_label},
        "per_mechanism": {k: block(v) for k, v in sorted(by_mechanism.items())},
        "none_predicted": sum(r["predicted"] is None for r in rows),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    import ocula

    if args.cache:
        use_ocr_cache(Path(args.cache) if args.ocr == "rapidocr" else Path(f"{args.cache}-{args.ocr}"))
    read, forms = load_forms(Path(args.data), args.limit)
    n_fields = sum(len(f) for _, _, f in forms)
    print(f"{read} forms read, {len(forms)} with fields, {n_fields} fields", file=sys.stderr)
    model = ocula.load_model(args.model, **({"n_threads": args.threads} if args.threads else {}))
    warm_start = time.perf_counter()
    if forms:
        extract_form(forms[0][1], forms[0][2], args, model)  # loads OCR weights, compiles, fills caches
    warm_up = time.perf_counter() - warm_start
    rows, seconds, errors = [], [], {}
    for stem, image, fields in forms:
        start = time.perf_counter()
        extraction, error = extract_form(image, fields, args, model)
        seconds.append(time.perf_counter() - start)
        if error:
            errors[stem] = error
        form_rows = score_form(stem, fields, extraction)
        rows.extend(form_rows)
        hits = sum(r["exact"] for r in form_rows)
        print(f"{stem} {hits}/{len(form_rows)} exact {seconds[-1]:.2f}s {error}", file=sys.stderr)
    return {
        "data": str(args.data),
        "model": args.model or "default",
        "ocr": args.ocr,
        "layout": args.layout,
        "exclude_regions": args.exclude_regions,
        "forms_read": read,
        "forms": len(forms),
        "fields": len(rows),
        **summarise(rows),
        "seconds_per_form_median": statistics.median(seconds) if seconds else None,
        "seconds_per_form_mean": statistics.mean(seconds) if seconds else None,
        "warm_up_seconds": warm_up,
        "errors": errors,
        "rows": rows,
    }


def markdown(report: dict[str, Any]) -> str:
    o = report["overall"]
    out = [
        f"Forms: {report['forms']} of {report['forms_read']} read carry fields; {report['fields']} fields; "
        f"model {report['model']}, OCR {report['ocr']}, layout {report['layout']}"
        + (f", regions excluded: {','.join(report['exclude_regions'])}." if report["exclude_regions"] else "."),
        "",
        "| label | fields | exact | token F1 |",
        "|---|---|---|---|",
    ]
    for label, b in report["per_label"].items():
        out.append(f"| {label} | {b['n']} | {b['exact']:.2f} | {b['f1']:.2f} |")
    out.append(f"| **overall** | {o['n']} | **{o['exact']:.2f}** | **{o['f1']:.2f}** |")
    out += ["", "| mechanism | fields | exact | token F1 |", "|---|---|---|---|"]
    for mech, b in report["per_mechanism"].items():
        out.append(f"| {mech} | {b['n']} | {b['exact']:.2f} | {b['f1']:.2f} |")
    median = report["seconds_per_form_median"]
    out += [
        "",
        f"None predicted for {report['none_predicted']} fields; {len(report['errors'])} forms raised. "
        f"Seconds per form (OCR included): median {median or 0:.2f}, mean {report['seconds_per_form_mean'] or 0:.2f} "
        f"(warm-up {report['warm_up_seconds']:.1f} s apart).",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data/funsd", help="FUNSD folder with annotations/ and images/")
    parser.add_argument("--model", default=None, help="model name for ocula.extract (default: Ocula's default)")
    parser.add_argument("--ocr", default="rapidocr", help="OCR engine for ocula.extract")
    parser.add_argument("--threads", type=int, default=0, help="llama.cpp threads (0: the model's default)")
    parser.add_argument("--cache", default=None, help="folder where each form's OCR is kept and reused (optional)")
    parser.add_argument("--limit", type=int, default=0, help="read only the first N annotated forms")
    parser.add_argument("--layout", choices=tuple(LAYOUT), default="auto", help="the layout model with the OCR")
    parser.add_argument(
        "--exclude-regions", type=region_names, default=[], help="layout regions left out, e.g. header,footer"
    )
    parser.add_argument("--out", default="reports/forms.json")
    args = parser.parse_args(argv)
    if args.exclude_regions and args.layout == "off":
        parser.error("--exclude-regions needs the layout model: leave out --layout off")
    report = run(args)
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, default=str))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
