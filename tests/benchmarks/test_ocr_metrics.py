"""OCR scoring helpers on hand-computed cases, and the ground-truth readers on the development data."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "ocr_metrics.py"
_spec = importlib.util.spec_from_file_location("ocr_metrics", _PATH)
assert _spec is not None and _spec.loader is not None
m = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("ocr_metrics", m)
_spec.loader.exec_module(m)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def test_iou_hand_computed() -> None:
    assert m.iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert m.iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert m.iou((0, 0, 10, 10), (10, 0, 20, 10)) == 0.0
    assert m.iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0


def test_greedy_matching_is_one_to_one_best_first() -> None:
    gt = [(0, 0, 10, 10), (20, 0, 30, 10)]
    pred = [
        (0, 0, 10, 9),  # IoU 0.9 with gt 0
        (0, 0, 10, 10),  # IoU 1.0 with gt 0: taken first, so pred 0 is left unmatched
        (21, 0, 30, 10),  # IoU 0.9 with gt 1
        (100, 0, 110, 10),  # nothing
    ]
    pairs = m.match_greedy(pred, gt)
    assert [(i, j) for i, j, _ in pairs] == [(1, 0), (2, 1)]
    assert pairs[1][2] == pytest.approx(0.9)
    # A pair below the threshold never matches.
    assert m.match_greedy([(0, 0, 10, 10)], [(5, 0, 15, 10)], threshold=0.5) == []


def test_levenshtein_and_normalised_distance() -> None:
    assert m.levenshtein("kitten", "sitting") == 3
    assert m.levenshtein("", "abc") == 3
    assert m.levenshtein("same", "same") == 0
    assert m.normalized_edit_distance("TOTAL  RM", "total rm") == 0.0  # case and white space runs
    assert m.normalized_edit_distance("kitten", "sitting") == pytest.approx(3 / 7)
    assert m.normalized_edit_distance("", "") == 0.0
    assert m.normalized_edit_distance("abc", "") == 1.0


def test_score_and_summary_hand_computed() -> None:
    gt = [m.TextBox((0, 0, 100, 20), "TOTAL 9.90"), m.TextBox((0, 30, 100, 50), "CASH")]
    pred = [
        m.TextBox((0, 0, 100, 20), "TOTAL 9.80"),  # matched, NED 1/10
        m.TextBox((200, 30, 300, 50), "CASH"),  # wrong place
        m.TextBox((0, 60, 100, 80), "noise"),
    ]
    score = m.score_page(pred, gt)
    assert (score.n_pred, score.n_gt, score.matched) == (3, 2, 1)
    assert score.ned_sum == pytest.approx(0.1)
    assert score.recall == 0.5 and score.precision == pytest.approx(1 / 3)
    perfect = m.score_page(gt, gt)
    summary = m.summarize([score, perfect])
    assert summary["recall"] == pytest.approx(3 / 4)
    assert summary["precision"] == pytest.approx(3 / 5)
    assert summary["f1"] == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert summary["mean_ned"] == pytest.approx(0.1 / 3)
    assert m.summarize([])["recall"] == 0.0


def test_sroie_rows_keep_commas_and_inch_marks() -> None:
    text = '\ufeff72,25,326,25,326,64,72,64,NO.53, JALAN PUTRA 1,\n45,1276,285,1276,285,1319,45,1319,1" BALL VALVE\n\n'
    rows = m.parse_sroie_csv(text)
    assert [r.text for r in rows] == ["NO.53, JALAN PUTRA 1,", '1" BALL VALVE']
    assert rows[0].box == (72, 25, 326, 64)


def test_funsd_words() -> None:
    data = {
        "form": [
            {
                "box": [0, 0, 50, 10],
                "words": [{"box": [0, 0, 20, 10], "text": "Date:"}, {"box": [1, 1, 2, 2], "text": " "}],
            },
            {"box": [60, 0, 90, 10], "words": [{"box": [90, 10, 60, 0], "text": "12/10"}]},
        ]
    }
    words = m.parse_funsd(data)
    assert [(w.text, w.box) for w in words] == [("Date:", (0, 0, 20, 10)), ("12/10", (60, 0, 90, 10))]


@pytest.mark.skipif(not (DATA / "sroie").is_dir(), reason="development data not present")
def test_sroie_ground_truth_scores_perfectly_against_itself() -> None:
    csv_path = sorted((DATA / "sroie" / "box").glob("*.csv"))[0]
    gt = m.parse_sroie_csv(csv_path.read_text(encoding="utf-8", errors="replace"))
    assert len(gt) > 10
    summary = m.summarize([m.score_page(gt, gt)])
    assert summary["recall"] == summary["precision"] == 1.0 and summary["mean_ned"] == 0.0


@pytest.mark.skipif(not (DATA / "funsd").is_dir(), reason="development data not present")
def test_funsd_ground_truth_reads() -> None:
    ann = sorted((DATA / "funsd" / "annotations").glob("*.json"))[0]
    words = m.parse_funsd(json.loads(ann.read_text(encoding="utf-8")))
    assert len(words) > 20 and all(w.text for w in words)
