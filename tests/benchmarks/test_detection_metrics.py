"""COCO-style mAP: hand-computed cases, crowd handling, the self check, and an optional reference cross-check."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from ocula.schemas import BBox, Detection, Detections

ROOT = Path(__file__).resolve().parents[2]
COCO_DIR = Path("/work/shared/data/coco")


def _load(name: str) -> ModuleType:
    """Benchmarks are scripts, not a package on sys.path: load them from their files."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


dm = _load("detection_metrics")


def gt_dict(annotations: list[dict], n_images: int = 1, categories: tuple[str, ...] = ("cat", "dog")) -> dict:
    anns = [{"id": i + 1, "iscrowd": 0, "area": a["bbox"][2] * a["bbox"][3], **a} for i, a in enumerate(annotations)]
    return {
        "images": [{"id": i + 1, "width": 640, "height": 480} for i in range(n_images)],
        "categories": [{"id": i + 1, "name": n} for i, n in enumerate(categories)],
        "annotations": anns,
    }


def res(image_id: int, cat: int, bbox: list[float], score: float) -> dict:
    return {"image_id": image_id, "category_id": cat, "bbox": bbox, "score": score}


def test_interpolated_ap_101_points() -> None:
    # recall reaches 0.5 at precision 1: 51 of 101 recall points (0, 0.01, ..., 0.5) score 1
    assert dm.interpolated_ap(np.array([0.5]), np.array([1.0])) == pytest.approx(51 / 101)
    assert dm.interpolated_ap(np.array([]), np.array([])) == 0.0


def test_perfect_prediction_scores_one() -> None:
    gt = gt_dict(
        [
            {"image_id": 1, "category_id": 1, "bbox": [10, 10, 50, 50]},
            {"image_id": 1, "category_id": 2, "bbox": [100, 100, 80, 40]},
            {"image_id": 2, "category_id": 1, "bbox": [0, 0, 640, 480]},
        ],
        n_images=2,
    )
    m = dm.evaluate_coco(gt, dm.ground_truth_as_results(gt))
    assert m.map_50 == pytest.approx(1.0) and m.map_50_95 == pytest.approx(1.0)
    assert set(m.ap) == {"cat", "dog"}


def test_false_positive_ranked_above_the_true_positive_halves_ap() -> None:
    gt = gt_dict([{"image_id": 1, "category_id": 1, "bbox": [10, 10, 100, 100]}])
    results = [
        res(1, 1, [400, 300, 50, 50], 0.9),  # FP, highest score
        res(1, 1, [10, 10, 100, 100], 0.8),  # TP
    ]
    # precision after each: [0, 0.5], recall [0, 1]; interpolated precision is 0.5 at every recall point
    m = dm.evaluate_coco(gt, results)
    assert m.map_50 == pytest.approx(0.5)
    assert m.map_50_95 == pytest.approx(0.5)


def test_true_positive_ranked_above_the_false_positive_is_perfect() -> None:
    gt = gt_dict([{"image_id": 1, "category_id": 1, "bbox": [10, 10, 100, 100]}])
    results = [res(1, 1, [10, 10, 100, 100], 0.9), res(1, 1, [400, 300, 50, 50], 0.8)]
    assert dm.evaluate_coco(gt, results).map_50 == pytest.approx(1.0)


def test_missed_object_caps_recall_at_one_half() -> None:
    gt = gt_dict(
        [
            {"image_id": 1, "category_id": 1, "bbox": [10, 10, 100, 100]},
            {"image_id": 1, "category_id": 1, "bbox": [300, 200, 100, 100]},
        ]
    )
    m = dm.evaluate_coco(gt, [res(1, 1, [10, 10, 100, 100], 0.9)])
    assert m.map_50 == pytest.approx(51 / 101)
    assert m.recall["cat"][0] == pytest.approx(0.5)


