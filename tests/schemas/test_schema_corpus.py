"""30 varied schemas, decoded by a tiny random model under their bounded grammar: every output must parse,
validate and be complete. Random weights write random values, so only an active, bounded grammar passes."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from enum import Enum
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, create_model

from ocula.adapters.models.base import Constraint, GenerationRequest, Message, Sampling
from ocula.schemas.constraints import Bounds, bounded_schema, without_hints

BOUNDS = Bounds(max_string=24, max_items=4)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Colour(str, Enum):  # noqa: UP042 - a str Enum, as users write it
    red = "red"
    green = "green"


class Address(Strict):
    street: str
    city: str | None = None


class Line(Strict):
    description: str
    quantity: int = Field(ge=1, le=99)
    price: Decimal = Field(ge=0, le=10000, decimal_places=2)


class Cat(Strict):
    kind: Literal["cat"]
    lives: int = Field(ge=0, le=9)


class Dog(Strict):
    kind: Literal["dog"]
    good: bool


def make(model_name: str, **fields) -> type[BaseModel]:
    return create_model(model_name, __base__=Strict, **fields)


SCHEMAS: list[type[BaseModel]] = [
    make("S01", name=(str, ...)),
    make("S02", count=(int, ...)),
    make("S03", ratio=(float, ...)),
    make("S04", flag=(bool, ...)),
    make("S05", when=(dt.date, ...)),
    make("S06", when=(dt.datetime, ...)),
    make("S07", amount=(Decimal, ...)),
    make("S08", colour=(Colour, ...)),
    make("S09", kind=(Literal["a", "b", "c"], ...)),
    make("S10", maybe=(str | None, None)),
    make("S11", tags=(list[str], ...)),
    make("S12", scores=(list[float], ...)),
    make("S13", address=(Address, ...)),
    make("S14", lines=(list[Line], ...)),
    make("S15", pet=(Cat | Dog, ...)),
    make("S16", pet=(Cat | Dog | None, None)),
    make("S17", code=(str, Field(pattern=r"^[A-Z]{3}-\d{4}$"))),
    make("S18", short=(str, Field(min_length=2, max_length=5))),
    make("S19", pct=(float, Field(ge=0, le=100))),
    make("S20", year=(int, Field(ge=1900, le=2100))),
    make("S21", email=(str, Field(pattern=r"^[a-z]{1,8}@[a-z]{1,8}\.com$"))),
    make("S22", total=(float, Field(gt=0, lt=1))),
    make("S23", items=(list[int], Field(min_length=1, max_length=3))),
    make("S24", matrix=(list[list[int]], Field(max_length=2))),
    make("S25", meta=(dict[str, int], ...)),
    make("S26", note=(str, Field(default="none", description="a free note"))),
    make("S27", id=(str, ...), address=(Address | None, None), lines=(list[Line], Field(max_length=2))),
    make("S28", pair=(tuple[int, str], ...)),
    make("S29", colours=(list[Colour], ...), when=(dt.date | None, None)),
    make("S30", nested=(list[Address], Field(max_length=2)), total=(Decimal, Field(ge=0, le=1e6))),
]


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory):
    from ocula.model_cache import load_model
    from tests.fixtures.tiny_models import save_tiny_lm

    folder = save_tiny_lm(tmp_path_factory.mktemp("tiny-lm"))
    return load_model(str(folder))  # the public loader, by path


def test_thirty_schemas():
    assert len(SCHEMAS) == 30 and len({s.__name__ for s in SCHEMAS}) == 30


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.__name__)
@pytest.mark.parametrize("seed", [0, 1])
def test_random_model_output_always_validates(tiny_lm, schema, seed):
    bounded = bounded_schema(schema, BOUNDS)
    constraint = Constraint.json_schema(json.dumps(without_hints(bounded.schema)))
    request = GenerationRequest(
        [Message("user", f"Fill in {schema.__name__}.")],
        constraint,
        Sampling(max_new_tokens=bounded.max_tokens, temperature=1.0, seed=seed),
    )
    gen = tiny_lm.generate(request)
    assert gen.finish_reason == "stop", f"cut off after {len(gen.token_ids)} tokens: {gen.text[:200]}"
    schema.model_validate_json(gen.text)
