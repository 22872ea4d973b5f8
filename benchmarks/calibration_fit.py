"""Fitting the calibration table (`ocula.schemas.calibration`) on benchmark reports, and measuring it fairly.

Samples are the fields of the receipt report (`eval_receipts.py`: each row's `decided` and `hits`) and of the
forms report (`eval_forms.py`: each row's mechanism, kind, probability and exact match). `fit` counts fields and
right answers per mechanism and per mechanism and kind, and fits a non-decreasing map (isotonic) from the
model's probability to the share right for each mechanism with enough probabilities, then one log-odds shift
per kind of doubtful evidence (a value not well formed for its kind, or read from OCR lines of low
confidence; `ocula.schemas.calibration.evidence_of`), fitted by penalised maximum likelihood over every
mechanism's fields so a few dozen doubtful fields suffice. `cross_validated` assigns
whole documents to folds, fits on the other folds and looks the held-out fields up with the same code the
extractor runs (`Calibration.confidence`), so no field is scored by a table that saw it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ocula.schemas.calibration import OCR_LOW, PRIOR_FIELDS, Calibration, Curve, Shift, Tally, evidence_of

MIN_CURVE = 15  # fields with a model probability a mechanism needs before it gets a probability map
SHIFT_PENALTY = 1.0  # weight of shift**2 added to the negative log-likelihood (keeps small samples near 0)


@dataclass(frozen=True)
class Sample:
    document: str
    collection: str  # "receipts" or "forms"
    mechanism: str | None
    kind: str | None
    probability: float | None
    confidence: float | None  # as the run reported it
    right: bool
    ocr_confidence: float | None = None
    well_formed: bool | None = None


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
                    d.get("ocr_confidence"),
                    d.get("well_formed"),
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
            r.get("ocr_confidence"),
            r.get("well_formed"),
        )
        for r in report["rows"]
    ]


def fit(
    samples: list[Sample],
    prior: float = PRIOR_FIELDS,
    fitted_on: str = "",
    min_curve: int = MIN_CURVE,
    ocr_low: float = OCR_LOW,
    evidence: bool = True,
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
    table = Calibration(
        total=Tally(len(known), sum(s.right for s in known)),
        mechanisms={m: Tally(*c) for m, c in mechanisms.items()},
        kinds={k: Tally(*c) for k, c in kinds.items()},
        curves=curves,
        ocr_low=ocr_low,
        prior=prior,
        fitted_on=fitted_on,
    )
    if not evidence:
        return table
    return replace(table, evidence=fit_shifts(table, known))


def fit_shifts(table: Calibration, samples: list[Sample]) -> dict[str, Shift]:
    """Per kind of doubtful evidence, the log-odds shift of the table's share that best explains whether
    those fields were right (penalised maximum likelihood on a grid of shifts)."""
    groups: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for s in samples:
        name = evidence_of(s.ocr_confidence, s.well_formed, table.ocr_low)
        base = table.base_share(s.mechanism, s.kind, s.probability)
        if name is not None and base is not None:
            groups[name].append((base, s.right))
    grid = np.linspace(-4.0, 2.0, 301)
    out = {}
    for name, pairs in sorted(groups.items()):
        base = np.clip(np.array([b for b, _ in pairs]), 1e-3, 1 - 1e-3)
        right = np.array([float(r) for _, r in pairs])
        z = np.log(base / (1 - base))[None, :] + grid[:, None]
        p = 1 / (1 + np.exp(-z))
        nll = -(right * np.log(p) + (1 - right) * np.log(1 - p)).sum(axis=1) + SHIFT_PENALTY * grid**2
        out[name] = Shift(float(grid[int(np.argmin(nll))]), len(pairs), int(right.sum()))
    return out


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
                share = table.confidence_of(s)
                out[i] = raw_confidence(s) if share is None else share
    return out
