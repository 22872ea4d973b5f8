"""Receipt extraction accuracy and speed on SROIE-format data, Ocula's methods against two baselines.

    python benchmarks/eval_receipts.py --data ../shared/data/sroie --out reports/receipts.json

Every method reads the same OCR text (`--ocr`, RapidOCR by default; OCR runs once per receipt and is timed
apart) and runs on the same model. Methods:
  ranked     Ocula's default: each field's page candidates of its kind ranked by the model, then one pass
  grounded   values constrained to page text of the field's kind, one JSON pass
  json       baseline (b): plain outlines JSON-schema decoding (llguidance), no grounding
  langchain  baseline (a): LangChain PydanticOutputParser format instructions, free generation, one re-ask
Reports per-field accuracy (SROIE rules, see receipt_scoring.py), mean, valid rate, seconds per receipt
(OCR + extraction, median), the OCR ceiling (truth reachable from the OCR text, counting a second engine's
readings with `--ocr rapidocr+tesseract`) and, for grounded output,
how many extracted strings are not on the page they cite (must be 0).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ocula.adapters.models.base import GenerationRequest, Message, ModelAdapter, Sampling
from ocula.model_cache import load_model
from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor, schema_constraint
from ocula.pipelines.extract.prompt import extraction_messages
from ocula.pipelines.grounding.lines import DocLine, doc_lines, group_readings
from ocula.schemas import OCRPage
from ocula.schemas.ready import SroieReceipt

try:
    from benchmarks import floor
    from benchmarks.mechanism_report import decision, markdown_table, tally
    from benchmarks.receipt_scoring import FIELDS, field_correct, reachable
    from benchmarks.reports import write_report
except ImportError:  # run as a script
    import floor  # type: ignore[no-redef]
    from mechanism_report import decision, markdown_table, tally  # type: ignore[no-redef]
    from receipt_scoring import FIELDS, field_correct, reachable  # type: ignore[no-redef]

    from reports import write_report  # type: ignore[no-redef]

Method = Callable[[ModelAdapter, list[OCRPage]], tuple[dict[str, Any] | None, dict[str, Any]]]


def ocr_cache(cache: str | Path, ocr: str) -> Path:
    """The OCR cache folder of an engine (the default engine's is `cache` itself)."""
    return Path(cache) if ocr == "rapidocr" else Path(f"{cache}-{ocr}")


def ocr_pages(image: Path, cache: Path, engine: Any, *, full_size: bool = False) -> tuple[OCRPage, float]:
    """OCR one receipt, cached on disk (the cache stores the seconds the OCR took). The receipt is loaded as the
    pipelines load it (`ocr_working_limits`: at most the side the engine reads at), boxes in its own pixels;
    `full_size` loads it at its own pixels instead (the engine then shrinks it itself)."""
    cached = cache / f"{image.stem}.json"
    if cached.exists():
        data = json.loads(cached.read_text())
        return OCRPage.model_validate(data["page"]), data["seconds"]
    from ocula.adapters.io.loading import load_document
    from ocula.pipelines.ocr.pages import ocr_working_limits, read_page

    page = next(load_document(image, **({} if full_size else ocr_working_limits(engine))).pages())
    start = time.perf_counter()
    result = read_page(engine, page)
    seconds = time.perf_counter() - start
    cache.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps({"page": result.model_dump(mode="json"), "seconds": seconds}))
    return result, seconds


def method_grounded(model: ModelAdapter, pages: list[OCRPage], **opts: Any):
    extractor = OcrLlmExtractor(model, None, ExtractOptions(on_error="partial", **opts))  # type: ignore[arg-type]
    result = extractor.run_on_pages(pages, SroieReceipt)
    value = result.value.model_dump(mode="json") if result.value is not None else None
    off_page = 0
    lines = {(ln.id): ln for ln in doc_lines(pages)}
    for fr in result.fields.values():
        if isinstance(fr.value, str) and fr.source.kind == "ocr_lines":
            group = [lines[i] for i in fr.source.line_ids]
            if not any(fr.value in " ".join(ln.text for ln in r) for r in group_readings(group)):
                off_page += 1
        elif isinstance(fr.value, str):
            off_page += 1
    confidence = {name: fr.confidence for name, fr in result.fields.items()}
    decided = {name: decision(fr) for name, fr in result.fields.items() if name in FIELDS}
    return value, {
        "attempts": len(result.attempts),
        "off_page": off_page,
        "confidence": confidence,
        "decided": decided,
        "locales": result.locales,  # the locale packs the page was read under (detected: en+my expected)
        "timings": result.timings,
        "tokens": result.tokens,
    }


