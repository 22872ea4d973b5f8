"""The calibration table: lookup per mechanism and kind, the probability map, TOML round trip, the shipped table."""

import pytest

from ocula.schemas.calibration import (
    Calibration,
    Curve,
    Tally,
    default_calibration,
    load_calibration,
    parse_calibration,
)
from ocula.schemas.results import MECHANISMS


def table() -> Calibration:
    return Calibration(
        total=Tally(200, 160),
        mechanisms={"rule": Tally(100, 90), "single_candidate": Tally(40, 38), "model_choice": Tally(60, 32)},
        kinds={("rule", "date"): Tally(50, 50), ("rule", "multiline"): Tally(2, 0)},
        curves={"model_choice": Curve((0.2, 0.6, 1.0), (0.1, 0.5, 0.9))},
        prior=5.0,
        fitted_on="test",
    )


def test_a_kind_seen_often_keeps_its_own_share_and_a_rare_one_stays_near_its_mechanism():
    cal = table()
    overall = 160 / 200
    rule = (90 + 5 * overall) / 105
    assert cal.confidence("rule", "date") == pytest.approx((50 + 5 * rule) / 55)
    rare = cal.confidence("rule", "multiline")
    assert rare == pytest.approx((0 + 5 * rule) / 7)
    assert 0.5 < rare < rule  # two wrong fields pull it down, not to zero
    assert cal.confidence("rule", "amount") == pytest.approx(rule)  # an unseen kind: the mechanism's share


def test_the_model_probability_goes_through_the_mechanisms_breakpoints():
    cal = table()
    assert cal.confidence("model_choice", "text", 0.4) == pytest.approx(0.3)  # halfway between breakpoints
    assert cal.confidence("model_choice", "text", 0.05) == pytest.approx(0.1)  # flat beyond the ends
    assert cal.confidence("model_choice", "text", 1.0) == pytest.approx(0.9)
    # no probability: the mechanism's share right
    assert cal.confidence("model_choice", "text") == pytest.approx((32 + 5 * 0.8) / 65)


def test_an_unknown_mechanism_has_no_figure():
    assert table().confidence("free_decoding", "text", 0.9) is None
    assert table().confidence(None) is None


def test_the_table_round_trips_through_toml(tmp_path):
    path = tmp_path / "cal.toml"
    path.write_text(table().to_toml())
    back = load_calibration(path)
    assert back.mechanisms == table().mechanisms
    assert back.kinds == table().kinds
    assert back.curves["model_choice"].right == (0.1, 0.5, 0.9)
    assert back.confidence("rule", "date") == pytest.approx(table().confidence("rule", "date"))


def test_unsorted_breakpoints_are_refused():
    with pytest.raises(ValueError, match="sorted"):
        parse_calibration(
            {
                "mechanisms": {
                    "model_choice": {"fields": 1, "right": 1, "probability": [0.9, 0.1], "right_share": [0.5, 0.6]}
                }
            }
        )


def test_the_shipped_table_loads_and_knows_only_mechanisms():
    cal = default_calibration()
    assert set(cal.mechanisms) <= set(MECHANISMS)
    for (mech, _kind), tally in cal.kinds.items():
        assert mech in cal.mechanisms and 0 <= tally.right <= tally.fields
    for mech in cal.mechanisms:
        share = cal.confidence(mech, "text", 0.5)
        assert share is not None and 0.0 <= share <= 1.0


def test_doubtful_evidence_shifts_the_share_on_the_log_odds_scale():
    from ocula.schemas.calibration import Shift, evidence_of, shifted

    cal = Calibration(
        total=Tally(100, 80),
        mechanisms={"label": Tally(100, 80)},
        evidence={"ill_formed": Shift(-2.0, 6, 1), "low_ocr": Shift(-0.5, 20, 14)},
        ocr_low=0.9,
    )
    clean = cal.confidence("label", "text", ocr_confidence=0.99, well_formed=True)
    assert clean == pytest.approx(0.8)
    assert cal.confidence("label", "text", ocr_confidence=0.5, well_formed=None) == pytest.approx(shifted(0.8, -0.5))
    ill = cal.confidence("label", "date", ocr_confidence=0.5, well_formed=False)
    assert ill == pytest.approx(shifted(0.8, -2.0))  # ill-formed wins over low OCR confidence
    assert ill < cal.confidence("label", "date", ocr_confidence=0.5) < clean
    assert evidence_of(None, None) is None and evidence_of(0.95, True, 0.96) == "low_ocr"
    assert shifted(1.0, -3.0) == 1.0


def test_evidence_round_trips_and_unknown_evidence_is_refused(tmp_path):
    from ocula.schemas.calibration import Shift

    cal = Calibration(total=Tally(10, 8), mechanisms={"rule": Tally(10, 8)}, evidence={"low_ocr": Shift(-0.7, 9, 5)})
    path = tmp_path / "cal.toml"
    path.write_text(cal.to_toml())
    back = load_calibration(path)
    assert back.evidence == cal.evidence and back.ocr_low == cal.ocr_low
    with pytest.raises(ValueError, match="evidence"):
        parse_calibration({"evidence": {"dataset": {"shift": 1.0}}})


def test_the_shipped_table_lowers_an_ill_formed_value():
    cal = default_calibration()
    assert "ill_formed" in cal.evidence
    for mech in cal.mechanisms:
        plain = cal.confidence(mech, "date")
        assert cal.confidence(mech, "date", well_formed=False) < plain
