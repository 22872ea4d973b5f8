"""COCO JSON (ground truth and results formats) and `supervision.Detections`, for labelled boxes.

COCO boxes are `[x, y, width, height]` in pixels; Ocula's are `x0 y0 x1 y1` of the original page.
Only boxes are exchanged: segmentations are neither written nor read.

This module knows COCO, not Ocula's result types: it writes anything shaped like `Detections` (`width`,
`height`, `source`, and its detections' `label`, `box`, `confidence`) and reads COCO into `CocoImage` records.
`Detections.to_coco()`, `Detections.from_coco()` and `ocula.schemas.results.detections_from_coco` build on it,
so the dependency runs one way: results -> coco -> geometry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ocula.schemas.geometry import BBox


class LabelledBox(Protocol):
    """One detection as COCO sees it (`ocula.schemas.Detection` is one)."""

    @property
    def label(self) -> str: ...

    @property
    def box(self) -> BBox: ...

    @property
    def confidence(self) -> float | None: ...


class LabelledImage(Protocol):
    """The detections of one image as COCO sees them (`ocula.schemas.Detections` is one)."""

    @property
    def width(self) -> int: ...

    @property
    def height(self) -> int: ...

    @property
    def source(self) -> str | None: ...

    def __iter__(self) -> Iterator[LabelledBox]: ...


@dataclass(frozen=True)
class CocoBox:
    """One COCO annotation read back: its category name, box in `x0 y0 x1 y1` pixels, and score if any."""

    label: str
    box: BBox
    confidence: float | None = None


@dataclass(frozen=True)
class CocoImage:
    """One entry of a COCO `images` list with its annotations, in the order they were listed."""

    id: int
    width: int
    height: int
    file_name: str | None = None
    boxes: list[CocoBox] = field(default_factory=list)


Categories = Sequence[str] | Mapping[int, str]


def _category_ids(
    categories: Categories | None, labels: Sequence[str], on_unknown: Literal["add", "skip", "error"]
) -> dict[str, int]:
    if categories is None:
        return {name: i for i, name in enumerate(sorted(set(labels)), start=1)}
    ids = (
        {name: cid for cid, name in categories.items()}
        if isinstance(categories, Mapping)
        else {name: i for i, name in enumerate(categories, start=1)}
    )
    if on_unknown == "add":
        next_id = max(ids.values(), default=0) + 1
        for name in labels:
            if name not in ids:
                ids[name] = next_id
                next_id += 1
    elif on_unknown == "error":
        unknown = sorted({name for name in labels if name not in ids})
        if unknown:
            raise ValueError(f"labels not among the categories: {unknown}")
    return ids


def detections_to_coco(
    detections: Sequence[LabelledImage],
    categories: Categories | None = None,
    *,
    image_ids: Sequence[int] | None = None,
    on_unknown: Literal["add", "skip", "error"] = "add",
) -> dict[str, Any]:
    """One COCO dict (`images`, `annotations`, `categories`) for a list of per-image `Detections`.

    `categories`: names (ids 1..n in order) or an id -> name mapping (keeps COCO's own ids); by default the
    sorted labels found. Labels outside given categories are added with new ids, skipped or rejected
    (`on_unknown`). `image_ids` default to 1..n. A detection's confidence becomes the annotation's `score`.
    """
    if image_ids is not None and len(image_ids) != len(detections):
        raise ValueError(f"{len(image_ids)} image ids for {len(detections)} images")
    ids = list(image_ids) if image_ids is not None else list(range(1, len(detections) + 1))
    labels = [d.label for dets in detections for d in dets]
    cat_ids = _category_ids(categories, labels, on_unknown)
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for image_id, dets in zip(ids, detections, strict=True):
        image: dict[str, Any] = {"id": image_id, "width": dets.width, "height": dets.height}
        if dets.source is not None:
            image["file_name"] = dets.source
        images.append(image)
        for det in dets:
            if det.label not in cat_ids:
                continue
            b = det.box
            ann: dict[str, Any] = {
                "id": len(annotations) + 1,
                "image_id": image_id,
                "category_id": cat_ids[det.label],
                "bbox": [b.x0, b.y0, b.width, b.height],
                "area": b.area,
                "iscrowd": 0,
            }
            if det.confidence is not None:
                ann["score"] = det.confidence
            annotations.append(ann)
    cats = [{"id": cid, "name": name} for name, cid in sorted(cat_ids.items(), key=lambda kv: kv[1])]
    return {"images": images, "annotations": annotations, "categories": cats}


def read_coco(
    coco: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    reference: Mapping[str, Any] | None = None,
    include_crowd: bool = False,
) -> list[CocoImage]:
    """Every image of COCO data with its boxes, in the order of the COCO `images` list.

    `coco` is a ground-truth dict, or a results list (`image_id`, `category_id`, `bbox`, `score`); a
    results list carries no image sizes or category names, so pass the ground truth as `reference`.
    Crowd regions (`iscrowd: 1`) are left out unless `include_crowd`.
    """
    if isinstance(coco, Mapping):
        annotations = list(coco.get("annotations", []))
        meta = coco if reference is None else reference
    else:
        if reference is None:
            raise ValueError("a COCO results list has no images or categories: pass reference=<ground truth>")
        annotations, meta = list(coco), reference
    names = {c["id"]: c["name"] for c in meta.get("categories", [])}
    images = list(meta.get("images", []))
    by_image: dict[int, list[CocoBox]] = {img["id"]: [] for img in images}
    for ann in annotations:
        if ann.get("iscrowd", 0) and not include_crowd:
            continue
        if ann["image_id"] not in by_image:
            continue
        x, y, w, h = (float(v) for v in ann["bbox"])
        box = BBox.from_xywh(x, y, w, h)
        label = names.get(ann["category_id"], str(ann["category_id"]))
        by_image[ann["image_id"]].append(CocoBox(label=label, box=box, confidence=ann.get("score")))
    return [
        CocoImage(
            id=img["id"],
            width=int(img["width"]),
            height=int(img["height"]),
            file_name=img.get("file_name"),
            boxes=by_image[img["id"]],
        )
        for img in images
    ]


def to_supervision(detections: LabelledImage, categories: Categories | None = None) -> Any:
    """`supervision.Detections` with `xyxy`, `confidence` (when every detection has one), `class_id` and
    `data["class_name"]`. Class ids are 0-based positions in `categories` (or in the sorted labels), or the
    ids of an id -> name mapping."""
    try:
        import numpy as np
        import supervision as sv
    except ImportError as e:
        raise ImportError("to_supervision needs the `supervision` package: pip install 'ocula[supervision]'") from e
    labels = [d.label for d in detections]
    shift = 0 if isinstance(categories, Mapping) else 1
    cat_ids = {name: cid - shift for name, cid in _category_ids(categories, labels, "add").items()}
    n = len(labels)
    confidences = [d.confidence for d in detections]
    return sv.Detections(
        xyxy=np.array([d.box.as_tuple() for d in detections], dtype=float).reshape(n, 4),
        confidence=(np.array(confidences, dtype=float) if n and all(c is not None for c in confidences) else None),
        class_id=np.array([cat_ids[label] for label in labels], dtype=int),
        data={"class_name": np.array(labels, dtype=str)},
    )