def _outlines_generator(model: ModelAdapter):
    import outlines
    from outlines.types import JsonSchema

    cache = model.__dict__.setdefault("_bench_outlines", {})
    if "gen" not in cache:
        om = outlines.from_llamacpp(model.llm, chat_mode=False)  # type: ignore[attr-defined]
        cache["gen"] = outlines.Generator(om, JsonSchema(schema_constraint(SroieReceipt).json), backend="llguidance")
    return cache["gen"]


def method_json(model: ModelAdapter, pages: list[OCRPage]):
    gen = _outlines_generator(model)
    messages = extraction_messages(SroieReceipt, doc_lines(pages))
    prompt = model.render(messages)
    text = gen(prompt, max_tokens=schema_constraint(SroieReceipt).max_tokens, temperature=0.0)
    try:
        return SroieReceipt.model_validate_json(text).model_dump(mode="json"), {}
    except ValueError:
        return None, {"raw": text[:200]}


def method_langchain(model: ModelAdapter, pages: list[OCRPage]):
    from langchain_core.exceptions import OutputParserException
    from langchain_core.output_parsers import PydanticOutputParser

    parser = PydanticOutputParser(pydantic_object=SroieReceipt)
    text = "\n".join(ln.text for ln in doc_lines(pages))
    messages = [
        Message("system", "You extract information from documents."),
        Message("user", f"{parser.get_format_instructions()}\n\nDocument:\n{text}"),
    ]
    for attempt in range(2):
        gen = model.generate(GenerationRequest(messages, None, Sampling(max_new_tokens=200)))
        try:
            return parser.parse(gen.text).model_dump(mode="json"), {"attempts": attempt + 1}
        except OutputParserException as err:
            messages = [
                *messages,
                Message("assistant", gen.text),
                Message("user", f"That output failed to parse: {str(err)[:300]}\nAnswer again, only the JSON."),
            ]
    return None, {"attempts": 2}


def method_ranked(model: ModelAdapter, pages: list[OCRPage]):
    return method_grounded(model, pages, decoding="ranked")


def method_grounded_json(model: ModelAdapter, pages: list[OCRPage]):
    return method_grounded(model, pages, decoding="json")


METHODS: dict[str, Method] = {
    "ranked": method_ranked,
    "grounded": method_grounded_json,
    "json": method_json,
    "langchain": method_langchain,
}


def _reachable(field: str, truth: Any, lines: list[DocLine]) -> bool:
    """The truth is spelled by the page text as the first engine read it, or (text fields) as read with every
    line's alternative: the readings extraction's candidates are made of."""
    readings = group_readings(lines) if field in ("company", "address") else [lines]
    return any(reachable(field, truth, [ln.text for ln in r]) for r in readings)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ocula.adapters.ocr import get_engine

    data = Path(args.data)
    images = sorted((data / "img").glob("*.jpg"))[: args.limit or None]
    engine = get_engine(args.ocr)
    cache = ocr_cache(args.cache, args.ocr)
    receipts = []
    for image in images:
        page, seconds = ocr_pages(image, cache, engine, full_size=args.full_size)
        truth = json.loads((data / "key" / f"{image.stem}.json").read_text())
        receipts.append((image.stem, [page], seconds, truth))
    ocr_seconds = [r[2] for r in receipts]
    lines = [doc_lines(p) for _, p, _, _ in receipts]
    ceiling = {
        f: sum(_reachable(f, r[3][f], ls) for r, ls in zip(receipts, lines, strict=True)) / len(receipts)
        for f in FIELDS
    }
    report: dict[str, Any] = {
        "receipts": len(receipts),
        "ocr": args.ocr,
        "ocr_seconds_median": statistics.median(ocr_seconds),
        "ceiling": {**ceiling, "mean": statistics.mean(ceiling.values())},
        "runs": [],
    }
    methods = [m for m in args.methods.split(",") if m]  # none: OCR and ceiling only
    for model_name in args.models.split(",") if methods else []:
        model = load_model(model_name, **({"n_threads": args.threads} if args.threads else {}))
        # warm up: compile and prompt cache, so the first receipt is not charged for loading
        method_grounded(model, receipts[0][1])
        prompts = [extraction_messages(SroieReceipt, ls) for ls in lines]
        rates = floor.measure_rates(model, prompts[:3]) if hasattr(model, "tokenize") else None
        report["rates"] = floor.rates_dict(rates) if rates else None
        for method_name in methods:
            method = METHODS[method_name]
            correct = dict.fromkeys(FIELDS, 0)
            valid = 0
            seconds, extra_total, rows = [], {"off_page": 0}, []
            for (stem, pages, ocr_s, truth), messages in zip(receipts, prompts, strict=True):
                start = time.perf_counter()
                value, extra = method(model, pages)
                took = time.perf_counter() - start
                seconds.append(took + ocr_s)
                if "timings" in extra:
                    extra["timings"] = {**extra["timings"], "ocr": ocr_s}
                if rates is not None:
                    prompt_n = floor.prompt_tokens(model, messages)
                    values_n = floor.value_tokens(model, value)
                    extra["floor"] = floor.floor_seconds(ocr_s, prompt_n, values_n, rates)
                    extra["floor_ratio"] = (took + ocr_s) / extra["floor"]
                    extra["prompt_tokens"], extra["value_tokens"] = prompt_n, values_n
                valid += value is not None
                hits = {f: field_correct(f, (value or {}).get(f), truth[f]) for f in FIELDS}
                for f in FIELDS:
                    correct[f] += hits[f]
                extra_total["off_page"] += extra.get("off_page", 0)
                rows.append({"id": stem, "value": value, "hits": hits, "seconds": took, **extra})
                split = floor.split_line(extra["timings"], extra.get("tokens", {})) if "timings" in extra else ""
                ratio = f" floor {extra['floor']:.2f}s x{extra['floor_ratio']:.2f}" if "floor" in extra else ""
                print(
                    f"{model_name} {method_name} {stem} {sum(hits.values())}/4 {took:.2f}s{ratio} {split}",
                    file=sys.stderr,
                )
            n = len(receipts)
            acc = {f: correct[f] / n for f in FIELDS}
            report["runs"].append(
                {
                    "model": model_name,
                    "method": method_name,
                    "accuracy": acc,
                    "mean": statistics.mean(acc.values()),
                    "valid_rate": valid / n,
                    "seconds_median": statistics.median(seconds),
                    "seconds_mean": statistics.mean(seconds),
                    "off_page_strings": extra_total["off_page"],
                    "per_mechanism": tally((r["decided"][f], r["hits"][f]) for r in rows for f in r.get("decided", {})),
                    "split": floor.median_split(rows),
                    "floor_median": statistics.median(r["floor"] for r in rows) if rates else None,
                    "floor_ratio_median": statistics.median(r["floor_ratio"] for r in rows) if rates else None,
                    "rows": rows,
                }
            )
    return report


