"""tune_rapidocr's settings parser: engine options stay options, RapidOCR config keys go to `params`."""

from __future__ import annotations

import pytest

from benchmarks.tune_rapidocr import parse_setting, parse_value


def test_values_are_typed() -> None:
    assert parse_value("640") == 640
    assert parse_value("0.4") == 0.4
    assert parse_value("false") is False
    assert parse_value("max") == "max"


def test_engine_options_and_rapidocr_params_are_split() -> None:
    name, options = parse_setting("small:det_limit_side_len=640,det_limit_type=max,Rec.rec_batch_num=12")
    assert name == "small"
    assert options == {"det_limit_side_len": 640, "det_limit_type": "max", "params": {"Rec.rec_batch_num": 12}}


def test_a_pair_without_a_value_is_refused() -> None:
    with pytest.raises(ValueError, match="key=value"):
        parse_setting("bad:det_limit_side_len")
