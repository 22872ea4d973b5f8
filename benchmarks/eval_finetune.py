"""Fine-tuning gain on SROIE-format receipts, by k-fold cross-validation.

    python benchmarks/eval_finetune.py --data ../shared/data/sroie --folds 5 --work /tmp/ocula-finetune

The receipts are split into k folds (receipt i goes to fold i mod k, in sorted order). For each fold a LoRA
adapter is trained with `ocula.pipelines.finetune.runner.finetune` on the other folds only, and the held-out fold is
extracted with the adapter (llama.cpp, its GGUF LoRA) by the same default `ocr+llm` method the receipts benchmark
runs (`eval_receipts.method_grounded`); the zero-shot base model extracts the same receipts. Every receipt is
scored once, while held out. The OCR comes from the receipts benchmark's cache (`eval_receipts.ocr_pages`).
Adapters are written under `--work` (outside the repository: they are trained on research-only data).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from ocula.adapters.models.lora.train import LoraSettings
from ocula.model_cache import DEFAULT_MODEL, load_model
from ocula.pipelines.extract.ocr_llm import ExtractOptions
from ocula.pipelines.finetune.data import LabelledDocument, gold_value
from ocula.pipelines.finetune.runner import finetune
from ocula.schemas.ready import SroieReceipt

try:
    from benchmarks.eval_receipts import add_receipt_options, method_grounded, ocr_cache, ocr_pages
    from benchmarks.receipt_scoring import FIELDS, field_correct, norm_total
    from benchmarks.reports import write_report
except ImportError:  # run as a script
    from eval_receipts import add_receipt_options, method_grounded, ocr_cache, ocr_pages  # type: ignore[no-redef]
    from receipt_scoring import FIELDS, field_correct, norm_total  # type: ignore[no-redef]

    from reports import write_report  # type: ignore[no-redef]


def labelled(
    data: Path, cache: Path, limit: int, ocr: str = "rapidocr"
) -> tuple[list[LabelledDocument], dict[str, dict[str, Any]]]:
    """Every receipt as a labelled document (truth as a user would correct it: the total as a plain number)."""
    from ocula.adapters.ocr import get_engine

    engine = get_engine(ocr)
    cache = ocr_cache(cache, ocr)
    docs, truths = [], {}
    for image in sorted((data / "img").glob("*.jpg"))[: limit or None]:
        page, _ = ocr_pages(image, cache, engine)
        truth = json.loads((data / "key" / f"{image.stem}.json").read_text())
        value = {f: truth.get(f) for f in FIELDS} | {"total": norm_total(truth.get("total")) or None}
        truths[image.stem] = truth
        try:
            docs.append(LabelledDocument(image.stem, [page], gold_value(SroieReceipt, value)))
        except ValueError as err:
            print(f"{image.stem}: not a labelled example ({err})", file=sys.stderr)
    return docs, truths


def score(
    model: Any, docs: list[LabelledDocument], truths: dict[str, dict[str, Any]], **opts: Any
) -> dict[str, dict[str, bool]]:
    hits = {}
    for doc in docs:
        value, _ = method_grounded(model, doc.pages, **opts)
        hits[doc.source] = {f: field_correct(f, (value or {}).get(f), truths[doc.source][f]) for f in FIELDS}
        print(f"  {model.name} {doc.source} {sum(hits[doc.source].values())}/4", file=sys.stderr, flush=True)
    return hits


def accuracy(hits: dict[str, dict[str, bool]]) -> dict[str, float]:
    acc = {f: sum(h[f] for h in hits.values()) / len(hits) for f in FIELDS}
    return {**acc, "mean": statistics.mean(acc.values())}


def run(args: argparse.Namespace) -> dict[str, Any]:
    docs, truths = labelled(Path(args.data), Path(args.cache), args.limit, args.ocr)
    settings = LoraSettings(
        rank=args.rank,
        learning_rate=args.lr,
        epochs=args.epochs,
        grad_accum=args.grad_accum,
        layers=args.layers or None,
    )
    threads = {"n_threads": args.threads} if args.threads else {}
    opts = {"decoding": args.decoding} if args.decoding else {}
    base = load_model(args.model, **threads)
    zero_shot = score(base, docs, truths, **opts)
    tuned: dict[str, dict[str, bool]] = {}
    folds = []
    for fold in range(args.folds):
        held = [d for i, d in enumerate(docs) if i % args.folds == fold]
        train = [d for i, d in enumerate(docs) if i % args.folds != fold]
        print(f"fold {fold + 1}/{args.folds}: train {len(train)}, test {len(held)}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        result = finetune(
            train,
            SroieReceipt,
            Path(args.work) / f"fold{fold + 1}",
            base_model=args.model,
            settings=settings,
            options=ExtractOptions(**opts),
            on_step=lambda s, n, loss: print(f"  step {s}/{n} loss {loss:.4f}", file=sys.stderr, flush=True),
        )
        seconds = time.perf_counter() - start
        model = load_model(args.model, adapter=result.folder, cache=False, **threads)
        fold_hits = score(model, held, truths, **opts)
        model.close()
        tuned.update(fold_hits)
        folds.append(
            {
                "fold": fold + 1,
                "train": len(train),
                "test": len(held),
                "train_seconds": seconds,
                "examples": result.meta["examples"],
                "dropped_fields": result.meta["dropped_fields"],
                "epoch_losses": result.meta["epoch_losses"],
                "gguf": result.meta["gguf"],
                "zero_shot": accuracy({k: zero_shot[k] for k in fold_hits}),
                "fine_tuned": accuracy(fold_hits),
            }
        )
    return {
        "receipts": len(docs),
        "folds": args.folds,
        "settings": settings.as_dict(),
        "decoding": args.decoding or "default",
        "ocr": args.ocr,
        "zero_shot": accuracy(zero_shot),
        "fine_tuned": accuracy(tuned),
        "per_fold": folds,
        "rows": {k: {"zero_shot": zero_shot[k], "fine_tuned": tuned[k]} for k in tuned},
    }


def markdown(report: dict[str, Any]) -> str:
    out = [
        "| model | company | date | address | total | mean |",
        "|---|---|---|---|---|---|",
    ]
    for label, key in (("zero-shot", "zero_shot"), ("fine-tuned (k-fold)", "fine_tuned")):
        a = report[key]
        out.append(
            f"| {label} | {a['company']:.2f} | {a['date']:.2f} | {a['address']:.2f} | {a['total']:.2f} | "
            f"**{a['mean']:.2f}** |"
        )
    rows = report["rows"].values()
    changes = ", ".join(
        f"{f} +{sum(r['fine_tuned'][f] and not r['zero_shot'][f] for r in rows)}"
        f"/-{sum(r['zero_shot'][f] and not r['fine_tuned'][f] for r in rows)}"
        for f in FIELDS
    )
    out.append(f"\nFields fixed/broken by fine-tuning (receipts): {changes}.")
    seconds = [f["train_seconds"] for f in report["per_fold"]]
    out += [
        "",
        "| fold | train | test | train s | loss first -> last epoch | zero-shot mean | fine-tuned mean |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in report["per_fold"]:
        losses = f["epoch_losses"]
        out.append(
            f"| {f['fold']} | {f['examples']} | {f['test']} | {f['train_seconds']:.0f} | "
            f"{losses[0]:.3f} -> {losses[-1]:.3f} | {f['zero_shot']['mean']:.2f} | {f['fine_tuned']['mean']:.2f} |"
        )
    out.append(f"\nTraining seconds per fold: median {statistics.median(seconds):.0f}, max {max(seconds):.0f}.")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_receipt_options(parser)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--layers", type=int, default=10, help="top decoder layers adapted (0: all)")
    parser.add_argument("--grad-accum", type=int, default=2)
    parser.add_argument(
        "--decoding", default="", help="the pipeline's decoding for training and tests (default: its own)"
    )
    parser.add_argument("--work", default="/tmp/ocula-finetune", help="where fold adapters are written")
    parser.add_argument("--out", default="/tmp/ocula-finetune/report.json")
    args = parser.parse_args(argv)
    write_report(run(args), args.out, markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
