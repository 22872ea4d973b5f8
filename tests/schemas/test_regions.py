"""Fields holding boxes or regions are found by type and whole name words; text schemas are left alone."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

from ocula.schemas import BBox
from ocula.schemas.errors import ModelError
from ocula.schemas.ready import BusinessCard, IDDocument, Invoice, Receipt, SroieReceipt, Table
from ocula.schemas.regions import refuse_regions_on_text, region_fields


class Detection(BaseModel):
    """The issue's schema: objects and their bounding boxes."""

    Object: list[str]
    Bounding_box: list[list[int]]


class Found(BaseModel):
    label: str
    box: list[float] = Field(min_length=4, max_length=4)


class Scene(BaseModel):
    caption: str
    objects: list[Found]
    signatureRegion: BBox | None = None


class Counts(BaseModel):
    """Numbers that are not places: a box count, a list of amounts, a postbox."""

    box_count: int
    amounts: list[float]
    po_box: str


def test_the_issue_detection_schema_is_found() -> None:
    assert region_fields(Detection.model_json_schema()) == ["Bounding_box"]


def test_nested_boxes_and_bbox_objects_are_found_by_their_paths() -> None:
    assert region_fields(Scene.model_json_schema()) == ["objects[].box", "signatureRegion"]


@pytest.mark.parametrize("schema", [Counts, Receipt, SroieReceipt, Invoice, IDDocument, BusinessCard, Table])
def test_text_and_number_schemas_are_not_regions(schema: type[BaseModel]) -> None:
    assert region_fields(schema.model_json_schema()) == []


def test_refusal_names_the_fields_and_points_to_detect_and_the_vlm_engine() -> None:
    with pytest.raises(ModelError) as info:
        refuse_regions_on_text(Detection.model_json_schema(), "smollm2-135m")
    message = str(info.value)
    assert "Bounding_box" in message and "smollm2-135m" in message
    assert "ocula.detect" in message and "engine='vlm'" in message
    refuse_regions_on_text(SroieReceipt.model_json_schema(), "smollm2-135m")  # no error
