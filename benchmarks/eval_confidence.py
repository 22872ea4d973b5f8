"""Calibrate per-field confidence on the receipt benchmark's results; straight-through rates; reliability plot.

    python benchmarks/eval_confidence.py --report reports/receipts.json --method ranked --plot reports/reliability.png
    python benchmarks/eval_confidence.py --report reports/receipts.json --forms reports/forms.json \
        --fit schemas/calibration.toml

The second form measures the calibration the extractor applies (per mechanism and value kind, the model's
probability mapped by an isotonic fit, then shifted for a value not well formed or read with low OCR
confidence; `ocula.schemas.calibration`) on the receipts and the forms together:
whole documents are held out in each of the folds, the table is fitted on the others, and the expected
calibration error is reported per collection; `--fit` then writes the table fitted on every document.

Reads the rows `eval_receipts.py` wrote (each field's confidence and whether it was right). Calibration is
isotonic regression per field, cross-validated: each fold's fields are calibrated by a map fitted on the
other folds, and the acceptance threshold for a target precision is chosen on the other folds too, so
every figure is measured on fields that neither the map nor the threshold saw. The straight-through rate is
the share of fields accepted automatically (confidence at or above the threshold); the precision among them
is reported beside it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ocula.schemas.calibration import OCR_LOW, evidence_of

try:
    from benchmarks.calibration_fit import MIN_CURVE, Sample, fit, form_samples, raw_confidence, receipt_samples
    from benchmarks.calibration_fit import cross_validated as held_out_confidence
except ImportError:  # run as a script
    from calibration_fit import (  # type: ignore[no-redef]
        MIN_CURVE,
        Sample,
        fit,
        form_samples,
        raw_confidence,
        receipt_samples,
    )
    from calibration_fit import cross_validated as held_out_confidence  # type: ignore[no-redef]

FIELDS = ("company", "date", "address", "total")


def field_samples(report: dict[str, Any], model: str, method: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per field: (confidences, correct) over the receipts of one run."""
    run = next(r for r in report["runs"] if r["model"] == model and r["method"] == method)
    out = {}
    for name in FIELDS:
        conf, ok = [], []
        for row in run["rows"]:
            value = row.get("confidence", {}).get(name)
            conf.append(0.0 if value is None else float(value))
            ok.append(bool(row["hits"][name]))
        out[name] = (np.array(conf), np.array(ok, dtype=float))
    return out


def threshold_for(conf: np.ndarray, ok: np.ndarray, precision: float) -> float:
    """The lowest confidence at which the accepted fields (confidence >= it) reach `precision`; above
    every confidence (accept nothing) when no threshold does."""
    best = np.inf
    for t in np.unique(conf)[::-1]:
        accepted = conf >= t
        if ok[accepted].mean() >= precision:
            best = t
    return float(best)


def cross_validated(
    samples: dict[str, tuple[np.ndarray, np.ndarray]], folds: int, targets: tuple[float, ...], seed: int = 0
) -> dict[str, Any]:
    from sklearn.isotonic import IsotonicRegression

    rng = np.random.default_rng(seed)
    n = len(next(iter(samples.values()))[0])
    fold_of = rng.permutation(np.arange(n) % folds)
    calibrated = {name: np.zeros(n) for name in samples}
    accepted = {t: np.zeros(0, dtype=bool) for t in targets}
    correct_all = np.zeros(0)
    for k in range(folds):
        train, test = fold_of != k, fold_of == k
        cal_train, cal_test, ok_train, ok_test = [], [], [], []
        for name, (conf, ok) in samples.items():
            iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(conf[train], ok[train])
            calibrated[name][test] = iso.predict(conf[test])
            cal_train.append(iso.predict(conf[train]))
            cal_test.append(calibrated[name][test])
            ok_train.append(ok[train])
            ok_test.append(ok[test])
        ctr, cte = np.concatenate(cal_train), np.concatenate(cal_test)
        otr, ote = np.concatenate(ok_train), np.concatenate(ok_test)
        for t in targets:
            accepted[t] = np.concatenate([accepted[t], cte >= threshold_for(ctr, otr, t)])
        correct_all = np.concatenate([correct_all, ote])
    rates = {}
    for t in targets:
        acc = accepted[t]
        rates[t] = {
            "straight_through": float(acc.mean()),
            "precision": float(correct_all[acc].mean()) if acc.any() else None,
        }
    raw = np.concatenate([c for c, _ in samples.values()])
    cal = np.concatenate(list(calibrated.values()))
    ok = np.concatenate([o for _, o in samples.values()])
    return {"rates": rates, "raw": raw, "calibrated": cal, "correct": ok, "accuracy": float(ok.mean())}


