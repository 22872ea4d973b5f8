"""The confidence benchmark's arithmetic: thresholds, reliability bins, cross-validated straight-through rates."""

import numpy as np
import pytest

from benchmarks.eval_confidence import cross_validated, reliability, threshold_for

pytest.importorskip("sklearn", reason="the calibration benchmark needs scikit-learn (dev extra)")


def test_threshold_is_the_lowest_confidence_that_keeps_the_precision():
    conf = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    ok = np.array([1, 1, 0, 1, 0], dtype=float)
    assert threshold_for(conf, ok, 0.99) == 0.8  # accepting 0.7 would let a wrong one in
    assert threshold_for(conf, ok, 0.75) == 0.6  # 3 right of 4 at >= 0.6
    assert threshold_for(conf, np.zeros(5), 0.5) == np.inf  # nothing can be accepted


def test_reliability_of_a_calibrated_score_has_no_error():
    conf = np.array([0.25] * 4 + [0.75] * 4)
    ok = np.array([1, 0, 0, 0, 1, 1, 1, 0], dtype=float)
    bins, ece = reliability(conf, ok)
    assert [b["count"] for b in bins] == [4, 4]
    assert ece == pytest.approx(0.0)


def test_separating_confidence_passes_every_right_field_straight_through():
    rng = np.random.default_rng(1)
    ok = (rng.random(60) < 0.7).astype(float)
    samples = {"a": (np.where(ok == 1, 0.9, 0.2) + rng.normal(0, 0.01, 60), ok)}
    result = cross_validated(samples, folds=5, targets=(0.95,))
    rate = result["rates"][0.95]
    assert rate["precision"] == 1.0
    assert rate["straight_through"] == pytest.approx(ok.mean(), abs=0.05)
