"""RapidOCREngine's detection and recognition settings reach RapidOCR's stages (defaults and given values)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from ocula.adapters.ocr.rapid import RapidOCREngine

DEFAULTS = {
    name: p.default
    for name, p in inspect.signature(RapidOCREngine).parameters.items()
    if p.default is not inspect.Parameter.empty
}


def test_default_settings_are_applied() -> None:
    engine = RapidOCREngine(threads=1)._load()
    assert engine.text_det.limit_side_len == DEFAULTS["det_limit_side_len"]
    assert engine.text_det.limit_type == DEFAULTS["det_limit_type"]
    assert engine.text_rec.rec_batch_num == DEFAULTS["rec_batch"]
    assert engine.max_side_len == DEFAULTS["max_side_len"]


def test_lines_are_recognised_one_per_batch_by_default() -> None:
    # tuned on the development receipts (benchmarks/tune_rapidocr.py): unpadded lines, less CPU, same recall
    assert DEFAULTS["rec_batch"] == 1
    assert RapidOCREngine(threads=1)._load().text_rec.rec_batch_num == 1


def test_given_settings_are_applied() -> None:
    engine = RapidOCREngine(threads=1, det_limit_side_len=960, det_limit_type="max", rec_batch=3)._load()
    assert (engine.text_det.limit_side_len, engine.text_det.limit_type) == (960, "max")
    assert engine.text_rec.rec_batch_num == 3
    preprocess = engine.text_det.get_preprocess()
    assert preprocess.resize(np.zeros((1920, 480, 3), np.uint8)).shape[:2] == (960, 256)  # the long side to 960


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="rec_batch"):
        RapidOCREngine(rec_batch=0)
    with pytest.raises(ValueError, match="det_limit_type"):
        RapidOCREngine(det_limit_type="mean")
