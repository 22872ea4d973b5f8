import json
from pathlib import Path

from benchmarks.item_scoring import ItemScore, desc_match, match_items

TRUTH = Path(__file__).resolve().parents[2] / "benchmarks" / "items_truth.json"


def test_descriptions_match_alike_or_with_a_code_before_them():
    assert desc_match("32MM POLYSOCKET", "32MM POLY SOCKET")
    assert desc_match("SR 100100000060- 4 Vege", "4 VEGE")
    assert not desc_match("Cashier : CH110137 MSM - ROHINI and more words here EVEREADY BAT", "EVEREADY BAT")
    assert not desc_match(None, "TEA") and not desc_match("TEA", None)


def test_items_are_matched_one_to_one_by_amount_then_name():
    predicted = [{"description": "MILO", "amount": "13.90"}, {"description": "TOTAL", "amount": "13.90"}]
    truth = [{"description": "MILO 3IN1", "amount": "13.90"}]
    assert match_items(predicted, truth) == [(0, 0)]


def test_scores_count_amounts_and_names():
    score = ItemScore()
    score.add(
        "a",
        [{"description": "TEA", "amount": "3.00", "quantity": "2"}],
        [{"description": "TEA", "amount": "3.00", "quantity": "2"}],
    )
    score.add(
        "b",
        [{"description": "X", "amount": "1.00"}],
        [{"description": None, "amount": "1.00"}, {"description": "Y", "amount": "2"}],
    )
    s = score.summary()
    assert s["count_exact"] == 0.5
    assert (s["amount_precision"], s["amount_recall"]) == (1.0, 2 / 3)
    assert (s["description_precision"], s["description_recall"]) == (1.0, 0.5)  # the nameless truth is left out
    assert s["quantity_accuracy"] == 1.0


def test_the_truth_file_labels_twenty_receipts_and_the_samples():
    truth = json.loads(TRUTH.read_text())
    assert len(truth["sroie"]) >= 15 and set(truth["samples"]) == {"invoice.png", "receipt.jpg"}
    for items in [*truth["sroie"].values(), *(s["items"] for s in truth["samples"].values())]:
        assert items and all(item["amount"] for item in items)
