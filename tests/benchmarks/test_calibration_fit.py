"""Fitting the calibration table from benchmark rows, and its cross-validation by whole documents."""

import numpy as np
import pytest

from benchmarks.calibration_fit import Sample, cross_validated, fit, form_samples, receipt_samples

pytest.importorskip("sklearn", reason="the calibration fit needs scikit-learn (dev extra)")


def samples(n_docs: int = 40, seed: int = 0) -> list[Sample]:
    rng = np.random.default_rng(seed)
    out = []
    for d in range(n_docs):
        out.append(Sample(f"r{d}", "receipts", "rule", "date", None, 1.0, bool(rng.random() < 0.95)))
        out.append(Sample(f"r{d}", "receipts", "rule", "multiline", None, 1.0, bool(rng.random() < 0.6)))
        p = float(rng.random())
        out.append(Sample(f"r{d}", "receipts", "model_choice", "name", p, p, bool(rng.random() < p)))
    return out


def test_the_table_counts_per_mechanism_and_kind_and_maps_the_models_probability():
    table = fit(samples())
    assert table.mechanisms["rule"].fields == 80
    assert table.kinds[("rule", "date")].fields == 40
    assert table.confidence("rule", "date") > table.confidence("rule", "multiline") + 0.2
    curve = table.curves["model_choice"]
    assert list(curve.probability) == sorted(curve.probability)
    assert table.confidence("model_choice", "name", 0.9) > table.confidence("model_choice", "name", 0.1)


def test_cross_validation_holds_out_whole_documents_and_is_calibrated_on_them():
    data = samples(200)
    calibrated = cross_validated(data, folds=5)
    ok = np.array([s.right for s in data], dtype=float)
    dates = np.array([s.kind == "date" for s in data])
    assert abs(calibrated[dates].mean() - ok[dates].mean()) < 0.03
    assert np.all((calibrated >= 0) & (calibrated <= 1))


def test_samples_are_read_from_the_receipt_and_form_reports():
    receipts = {
        "runs": [
            {
                "model": "m",
                "method": "ranked",
                "rows": [
                    {
                        "id": "001",
                        "hits": {"total": True},
                        "decided": {"total": {"mechanism": "rule", "kind": "amount", "probability": None}},
                    }
                ],
            }
        ]
    }
    forms = {"rows": [{"form": "f1", "mechanism": "model_choice", "kind": "text", "probability": 0.4, "exact": False}]}
    got = receipt_samples(receipts, "m", "ranked") + form_samples(forms)
    assert [(s.document, s.mechanism, s.kind, s.right) for s in got] == [
        ("receipt:001", "rule", "amount", True),
        ("form:f1", "model_choice", "text", False),
    ]


def test_an_evidence_shift_is_fitted_where_doubtful_values_are_wrong_more_often():
    rng = np.random.default_rng(1)
    data = []
    for d in range(300):
        doubtful = d % 5 == 0
        right = bool(rng.random() < (0.4 if doubtful else 0.9))
        data.append(Sample(f"r{d}", "forms", "label", "text", None, 1.0, right, 0.99, not doubtful))
    table = fit(data)
    shift = table.evidence["ill_formed"]
    assert shift.fields == 60 and shift.shift < -1.0
    assert "low_ocr" not in table.evidence  # no field had a low OCR confidence
    assert table.confidence("label", "text", well_formed=False) < 0.6 < table.confidence("label", "text")
    assert fit(data, evidence=False).evidence == {}