def test_iou_072_counts_at_five_of_ten_thresholds() -> None:
    gt = gt_dict([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 100, 100]}])
    m = dm.evaluate_coco(gt, [res(1, 1, [0, 0, 100, 72], 0.9)])  # IoU 0.72: TP at .50 .55 .60 .65 .70
    assert m.map_50 == pytest.approx(1.0)
    assert m.map_75 == 0.0
    assert m.map_50_95 == pytest.approx(0.5)


def test_matching_is_greedy_by_score_not_by_iou() -> None:
    gt = gt_dict([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 100, 100]}])
    results = [
        res(1, 1, [0, 0, 100, 62], 0.9),  # IoU 0.62 takes the object first
        res(1, 1, [0, 0, 100, 100], 0.8),  # exact box, a duplicate at low thresholds
    ]
    m = dm.evaluate_coco(gt, results)
    # .50 .55 .60: first is TP, second FP -> AP 1; .65 ... .95 (7): first FP, second TP -> AP 0.5
    assert m.ap["cat"] == pytest.approx([1.0] * 3 + [0.5] * 7)
    assert m.map_50_95 == pytest.approx(0.65)


def test_crowd_regions_are_ignored() -> None:
    anns = [
        {"image_id": 1, "category_id": 1, "bbox": [10, 10, 50, 50]},
        {"image_id": 1, "category_id": 1, "bbox": [200, 100, 400, 300], "iscrowd": 1},
    ]
    results = [
        res(1, 1, [250, 150, 40, 40], 0.95),  # a person inside the crowd region: neither TP nor FP
        res(1, 1, [10, 10, 50, 50], 0.5),
    ]
    assert dm.evaluate_coco(gt_dict(anns), results).map_50 == pytest.approx(1.0)
    # the same region as an ordinary object: the small box is a FP ranked first, the region is missed;
    # precision 0.5 over recall points 0 ... 0.5 (51 of 101)
    anns[1]["iscrowd"] = 0
    assert dm.evaluate_coco(gt_dict(anns), results).map_50 == pytest.approx(51 * 0.5 / 101)


def test_mean_over_categories_with_ground_truth_only() -> None:
    gt = gt_dict(
        [
            {"image_id": 1, "category_id": 1, "bbox": [10, 10, 50, 50]},
            {"image_id": 1, "category_id": 2, "bbox": [100, 100, 50, 50]},
        ],
        categories=("cat", "dog", "bird"),
    )
    results = [
        res(1, 1, [10, 10, 50, 50], 0.9),  # cat found, dog missed
        res(1, 3, [0, 0, 10, 10], 0.9),  # bird has no ground truth: not scored
        res(7, 1, [0, 0, 10, 10], 0.9),  # an image that is not in the ground truth: ignored
    ]
    m = dm.evaluate_coco(gt, results)
    assert set(m.ap) == {"cat", "dog"}
    assert m.map_50 == pytest.approx(0.5)


def test_max_dets_keeps_the_best_scored() -> None:
    gt = gt_dict(
        [
            {"image_id": 1, "category_id": 1, "bbox": [10, 10, 50, 50]},
            {"image_id": 1, "category_id": 1, "bbox": [300, 300, 50, 50]},
        ]
    )
    results = [res(1, 1, [10, 10, 50, 50], 0.9), res(1, 1, [300, 300, 50, 50], 0.8)]
    assert dm.evaluate_coco(gt, results).map_50 == pytest.approx(1.0)
    assert dm.evaluate_coco(gt, results, max_dets=1).map_50 == pytest.approx(51 / 101)


def test_no_ground_truth_gives_nan() -> None:
    m = dm.evaluate_coco(gt_dict([]), [res(1, 1, [0, 0, 5, 5], 0.5)])
    assert np.isnan(m.map_50) and np.isnan(m.map_50_95)