def reliability(conf: np.ndarray, ok: np.ndarray, bins: int = 10) -> tuple[list[dict[str, float]], float]:
    """Bins of (mean confidence, accuracy, count) and the expected calibration error."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    rows, ece = [], 0.0
    for i in range(bins):
        inside = (conf >= edges[i]) & ((conf < edges[i + 1]) if i < bins - 1 else (conf <= edges[i + 1]))
        if not inside.any():
            continue
        mean_conf, acc = float(conf[inside].mean()), float(ok[inside].mean())
        rows.append({"confidence": mean_conf, "accuracy": acc, "count": int(inside.sum())})
        ece += inside.mean() * abs(mean_conf - acc)
    return rows, float(ece)


def plot(raw_bins: list[dict[str, float]], cal_bins: list[dict[str, float]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=120)
    ax.plot([0, 1], [0, 1], color="0.7", lw=1, label="perfect")
    for bins, label, marker in ((raw_bins, "model probability", "o"), (cal_bins, "calibrated (isotonic, CV)", "s")):
        xs = [b["confidence"] for b in bins]
        ys = [b["accuracy"] for b in bins]
        sizes = [20 + 4 * b["count"] for b in bins]
        ax.plot(xs, ys, lw=1)
        ax.scatter(xs, ys, s=sizes, marker=marker, label=label)
    ax.set_xlabel("confidence")
    ax.set_ylabel("share of fields right")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(title, fontsize=9)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def by_mechanism(samples: list[Sample], folds: int, seeds: list[int], **fit_args: Any) -> list[str]:
    """Markdown: per mechanism, fields and share right; the cross-validated ECE per collection, for the first
    assignment of documents to folds and as the mean over every seed's assignment (on a few hundred fields
    the figure moves by a few hundredths with the split alone). Also per collection the fields each kind of
    doubtful evidence marks, and the ECE a perfectly calibrated confidence would still show on these fields
    (outcomes drawn from the calibrated confidences themselves, mean over 200 draws): the floor the binned
    figure cannot go below on a sample this small."""
    runs = [held_out_confidence(samples, folds, seed, **fit_args) for seed in seeds]
    raw = np.array([raw_confidence(s) for s in samples])
    ok = np.array([float(s.right) for s in samples])
    out = ["| mechanism | kind | fields | right | share right |", "|---|---|---|---|---|"]
    counts: dict[tuple[str, str], list[int]] = {}
    for s in samples:
        for key in ((s.mechanism or "n/a", "all"), (s.mechanism or "n/a", s.kind or "n/a")):
            c = counts.setdefault(key, [0, 0])
            c[0] += 1
            c[1] += s.right
    for (mech, kind), (n, right) in sorted(counts.items()):
        out.append(f"| {mech} | {kind} | {n} | {right} | {right / n:.2f} |")
    ocr_low = fit_args.get("ocr_low", OCR_LOW)
    evidence = [evidence_of(s.ocr_confidence, s.well_formed, ocr_low) or "none" for s in samples]
    out += ["", "| evidence | collection | fields | right | share right |", "|---|---|---|---|---|"]
    for ev in ("ill_formed", "low_ocr", "none"):
        for name in sorted({s.collection for s in samples}):
            picked = [s for s, e in zip(samples, evidence, strict=True) if e == ev and s.collection == name]
            if picked:
                right = sum(s.right for s in picked)
                out.append(f"| {ev} | {name} | {len(picked)} | {right} | {right / len(picked):.2f} |")
    out += [
        "",
        f"| collection | fields | right | ECE raw | ECE calibrated (CV, seed {seeds[0]}) | mean over {len(seeds)} splits "
        "| floor (perfectly calibrated) |",
        "|---|---|---|---|---|---|---|",
    ]
    rng = np.random.default_rng(0)
    for name in [*sorted({s.collection for s in samples}), "all"]:
        mask = np.array([name in ("all", s.collection) for s in samples])
        _, raw_ece = reliability(raw[mask], ok[mask])
        eces = [reliability(calibrated[mask], ok[mask])[1] for calibrated in runs]
        conf = runs[0][mask]
        floor = np.mean([reliability(conf, (rng.random(conf.size) < conf).astype(float))[1] for _ in range(200)])
        out.append(
            f"| {name} | {int(mask.sum())} | {int(ok[mask].sum())} | {raw_ece:.3f} | {eces[0]:.3f} | "
            f"{float(np.mean(eces)):.3f} | {float(floor):.3f} |"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", default="reports/receipts.json")
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--method", default="ranked")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--plot", default="reports/reliability.png")
    parser.add_argument("--forms", default=None, help="eval_forms.py report: calibrate per mechanism on both")
    parser.add_argument("--fit", default=None, help="write the calibration table fitted on every document here")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=5, help="assignments of documents to folds to average over")
    parser.add_argument("--min-curve", type=int, default=MIN_CURVE, help="fields a probability map needs")
    parser.add_argument("--ocr-low", type=float, default=OCR_LOW, help="OCR line confidence counted as low")
    parser.add_argument(
        "--no-evidence", action="store_true", help="no shift for ill-formed values or low OCR confidence"
    )
    args = parser.parse_args(argv)
    report = json.loads(Path(args.report).read_text())
    if args.forms or args.fit:
        samples = receipt_samples(report, args.model, args.method)
        if args.forms:
            samples += form_samples(json.loads(Path(args.forms).read_text()))
        seeds = list(range(args.seed, args.seed + max(1, args.seeds)))
        fit_args = {"min_curve": args.min_curve, "ocr_low": args.ocr_low, "evidence": not args.no_evidence}
        print("\n".join(by_mechanism(samples, args.folds, seeds, **fit_args)))
        if args.fit:
            collections = ", ".join(sorted({s.collection for s in samples}))
            fitted_on = f"{len(samples)} fields of the development {collections}"
            table = fit(samples, fitted_on=fitted_on, **fit_args)
            Path(args.fit).write_text(table.to_toml())
            print(f"table: {args.fit}", file=sys.stderr)
        return 0
    samples = field_samples(report, args.model, args.method)
    result = cross_validated(samples, args.folds, (0.95, 0.99))
    raw_bins, raw_ece = reliability(result["raw"], result["correct"])
    cal_bins, cal_ece = reliability(result["calibrated"], result["correct"])
    plot(raw_bins, cal_bins, Path(args.plot), f"{args.model} {args.method}: {len(result['correct'])} fields")
    print(f"fields: {len(result['correct'])}, right: {result['accuracy']:.3f}")
    print(f"ECE: model probability {raw_ece:.3f}, calibrated {cal_ece:.3f}")
    for target, rate in result["rates"].items():
        prec = "n/a" if rate["precision"] is None else f"{rate['precision']:.3f}"
        print(f"precision target {target:.2f}: straight-through {rate['straight_through']:.3f} (precision {prec})")
    print(f"plot: {args.plot}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
