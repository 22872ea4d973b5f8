"""`ocula.extract` on the OCR+LLM engine refuses a schema of boxes before reading the document."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

import ocula
from ocula.schemas.errors import ModelError
from tests.fixtures.fakes import FixedAnswer


class Detection(BaseModel):
    Object: list[str]
    Bounding_box: list[list[int]]


def test_a_box_schema_on_a_text_model_points_to_detect(tmp_path) -> None:
    model = FixedAnswer('{"Object": [], "Bounding_box": []}')
    missing = tmp_path / "never-read.png"  # the refusal comes before the document is opened
    with pytest.raises(ModelError, match=r"ocula\.detect") as raised:
        ocula.extract(missing, schema=Detection, model=model)
    assert "Bounding_box" in str(raised.value)
    assert model.calls == 0
