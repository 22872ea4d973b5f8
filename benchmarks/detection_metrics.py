"""COCO-style box mAP: AP@0.5 and AP@[.5:.95], as the COCO evaluation defines them.

Per category and IoU threshold: detections of each image sorted by score (at most `max_dets` per image and
category) are matched greedily to the unmatched ground truth box of highest IoU at or above the threshold;
crowd regions are ignored (a detection matched to one is neither true nor false positive; its IoU is the
intersection over the detection's area). Precision is made monotone and read at 101 recall points
(0, 0.01, ..., 1). mAP averages over the categories that have ground truth (crowd aside). Follows the
reference evaluator's ordering rules (stable sorts), so scores agree with it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

IOU_THRESHOLDS: tuple[float, ...] = tuple(float(t) for t in np.linspace(0.5, 0.95, 10))
RECALL_POINTS = np.linspace(0.0, 1.0, 101)


def box_iou(dt: np.ndarray, gt: np.ndarray, crowd: np.ndarray) -> np.ndarray:
    """IoU of `[x, y, w, h]` boxes, shape (len(dt), len(gt)); against a crowd box, intersection / dt area."""
    if len(dt) == 0 or len(gt) == 0:
        return np.zeros((len(dt), len(gt)))
    dx0, dy0, dw, dh = (dt[:, i : i + 1] for i in range(4))
    gx0, gy0, gw, gh = (gt[:, i] for i in range(4))
    iw = np.clip(np.minimum(dx0 + dw, gx0 + gw) - np.maximum(dx0, gx0), 0, None)
    ih = np.clip(np.minimum(dy0 + dh, gy0 + gh) - np.maximum(dy0, gy0), 0, None)
    inter = iw * ih
    union = np.where(crowd[None, :], dw * dh, dw * dh + gw * gh - inter)
    return np.divide(inter, union, out=np.zeros_like(inter, dtype=float), where=union > 0)


def interpolated_ap(recall: np.ndarray, precision: np.ndarray) -> float:
    """101-point interpolated AP from cumulative recall/precision of score-sorted detections."""
    if len(recall) == 0:
        return 0.0
    pr = np.maximum.accumulate(np.asarray(precision, dtype=float)[::-1])[::-1]
    idx = np.searchsorted(recall, RECALL_POINTS, side="left")
    return float(np.where(idx < len(pr), pr[np.minimum(idx, len(pr) - 1)], 0.0).mean())


@dataclass
class _ImageEval:
    scores: np.ndarray  # (D,)
    matched: np.ndarray  # (T, D) bool
    ignored: np.ndarray  # (T, D) bool
    n_gt: int  # ground truth that counts (non-crowd)


def _match(
    gts: list[Mapping[str, Any]], dts: list[Mapping[str, Any]], thresholds: Sequence[float], max_dets: int
) -> _ImageEval:
    crowd_all = np.array([bool(g.get("iscrowd", 0)) for g in gts], dtype=bool)
    g_order = np.argsort(crowd_all, kind="mergesort")  # crowd last
    crowd = crowd_all[g_order]
    gt_boxes = np.array([gts[i]["bbox"] for i in g_order], dtype=float).reshape(-1, 4)
    d_scores = np.array([-float(d.get("score", 1.0)) for d in dts])
    d_order = np.argsort(d_scores, kind="mergesort")[:max_dets]
    dt_boxes = np.array([dts[i]["bbox"] for i in d_order], dtype=float).reshape(-1, 4)
    scores = -d_scores[d_order] if len(dts) else np.zeros(0)
    ious = box_iou(dt_boxes, gt_boxes, crowd)
    n_t, n_d, n_g = len(thresholds), len(dt_boxes), len(gt_boxes)
    matched = np.zeros((n_t, n_d), dtype=bool)
    ignored = np.zeros((n_t, n_d), dtype=bool)
    for ti, t in enumerate(thresholds):
        gt_taken = np.zeros(n_g, dtype=bool)
        for di in range(n_d):
            best, m = min(t, 1 - 1e-10), -1
            for gi in range(n_g):
                if gt_taken[gi] and not crowd[gi]:
                    continue
                if m > -1 and not crowd[m] and crowd[gi]:
                    break  # a real match beats any crowd region after it
                if ious[di, gi] < best:
                    continue
                best, m = ious[di, gi], gi
            if m == -1:
                continue
            matched[ti, di] = True
            ignored[ti, di] = crowd[m]
            gt_taken[m] = True
    return _ImageEval(scores, matched, ignored, int((~crowd).sum()))


@dataclass
class DetectionMetrics:
    """AP per category (name -> one AP per IoU threshold) and the means over categories."""

    iou_thresholds: tuple[float, ...]
    ap: dict[str, list[float]] = field(default_factory=dict)
    recall: dict[str, list[float]] = field(default_factory=dict)

    def _mean_at(self, ti: int) -> float:
        vals = [v[ti] for v in self.ap.values()]
        return float(np.mean(vals)) if vals else float("nan")

    @property
    def map_50_95(self) -> float:
        """Mean over categories and all thresholds (nan when no category has ground truth)."""
        vals = [a for v in self.ap.values() for a in v]
        return float(np.mean(vals)) if vals else float("nan")

    @property
    def map_50(self) -> float:
        return self.map_at(0.5)

    @property
    def map_75(self) -> float:
        return self.map_at(0.75)

    def map_at(self, iou: float) -> float:
        for ti, t in enumerate(self.iou_thresholds):
            if abs(t - iou) < 1e-9:
                return self._mean_at(ti)
        raise ValueError(f"IoU threshold {iou} was not evaluated: {self.iou_thresholds}")


def evaluate_coco(
    ground_truth: Mapping[str, Any],
    results: Sequence[Mapping[str, Any]],
    *,
    iou_thresholds: Sequence[float] = IOU_THRESHOLDS,
    max_dets: int = 100,
) -> DetectionMetrics:
    """Score a COCO results list (`image_id`, `category_id`, `bbox` [x, y, w, h], `score`; score defaults
    to 1.0) against a COCO ground-truth dict. Results on images or categories absent from the ground truth
    are ignored, as the reference evaluator does."""
    thresholds = tuple(float(t) for t in iou_thresholds)
    names = {c["id"]: c.get("name", str(c["id"])) for c in ground_truth.get("categories", [])}
    image_ids = sorted(img["id"] for img in ground_truth.get("images", []))
    known_images = set(image_ids)
    gts: dict[tuple[int, int], list[Mapping[str, Any]]] = defaultdict(list)
    dts: dict[tuple[int, int], list[Mapping[str, Any]]] = defaultdict(list)
    for ann in ground_truth.get("annotations", []):
        gts[ann["image_id"], ann["category_id"]].append(ann)
    for res in results:
        if res["image_id"] in known_images and res["category_id"] in names:
            dts[res["image_id"], res["category_id"]].append(res)

    metrics = DetectionMetrics(iou_thresholds=thresholds)
    for cat_id in sorted(names):
        evals = [
            _match(gts[img, cat_id], dts[img, cat_id], thresholds, max_dets)
            for img in image_ids
            if gts.get((img, cat_id)) or dts.get((img, cat_id))
        ]
        n_gt = sum(e.n_gt for e in evals)
        if n_gt == 0:
            continue  # categories without ground truth do not count
        scores = np.concatenate([e.scores for e in evals]) if evals else np.zeros(0)
        order = np.argsort(-scores, kind="mergesort")
        matched = np.concatenate([e.matched for e in evals], axis=1)[:, order]
        ignored = np.concatenate([e.ignored for e in evals], axis=1)[:, order]
        tps = np.cumsum(matched & ~ignored, axis=1, dtype=float)
        fps = np.cumsum(~matched & ~ignored, axis=1, dtype=float)
        aps, recalls = [], []
        for ti in range(len(thresholds)):
            rc = tps[ti] / n_gt
            pr = tps[ti] / (tps[ti] + fps[ti] + np.spacing(1))
            aps.append(interpolated_ap(rc, pr))
            recalls.append(float(rc[-1]) if len(rc) else 0.0)
        metrics.ap[names[cat_id]] = aps
        metrics.recall[names[cat_id]] = recalls
    return metrics


def evaluate_detections(ground_truth: Sequence[Any], predictions: Sequence[Any]) -> DetectionMetrics:
    """Score per-image `ocula.schemas.Detections` (predictions with confidences) against ground truth ones."""
    from ocula.schemas.coco import detections_to_coco

    if len(ground_truth) != len(predictions):
        raise ValueError(f"{len(predictions)} prediction images for {len(ground_truth)} ground truth images")
    gt = detections_to_coco(ground_truth)
    categories = {c["id"]: c["name"] for c in gt["categories"]}
    pred = detections_to_coco(predictions, categories, on_unknown="skip")
    return evaluate_coco(gt, pred["annotations"])


def ground_truth_as_results(ground_truth: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ground truth's non-crowd boxes as a results list with score 1 (a perfect prediction)."""
    return [
        {"image_id": a["image_id"], "category_id": a["category_id"], "bbox": list(a["bbox"]), "score": 1.0}
        for a in ground_truth.get("annotations", [])
        if not a.get("iscrowd", 0)
    ]
