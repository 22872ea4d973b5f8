"""RapidOCR's own settings against line recall and CPU time on the development receipts, in one run.

    python benchmarks/tune_rapidocr.py --data /work/shared/data/sroie --out reports/rapidocr-tuning.json

Each setting is a `RapidOCREngine` built with `--threads` ONNX Runtime threads (1 by default) and the options
of one `--setting NAME:key=value,key=value` (keys of `RapidOCREngine`, e.g. `det_limit_side_len=640`, or
RapidOCR config keys such as `Rec.rec_batch_num=12`, which go through its `params`); `default` (today's
settings) is always measured, first. Every receipt is read by every setting in turn before the next receipt, so the
machine's load falls alike on all of them. Per setting: line recall and precision against `box/NNN.csv` (IoU
>= 0.5, as `eval_ocr.py`), lines read, and the CPU time of the reading (`time.process_time`: on a loaded
machine wall time says little) with its ratio to `default`'s; how many receipts it reads exactly as `default` (same lines, texts and boxes:
the extraction then cannot change). Each reading is also written to stderr as a JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from ocula.adapters.ocr.rapid import RapidOCREngine
from ocula.pipelines.ocr.pages import ocr_image

try:
    from benchmarks.eval_ocr import line_boxes, read_rgb, sroie_items, warm_up
    from benchmarks.ocr_metrics import PageScore, score_page, summarize
except ImportError:  # run as a script: this folder is on sys.path
    from eval_ocr import line_boxes, read_rgb, sroie_items, warm_up  # type: ignore[no-redef]
    from ocr_metrics import PageScore, score_page, summarize  # type: ignore[no-redef]

ENGINE_OPTIONS = frozenset(RapidOCREngine.__init__.__kwdefaults__ or {})


def parse_value(text: str) -> Any:
    """`640` -> 640, `0.4` -> 0.4, `true`/`false` -> bool, anything else the string itself."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip()


def parse_setting(spec: str) -> tuple[str, dict[str, Any]]:
    """`NAME:key=value,key=value` -> (NAME, options); a key that is not an engine option goes to `params`."""
    name, _, body = spec.partition(":")
    options: dict[str, Any] = {}
    params: dict[str, Any] = {}
    for pair in filter(None, body.split(",")):
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"setting {spec!r}: expected key=value, got {pair!r}")
        target = options if key.strip() in ENGINE_OPTIONS else params
        target[key.strip()] = parse_value(value)
    if params:
        options["params"] = params
    return name.strip(), options


def tune(
    data: Path, settings: dict[str, dict[str, Any]], threads: int, limit: int | None, skip: int = 0
) -> dict[str, Any]:
    engines = {name: RapidOCREngine(threads=threads, **options) for name, options in settings.items()}
    for engine in engines.values():
        warm_up(engine)  # load the models: not charged to a page
    items = list(sroie_items(data))[skip:][:limit]
    scores: dict[str, list[PageScore]] = {name: [] for name in engines}
    cpu: dict[str, float] = dict.fromkeys(engines, 0.0)
    lines: dict[str, int] = dict.fromkeys(engines, 0)
    same: dict[str, int] = dict.fromkeys(engines, 0)  # receipts read exactly as `default` reads them
    for n, (item_id, path, truth) in enumerate(items, start=1):
        image = read_rgb(path)
        reference = None
        for name, engine in engines.items():
            start = time.process_time()
            page = ocr_image(image, engine)
            seconds = time.process_time() - start
            cpu[name] += seconds
            score = score_page(line_boxes(page), truth)
            scores[name].append(score)
            lines[name] += len(page.lines)
            reading = [(ln.text, ln.box.as_tuple()) for ln in page.lines]
            reference = reading if reference is None else reference
            same[name] += reading == reference
            row = {"id": item_id, "setting": name, "matched": score.matched, "gt": score.n_gt, "pred": score.n_pred}
            print(json.dumps(row | {"cpu_s": round(seconds, 3), "same": reading == reference}), file=sys.stderr)
        print(f"{n}/{len(items)} {item_id}", file=sys.stderr)
    base = cpu.get("default") or 1.0
    return {
        "data": str(data),
        "threads": threads,
        "pages": len(items),
        "settings": settings,
        "results": [
            {
                "setting": name,
                **summarize(scores[name]),
                "lines": lines[name],
                "same_as_default": same[name],
                "cpu_seconds": round(cpu[name], 2),
                "cpu_ratio": round(cpu[name] / base, 3),
            }
            for name in engines
        ],
    }


def markdown(report: dict[str, Any]) -> str:
    out = [
        "| setting | options | line recall | line precision | lines | read as default | CPU s | CPU ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in report["results"]:
        options = report["settings"][r["setting"]]
        shown = {k: v for k, v in options.items() if k != "params"} | options.get("params", {})
        text = ", ".join(f"{k}={v}" for k, v in shown.items()) or "today's"
        out.append(
            f"| {r['setting']} | {text} | {r['recall']:.3f} | {r['precision']:.3f} | {r['lines']} | "
            f"{r['same_as_default']}/{r['pages']} | "
            f"{r['cpu_seconds']:.1f} | {r['cpu_ratio']:.2f} |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="SROIE-format folder with img/ and box/")
    parser.add_argument("--setting", action="append", default=[], help="NAME:key=value,... (repeatable)")
    parser.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads per engine")
    parser.add_argument("--limit", type=int, default=None, help="at most this many receipts")
    parser.add_argument("--skip", type=int, default=0, help="skip the first N receipts (to split a run)")
    parser.add_argument("--out", type=Path, default=Path("reports/rapidocr-tuning.json"))
    args = parser.parse_args(argv)
    settings: dict[str, dict[str, Any]] = {"default": {}}
    for spec in args.setting:
        name, options = parse_setting(spec)
        settings[name] = options
    report = tune(args.data, settings, args.threads, args.limit, args.skip)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
