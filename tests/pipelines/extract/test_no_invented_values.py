"""Property: on blank, noise and tiny images, `ocula.extract` returns no string that is not on the page, for every
ready schema and a few user schemas; a required field the page cannot fill is an `UngroundedField` instead.

The page's text is what `ocula.ocr` reads from the same image; a value is on the page when each of its words
is a word of that text (a multi-line value joins lines). The bundled model is loaded once per session.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

import ocula
from ocula.pipelines.batch.records import extraction_record
from ocula.schemas.ready import READY


class Contact(BaseModel):
    name: str = Field(description="Who the document is from")
    phone: str | None = None


class Letter(BaseModel):
    sender: Contact
    subject: str
    tags: list[str] = Field(default_factory=list, max_length=3)
    urgent: bool | None = None


class Ticket(BaseModel):
    kind: Literal["bus", "train"] | None = None
    number: str = Field(max_length=30)
    price: float | None = None


SCHEMAS: dict[str, type[BaseModel]] = {**READY, "contact": Contact, "letter": Letter, "ticket": Ticket}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _schema_words(schema: type[BaseModel]) -> set[str]:
    """Values a schema itself offers (Literal and enum members): chosen, not read, so not page text."""
    words: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            words.update(str(v) for v in node.get("enum", []))
            if "const" in node:
                words.add(str(node["const"]))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(schema.model_json_schema())
    return words


def assert_nothing_invented(image: np.ndarray, name: str, llm: Any) -> None:
    schema = SCHEMAS[name]
    page_words = {w for page in ocula.ocr(image) for line in page.lines for w in line.text.split()}
    result = ocula.extract(image, schema=schema, model=llm, on_error="partial")
    record = extraction_record("image", "key", result)
    found = _strings(record["value"]) + _strings([f["value"] for f in record["fields"].values()])
    allowed = _schema_words(schema)
    invented = [s for s in found if s not in allowed and not set(s.split()) <= page_words]
    assert not invented, f"{name}: {invented} not on the page (page words: {sorted(page_words)[:20]})"
    if not page_words:
        assert "no text found on the page" in (record["error"] or "")
        assert record["status"] in ("partial", "error")
    for path, field in record["fields"].items():
        if field.get("error", "").startswith("UngroundedField"):
            assert field["value"] is None and field["mechanism"] == "not_found", path


def _image(kind: str, width: int, height: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "blank":
        return np.full((height, width, 3), rng.integers(0, 256, 3, dtype=np.uint8), dtype=np.uint8)
    return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)  # noise


images = st.builds(
    _image,
    st.sampled_from(["blank", "noise"]),
    st.integers(1, 96),
    st.integers(1, 96),
    st.integers(0, 2**16),
)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_a_one_pixel_image_gives_no_value(name: str, bundled_llm: Any) -> None:
    assert_nothing_invented(np.full((1, 1, 3), 255, dtype=np.uint8), name, bundled_llm)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(image=images, name=st.sampled_from(sorted(SCHEMAS)))
def test_blank_noise_and_tiny_images_give_no_invented_string(image: np.ndarray, name: str, bundled_llm: Any) -> None:
    assert_nothing_invented(image, name, bundled_llm)