def markdown(report: dict[str, Any]) -> str:
    out = [
        f"Receipts: {report['receipts']}; OCR ({report.get('ocr', 'rapidocr')}) median "
        f"{report['ocr_seconds_median']:.2f} s per receipt.",
        "",
        "| model | method | company | date | address | total | mean | valid | s/receipt (median) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["runs"]:
        a = r["accuracy"]
        out.append(
            f"| {r['model']} | {r['method']} | {a['company']:.2f} | {a['date']:.2f} | {a['address']:.2f} | "
            f"{a['total']:.2f} | **{r['mean']:.2f}** | {r['valid_rate']:.2f} | {r['seconds_median']:.2f} |"
        )
    for r in report["runs"]:
        if r.get("per_mechanism"):
            title = f"What decided each field ({r['model']}, {r['method']}):"
            out += ["", title, "", *markdown_table(r["per_mechanism"])]
    if report["runs"]:
        out += floor.split_table(report["runs"], report.get("rates"))
    c = report["ceiling"]
    out += [
        "",
        f"OCR ceiling (truth reachable from the OCR text): company {c['company']:.2f}, date {c['date']:.2f}, "
        f"address {c['address']:.2f}, total {c['total']:.2f}, mean {c['mean']:.2f}.",
    ]
    return "\n".join(out)


def add_receipt_options(parser: argparse.ArgumentParser) -> None:
    """The options every receipt benchmark takes: the data, its OCR (engine and cache), llama.cpp threads."""
    parser.add_argument("--data", required=True, help="SROIE-format folder with img/ and key/")
    parser.add_argument("--ocr", default="rapidocr", help="OCR engine, e.g. rapidocr+tesseract")
    parser.add_argument("--threads", type=int, default=0, help="llama.cpp threads (0: all cores)")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument(
        "--cache",
        default="/tmp/ocula-bench-ocr",
        help="where OCR results are cached (shared by the receipt benchmarks)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_receipt_options(parser)
    parser.add_argument("--models", default="smollm2-135m")
    parser.add_argument("--methods", default="ranked,grounded,json,langchain")
    parser.add_argument("--out", default="reports/receipts.json")
    parser.add_argument(
        "--full-size",
        action="store_true",
        help="OCR each receipt loaded at its own pixels, not at the side the engine reads (use a separate --cache)",
    )
    args = parser.parse_args(argv)
    write_report(run(args), args.out, markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
