"""`benchmarks/eval_detect.py --model`: ocula.detect on COCO images, scored; a perfect scripted model scores 1."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

import ocula.api
from tests.fixtures.fakes import ScriptedVLM

ROOT = Path(__file__).resolve().parents[2]


def _eval_detect():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location("eval_detect", ROOT / "benchmarks" / "eval_detect.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


@pytest.fixture
def coco(tmp_path: Path) -> Path:
    (tmp_path / "images").mkdir()
    cv2.imwrite(str(tmp_path / "images" / "a.png"), np.full((100, 200, 3), 90, np.uint8))
    gt = {
        "images": [{"id": 5, "file_name": "a.png", "width": 200, "height": 100}],
        "annotations": [{"id": 1, "image_id": 5, "category_id": 3, "bbox": [20, 10, 100, 50], "area": 5000}],
        "categories": [{"id": 3, "name": "cat"}, {"id": 4, "name": "dog"}],
    }
    (tmp_path / "instances.json").write_text(json.dumps(gt))
    return tmp_path


def test_model_predictions_are_scored(coco: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    answer = json.dumps({"objects": [{"label": "cat", "box": [100, 100, 600, 600]}]})  # the truth, in 0-1000
    model = ScriptedVLM(answer)
    monkeypatch.setattr(ocula.api, "load_model", lambda name: model)
    out = coco / "preds.json"
    assert _eval_detect().main(["--data", str(coco), "--model", "scripted", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "mAP@0.5: 1.0000" in printed and "mAP@[.5:.95]: 1.0000" in printed
    assert json.loads(out.read_text()) == [
        {"image_id": 5, "category_id": 3, "bbox": [20.0, 10.0, 100.0, 50.0], "score": 1.0}
    ]
    enum = json.loads(model.requests[0].constraint.spec)["properties"]["objects"]["items"]["properties"]["label"]
    assert enum == {"enum": ["cat", "dog"]}