def test_evaluate_detections_on_ocula_objects() -> None:
    gt = [
        Detections(
            width=100,
            height=100,
            items=[
                Detection(label="cat", box=BBox(x0=0, y0=0, x1=50, y1=50)),
                Detection(label="dog", box=BBox(x0=50, y0=50, x1=100, y1=100)),
            ],
        )
    ]
    pred = [
        Detections(
            width=100,
            height=100,
            items=[
                Detection(label="cat", box=BBox(x0=0, y0=0, x1=50, y1=50), confidence=0.8),
                Detection(label="cow", box=BBox(x0=50, y0=50, x1=100, y1=100), confidence=0.9),
            ],
        )
    ]
    m = dm.evaluate_detections(gt, pred)
    assert m.ap["cat"][0] == pytest.approx(1.0) and m.ap["dog"][0] == 0.0
    assert m.map_50 == pytest.approx(0.5)


# ------------------------------------------------------------------------------------- the CLI
needs_coco = pytest.mark.skipif(not (COCO_DIR / "instances.json").exists(), reason="COCO sample not present")


@needs_coco
def test_eval_detect_self_check_prints_one(capsys: pytest.CaptureFixture[str]) -> None:
    ev = _load("eval_detect")
    assert ev.main(["--data", str(COCO_DIR), "--self-check"]) == 0
    out = capsys.readouterr().out
    assert "mAP@0.5: 1.0000" in out and "mAP@[.5:.95]: 1.0000" in out and "self-check: ok" in out


@needs_coco
def test_eval_detect_scores_a_predictions_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ev = _load("eval_detect")
    gt = json.loads((COCO_DIR / "instances.json").read_text())
    preds = dm.ground_truth_as_results(gt)
    for p in preds[::2]:  # shift every other box by half its width: no longer a match at IoU 0.5
        p["bbox"][0] += p["bbox"][2] * 0.6
    path = tmp_path / "preds.json"
    path.write_text(json.dumps(preds))
    assert ev.main(["--data", str(COCO_DIR), "--predictions", str(path)]) == 0
    out = capsys.readouterr().out
    m = dm.evaluate_coco(gt, preds)
    assert 0.0 < m.map_50 < 1.0
    assert f"mAP@0.5: {m.map_50:.4f}" in out


# ------------------------------------------------------------------------------------- reference
def _reference_map(gt: dict, results: list[dict]) -> tuple[float, float] | None:
    """(AP@[.5:.95], AP@.5) from pycocotools or faster-coco-eval, or None when neither is installed."""
    if importlib.util.find_spec("pycocotools") is not None:
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    elif importlib.util.find_spec("faster_coco_eval") is not None:
        from faster_coco_eval import COCO
        from faster_coco_eval import COCOeval_faster as COCOeval
    else:
        return None
    coco_gt = COCO()
    coco_gt.dataset = gt
    coco_gt.createIndex()
    coco_dt = coco_gt.loadRes(results)
    ev = COCOeval(coco_gt, coco_dt, "bbox")
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    return float(ev.stats[0]), float(ev.stats[1])


@needs_coco
@pytest.mark.skipif(
    importlib.util.find_spec("pycocotools") is None and importlib.util.find_spec("faster_coco_eval") is None,
    reason="neither pycocotools nor faster-coco-eval is installed; the hand-computed cases stand alone",
)
def test_matches_the_reference_evaluator() -> None:
    gt = json.loads((COCO_DIR / "instances.json").read_text())
    rng = random.Random(0)
    results = []
    for a in gt["annotations"]:
        if rng.random() < 0.2:
            continue  # missed
        x, y, w, h = a["bbox"]
        jitter = [
            x + rng.gauss(0, 0.1) * w,
            y + rng.gauss(0, 0.1) * h,
            w * rng.uniform(0.8, 1.2),
            h * rng.uniform(0.8, 1.2),
        ]
        results.append(res(a["image_id"], a["category_id"], jitter, rng.random()))
        if rng.random() < 0.3:  # a false positive elsewhere on the image
            results.append(res(a["image_id"], a["category_id"], [0, 0, w / 2, h / 2], rng.random()))
    ref = _reference_map(gt, results)
    assert ref is not None
    m = dm.evaluate_coco(gt, results)
    assert m.map_50_95 == pytest.approx(ref[0], abs=1e-6)
    assert m.map_50 == pytest.approx(ref[1], abs=1e-6)
