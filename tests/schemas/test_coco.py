"""COCO conversion: ground truth and results formats, round trips, category ids, supervision export."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from ocula.schemas import BBox, Detection, Detections
from ocula.schemas.coco import detections_to_coco, to_supervision
from ocula.schemas.results import detections_from_coco

COCO_DIR = Path("/work/shared/data/coco")


def sample() -> list[Detections]:
    return [
        Detections(
            width=640,
            height=480,
            source="a.jpg",
            items=[
                Detection(label="dog", box=BBox(x0=10, y0=20, x1=110, y1=220), confidence=0.9),
                Detection(label="cat", box=BBox(x0=300.5, y0=40.25, x1=360.5, y1=80.25), confidence=0.4),
            ],
        ),
        Detections(width=320, height=200, source="b.jpg", items=[]),
        Detections(
            width=100,
            height=100,
            source="c.jpg",
            items=[Detection(label="dog", box=BBox(x0=0, y0=0, x1=100, y1=50), confidence=0.75)],
        ),
    ]


def test_to_coco_fields() -> None:
    coco = detections_to_coco(sample())
    assert coco["categories"] == [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]
    assert [img["id"] for img in coco["images"]] == [1, 2, 3]
    assert coco["images"][0] == {"id": 1, "width": 640, "height": 480, "file_name": "a.jpg"}
    dog, cat, dog2 = coco["annotations"]
    assert dog["bbox"] == [10, 20, 100, 200] and dog["area"] == 20000
    assert dog["category_id"] == 2 and dog["score"] == 0.9 and dog["image_id"] == 1
    assert cat["bbox"] == [300.5, 40.25, 60, 40] and cat["category_id"] == 1
    assert dog2["image_id"] == 3
    assert len({a["id"] for a in coco["annotations"]}) == 3


def test_score_only_when_present() -> None:
    dets = [Detections(width=10, height=10, items=[Detection(label="x", box=BBox(x0=0, y0=0, x1=5, y1=5))])]
    assert "score" not in detections_to_coco(dets)["annotations"][0]


def test_round_trip_ground_truth_format() -> None:
    original = sample()
    back = detections_from_coco(json.loads(json.dumps(detections_to_coco(original))))
    assert back == original


def test_round_trip_results_format_with_reference() -> None:
    original = sample()
    coco = detections_to_coco(original, image_ids=[11, 12, 13])
    results = coco["annotations"]  # a results list: no images, no categories
    with pytest.raises(ValueError, match="reference"):
        detections_from_coco(results)
    assert detections_from_coco(results, reference=coco) == original


def test_categories_given_as_names_or_ids() -> None:
    by_names = detections_to_coco(sample(), ["person", "dog", "cat"])
    assert {a["category_id"] for a in by_names["annotations"]} == {2, 3}
    coco_ids = detections_to_coco(sample(), {18: "dog", 17: "cat"})
    assert [a["category_id"] for a in coco_ids["annotations"]] == [18, 17, 18]
    assert coco_ids["categories"] == [{"id": 17, "name": "cat"}, {"id": 18, "name": "dog"}]


def test_unknown_labels_add_skip_or_error() -> None:
    added = detections_to_coco(sample(), {18: "dog"})
    assert added["categories"] == [{"id": 18, "name": "dog"}, {"id": 19, "name": "cat"}]
    skipped = detections_to_coco(sample(), {18: "dog"}, on_unknown="skip")
    assert [a["category_id"] for a in skipped["annotations"]] == [18, 18]
    with pytest.raises(ValueError, match="cat"):
        detections_to_coco(sample(), ["dog"], on_unknown="error")


def test_image_ids_must_match_the_images() -> None:
    with pytest.raises(ValueError):
        detections_to_coco(sample(), image_ids=[1, 2])


def test_crowd_regions_left_out_unless_asked() -> None:
    coco = {
        "images": [{"id": 5, "width": 50, "height": 40, "file_name": "p.jpg"}],
        "categories": [{"id": 1, "name": "person"}],
        "annotations": [
            {"id": 1, "image_id": 5, "category_id": 1, "bbox": [1, 2, 3, 4], "area": 12, "iscrowd": 0},
            {"id": 2, "image_id": 5, "category_id": 1, "bbox": [0, 0, 50, 40], "area": 2000, "iscrowd": 1},
            {"id": 3, "image_id": 99, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1, "iscrowd": 0},
        ],
    }
    (dets,) = detections_from_coco(coco)
    assert [d.box.as_tuple() for d in dets] == [(1, 2, 4, 6)]
    assert dets.source == "p.jpg" and (dets.width, dets.height) == (50, 40)
    assert len(detections_from_coco(coco, include_crowd=True)[0]) == 2


@pytest.mark.skipif(not (COCO_DIR / "instances.json").exists(), reason="COCO sample not present")
def test_real_coco_ground_truth_round_trips() -> None:
    gt = json.loads((COCO_DIR / "instances.json").read_text())
    dets = detections_from_coco(gt)
    assert len(dets) == 20 and sum(len(d) for d in dets) == len(gt["annotations"])
    categories = {c["id"]: c["name"] for c in gt["categories"]}
    again = detections_to_coco(dets, categories, image_ids=[img["id"] for img in gt["images"]])
    by_id = {a["id"]: a for a in gt["annotations"]}
    assert len(again["annotations"]) == len(by_id)
    original = sorted((a["image_id"], a["category_id"], *a["bbox"]) for a in gt["annotations"])
    rebuilt = sorted((a["image_id"], a["category_id"], *a["bbox"]) for a in again["annotations"])
    assert np.allclose(np.array(rebuilt), np.array(original))


def test_to_supervision_without_the_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "supervision", None)  # makes `import supervision` fail
    with pytest.raises(ImportError, match=r"ocula\[supervision\]"):
        to_supervision(sample()[0])


@pytest.mark.skipif(
    importlib.util.find_spec("supervision") is None, reason="supervision is not installed (extra ocula[supervision])"
)
def test_to_supervision_with_the_package() -> None:
    sv_dets = to_supervision(sample()[0])
    assert sv_dets.xyxy.tolist() == [[10, 20, 110, 220], [300.5, 40.25, 360.5, 80.25]]
    assert sv_dets.confidence.tolist() == [0.9, 0.4]
    assert sv_dets.class_id.tolist() == [1, 0]  # sorted labels: cat=0, dog=1
    assert list(sv_dets.data["class_name"]) == ["dog", "cat"]
