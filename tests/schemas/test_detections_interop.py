"""`Detections.to_coco` / `from_coco` / `to_supervision`, and the box-format functions exported by `ocula.schemas`."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from ocula import schemas
from ocula.schemas import BBox, Detection, Detections


def one_image() -> Detections:
    return Detections(
        width=640,
        height=480,
        source="street.jpg",
        items=[
            Detection(label="person", box=BBox(x0=10.5, y0=20, x1=110, y1=400.25), confidence=0.8),
            Detection(label="car", box=BBox(x0=300, y0=200, x1=600, y1=330), confidence=0.3),
        ],
    )


def test_to_coco_then_from_coco_round_trips() -> None:
    dets = one_image()
    coco = json.loads(json.dumps(dets.to_coco(image_id=7)))  # through JSON, as a file would
    assert coco["images"] == [{"id": 7, "width": 640, "height": 480, "file_name": "street.jpg"}]
    assert coco["annotations"][0]["bbox"] == [10.5, 20, 99.5, 380.25]
    back = Detections.from_coco(coco)
    assert back == dets
    assert Detections.from_coco(coco, 7) == dets


def test_from_coco_results_list_with_its_reference() -> None:
    gt = one_image().to_coco(categories=["person", "car", "bus"])
    results = [{"image_id": 1, "category_id": 3, "bbox": [1, 2, 3, 4], "score": 0.5}]
    back = Detections.from_coco(results, reference=gt)
    assert [(d.label, d.box.as_tuple(), d.confidence) for d in back] == [("bus", (1, 2, 4, 6), 0.5)]


def test_from_coco_needs_an_image_id_when_there_are_several() -> None:
    from ocula.schemas.coco import detections_to_coco

    coco = detections_to_coco([one_image(), Detections(width=10, height=10)])
    with pytest.raises(ValueError, match="holds 2 images: pass image_id"):
        Detections.from_coco(coco)
    with pytest.raises(ValueError, match="image id 9"):
        Detections.from_coco(coco, 9)
    assert Detections.from_coco(coco, 2).width == 10


def test_to_supervision_without_the_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "supervision", None)  # makes `import supervision` fail
    with pytest.raises(ImportError, match=r"ocula\[supervision\]"):
        one_image().to_supervision()


@pytest.mark.skipif(
    importlib.util.find_spec("supervision") is None, reason="supervision is not installed (extra ocula[supervision])"
)
def test_to_supervision_with_the_package() -> None:
    sv = one_image().to_supervision(categories=["person", "car"])
    assert sv.class_id.tolist() == [0, 1] and sv.xyxy.shape == (2, 4)


def test_box_formats_are_exported_from_schemas() -> None:
    box = schemas.to_page_box([250, 125, 750, 625], "norm1000_xyxy", input_size=(800, 400))
    assert box.as_tuple() == (200, 50, 600, 250)
    assert schemas.from_page_box(box, schemas.get_convention("norm1000_xyxy"), (800, 400)) == [250, 125, 750, 625]
    assert "loc1024_yxyx" in schemas.BOX_CONVENTIONS
    assert schemas.convention_for_family("paligemma").name == schemas.FAMILY_BOX_CONVENTION["paligemma"]
    assert isinstance(schemas.BOX_CONVENTIONS["patch32"], schemas.BoxConvention)
