"""Fitting the calibration table (`ocula.schemas.calibration`) on benchmark reports, and measuring it fairly.

Samples are the fields of the receipt report (`eval_receipts.py`: each row's `decided` and `hits`) and of the
forms report (`eval_forms.py`: each row's mechanism, kind, probability and exact match). `fit` counts fields and
right answers per mechanism and per mechanism and kind, and fits a non-decreasing map (isotonic) from the
model's probability to the share right for each mechanism with enough probabilities. `cross_validated` assigns
whole documents to folds, fits on the other folds and looks the held-out fields up with the same code the
extractor runs (`Calibration.confidence`), so no field is scored by a table that saw it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from ocula.schemas.calibration import PRIOR_FIELDS, Calibration, Curve, Tally

MIN_CURVE = 15  # fields with a model probability a mechanism needs before it gets a probability map


@dataclass(frozen=True)
class Sample:
    document: str
    collection: str  # "receipts" or "forms"
    mechanism: str | None
    kind: str | None
    probability: float | None
    confidence: float | None  # as the run reported it
    right: bool


def receipt_samples(report: dict[str, Any], model: str, method: str) -> list[Sample]:
    run = next(r for r in report["runs"] if r["model"] == model and r["method"] == method)
    out = []
    for row in run["rows"]:
        for name, d in row.get("decided", {}).items():
            out.append(
                Sample(
                    f"receipt:{row['id']}",
                    "receipts",
                    d.get("mechanism"),
                    d.get("kind"),
                    d.get("probability"),
                    d.get("confidence"),
                    bool(row["hits"][name]),
                )
            )
    return out


def form_samples(report: dict[str, Any]) -> list[Sample]:
    return [
        Sample(
            f"form:{r['form']}",
            "forms",
            r.get("mechanism"),
            r.get("kind"),
            r.get("probability"),
            r.get("confidence"),
            bool(r["exact"]),
        )
        for r in report["rows"]
    ]


def fit(
    samples: list[Sample], prior: float = PRIOR_FIELDS, fitted_on: str = "", min_curve: int = MIN_CURVE
) -> Calibration:
    from sklearn.isotonic import IsotonicRegression

    mechanisms: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    kinds: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    probabilities: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for s in samples:
        if s.mechanism is None:
            continue
        for counts in (mechanisms[s.mechanism], *([kinds[(s.mechanism, s.kind)]] if s.kind else [])):
            counts[0] += 1
            counts[1] += s.right
        if s.probability is not None:
            probabilities[s.mechanism].append((s.probability, s.right))
    curves = {}
    for mech, pairs in probabilities.items():
        if len(pairs) < min_curve:
            continue
        x = np.array([p for p, _ in pairs])
        y = np.array([float(r) for _, r in pairs])
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(x, y)
        curves[mech] = Curve(tuple(float(v) for v in iso.X_thresholds_), tuple(float(v) for v in iso.y_thresholds_))
    known = [s for s in samples if s.mechanism is not None]
    return Calibration(
        total=Tally(len(known), sum(s.right for s in known)),
        mechanisms={m: Tally(*c) for m, c in mechanisms.items()},
        kinds={k: Tally(*c) for k, c in kinds.items()},
        curves=curves,
        prior=prior,
        fitted_on=fitted_on,
    )


def raw_confidence(s: Sample) -> float:
    """The figure a field had before calibration: the model's probability, or 1.0 where no model chose."""
    if s.probability is not None:
        return s.probability
    return 0.0 if s.mechanism in (None, "not_found") else 1.0


def cross_validated(samples: list[Sample], folds: int = 5, seed: int = 0, **fit_args: Any) -> np.ndarray:
    """Each sample's confidence from a table fitted on the folds its document is not in."""
    documents = sorted({s.document for s in samples})
    rng = np.random.default_rng(seed)
    fold_of = dict(zip(documents, rng.permutation(np.arange(len(documents)) % folds), strict=True))
    out = np.zeros(len(samples))
    for k in range(folds):
        table = fit([s for s in samples if fold_of[s.document] != k], **fit_args)
        for i, s in enumerate(samples):
            if fold_of[s.document] == k:
                share = table.confidence(s.mechanism, s.kind, s.probability)
                out[i] = raw_confidence(s) if share is None else share
    return out
