"""The vlm engine end to end on a tiny random vision-language model loaded by path through `load_model`."""

import numpy as np
import pytest
from pydantic import BaseModel, ConfigDict, Field

import ocula
from ocula.adapters.models.transformers_vlm import TransformersVLM
from ocula.pipelines.extract.vlm import box_schema, split_boxes, with_boxes
from ocula.schemas.constraints import bounded_schema


class Card(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=12)
    year: int | None = Field(default=None, ge=1900, le=2100)


@pytest.fixture(scope="module")
def tiny_vlm(tmp_path_factory):
    from tests.fixtures.tiny_models import save_tiny_vlm

    folder = save_tiny_vlm("qwen2_5_vl", tmp_path_factory.mktemp("qwen"))
    return ocula.load_model(str(folder))


def test_public_loader_detects_a_vision_model(tiny_vlm):
    assert isinstance(tiny_vlm, TransformersVLM)
    assert tiny_vlm.capabilities.images and tiny_vlm.family == "qwen2_5_vl"


def test_vlm_extraction_with_boxes_in_page_pixels(tiny_vlm):
    image = np.full((300, 420, 3), 255, dtype=np.uint8)
    result = ocula.extract(image, schema=Card, model=tiny_vlm, boxes=True, grounded=False, max_new_tokens=200)
    assert isinstance(result.value, Card)
    name = result.fields["name"]
    assert name.source.kind == "model_box" and name.box is not None
    assert 0 <= name.box.x0 <= name.box.x1 <= 420 and 0 <= name.box.y0 <= name.box.y1 <= 300
    assert not any(path.endswith("_box") for path in result.fields)


def test_box_fields_sit_beside_every_leaf():
    schema = with_boxes(bounded_schema(Card).schema, box_schema("norm1000_xyxy", (100, 100)))
    assert set(schema["properties"]) == {"name", "name_box", "year", "year_box"}
    assert schema["properties"]["name_box"]["items"]["maximum"] == 1000
    data, boxes = split_boxes({"name": "A", "name_box": [1, 2, 3, 4], "rows": [{"x": 1, "x_box": [0, 0, 1, 1]}]})
    assert data == {"name": "A", "rows": [{"x": 1}]}
    assert boxes == {"name": [1, 2, 3, 4], "rows/0/x": [0, 0, 1, 1]}


def test_vlm_model_sees_a_turned_page_upright_and_boxes_come_back_in_its_pixels(tiny_vlm, monkeypatch):
    seen = []
    generate = tiny_vlm.generate

    def spy(request):
        seen.append(request.messages[-1].images[0].size)
        return generate(request)

    monkeypatch.setattr(tiny_vlm, "generate", spy)
    image = np.full((300, 420, 3), 255, dtype=np.uint8)  # lies 90 degrees turned: upright it is 300 wide, 420 tall
    result = ocula.extract(
        image, schema=Card, model=tiny_vlm, boxes=True, grounded=False, max_new_tokens=200, orientation=90
    )
    assert seen and all(size == (300, 420) for size in seen)
    box = result.fields["name"].box
    assert box is not None and 0 <= box.x0 <= box.x1 <= 420 and 0 <= box.y0 <= box.y1 <= 300


def test_vlm_box_on_the_upright_page_maps_to_the_turned_page():
    from tests.fixtures.fakes import ScriptedVLM

    model = ScriptedVLM('{"name":"A","name_box":[0,0,500,100],"year":null,"year_box":[0,0,1,1]}')
    image = np.full((300, 420, 3), 255, dtype=np.uint8)
    result = ocula.extract(image, schema=Card, model=model, engine="vlm", boxes=True, grounded=False, orientation=90)
    assert model.requests[0].messages[-1].images[0].size == (300, 420)
    # the upright page's top strip, left half, is the lying page's right strip, top half
    box = result.fields["name"].box
    assert box is not None and box.page == 0
    assert (round(box.x0), round(box.y0), round(box.x1), round(box.y1)) == (378, 0, 420, 150)


def test_vlm_auto_orientation_asks_the_classifier(monkeypatch):
    from ocula.adapters.orientation import PageOrientation
    from ocula.pipelines.extract import vlm
    from tests.fixtures.fakes import ScriptedVLM

    class Lying:
        def classify(self, image):
            return PageOrientation(180, 0.9, {180: 0.9, 0: 0.1})

    verdicts = []
    monkeypatch.setattr(vlm, "default_classifier", lambda: verdicts.append(1) or Lying())
    model = ScriptedVLM('{"name":"A","name_box":[0,0,500,500],"year":null,"year_box":[0,0,1,1]}')
    image = np.full((300, 420, 3), 255, dtype=np.uint8)
    result = ocula.extract(image, schema=Card, model=model, engine="vlm", boxes=True, grounded=False)
    box = result.fields["name"].box
    assert verdicts == [1]
    # upside down: the upright page's top-left quarter is the lying page's bottom-right quarter
    assert (round(box.x0), round(box.y0), round(box.x1), round(box.y1)) == (210, 150, 420, 300)
