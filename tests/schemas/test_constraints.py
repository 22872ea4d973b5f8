import json
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ocula.schemas.constraints import Bounds, bounded_schema
from ocula.schemas.errors import SchemaError


class Colour(StrEnum):
    red = "red"
    blue = "blue"


class Item(BaseModel):
    name: str
    price: Decimal | None = None


class Doc(BaseModel):
    title: str = Field(description="the title")
    when: date
    colour: Colour
    kind: Literal["a", "b"]
    items: list[Item]
    total: float
    count: int = Field(ge=0, le=9)

    @field_validator("total")
    @classmethod
    def positive(cls, v: float) -> float:
        return v


def walk(node: Any):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def test_every_leaf_is_bounded_and_objects_closed():
    c = bounded_schema(Doc, Bounds(max_string=50, max_items=7))
    for node in walk(c.schema):
        if node.get("type") == "object":
            assert node["additionalProperties"] is False
        if node.get("type") == "string" and "enum" not in node and "format" not in node:
            assert node["maxLength"] <= 50
        if node.get("type") == "array":
            assert node["maxItems"] == 7
        if node.get("type") in ("number", "integer"):
            assert "minimum" in node and "maximum" in node
        if node.get("type") == "number":
            assert "multipleOf" in node
    props = c.schema["properties"]
    assert props["count"]["maximum"] == 9  # the user's own bound is kept
    assert props["title"]["description"] == "the title"
    assert c.max_tokens >= c.max_chars // 1 or c.max_tokens == Bounds().max_tokens_cap
    assert c.max_chars > 0


def test_notes_name_validators_and_dropped_alternatives():
    c = bounded_schema(Doc)
    assert any("positive" in n and "after decoding" in n for n in c.notes)
    assert any(n.startswith("Item.price") for n in c.notes)  # Decimal's string form (its pattern, or no pattern)


def test_a_decimal_is_decoded_as_a_number_whatever_its_string_form():
    class Price(BaseModel):
        price: Decimal

    node = bounded_schema(Price).schema["properties"]["price"]
    alternatives = node.get("anyOf", [node])
    assert [a["type"] for a in alternatives] == ["number"]


def test_any_field_is_a_schema_error_naming_it():
    class Bad(BaseModel):
        payload: Any

    with pytest.raises(SchemaError) as err:
        bounded_schema(Bad)
    assert "payload" in str(err.value)


def test_lookaround_pattern_is_a_schema_error():
    class Bad(BaseModel):
        model_config = ConfigDict(regex_engine="python-re")  # Pydantic's default engine rejects look-around too

        code: str = Field(pattern=r"^(?=A)\w+$")

    with pytest.raises(SchemaError) as err:
        bounded_schema(Bad)
    assert "code" in str(err.value) and "look-around" in str(err.value)


def test_recursive_model_is_rejected():
    class Node(BaseModel):
        name: str
        children: list["Node"] = []

    with pytest.raises(SchemaError) as err:
        bounded_schema(Node)
    assert "recursive" in str(err.value)


def test_unknown_format_left_to_validation():
    class M(BaseModel):
        site: str = Field(json_schema_extra={"format": "uri-reference"})

    c = bounded_schema(M)
    assert "format" not in c.schema["properties"]["site"]
    assert any("uri-reference" in n for n in c.notes)


def test_budget_grows_with_bounds():
    small = bounded_schema(Doc, Bounds(max_string=10, max_items=2))
    large = bounded_schema(Doc, Bounds(max_string=100, max_items=20))
    assert small.max_chars < large.max_chars
    assert json.loads(small.json) == small.schema


@pytest.mark.parametrize("shape", [dict[str, Any], dict], ids=["dict[str, Any]", "dict"])
def test_an_open_dict_is_refused_naming_its_field(shape: Any) -> None:
    class Open(BaseModel):
        title: str
        meta: shape  # type: ignore[valid-type]

    with pytest.raises(SchemaError, match="open dict") as err:
        bounded_schema(Open)
    assert err.value.field == "$.meta"


def test_a_dict_of_typed_values_stays_bounded() -> None:
    class Typed(BaseModel):
        counts: dict[str, int]

    node = bounded_schema(Typed).schema["properties"]["counts"]
    assert node["additionalProperties"] is False and node["maxProperties"] == Bounds().max_properties
    assert list(node["patternProperties"].values()) == [{"type": "integer", "minimum": -1e12, "maximum": 1e12}]


def test_an_empty_model_is_not_an_open_dict() -> None:
    class Empty(BaseModel):
        pass

    assert bounded_schema(Empty).schema["additionalProperties"] is False
