"""Answers the grammar leaves no choice in are written without the model; any choice goes to the model."""

import json

import pytest

from ocula.adapters.models.base import Constraint, Generation, GenerationRequest, Message, ModelAdapter
from ocula.pipelines.decoding.forced import ForcedWriter, forced_json


def obj(props: dict, required: list[str] | None = None, **extra) -> dict:
    return {
        "type": "object",
        "properties": props,
        "required": list(props) if required is None else required,
        "additionalProperties": False,
        **extra,
    }


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (obj({"a": {"enum": ['Ünïcode, "quoted"']}, "b": {"type": "null"}}), {"a": 'Ünïcode, "quoted"', "b": None}),
        (obj({"total": {"enum": [50.55]}, "n": {"const": 3}}), {"total": 50.55, "n": 3}),
        (obj({}), {}),
        (obj({"a": {"anyOf": [{"enum": ["x"]}]}}), {"a": "x"}),
        # an optional field that can only be null: left out or null validate the same
        (obj({"a": {"enum": ["x"]}, "b": {"type": "null"}}, required=["a"]), {"a": "x", "b": None}),
        # nested objects through $defs
        (
            {**obj({"p": {"$ref": "#/$defs/P"}}), "$defs": {"P": obj({"name": {"enum": ["Acme"]}})}},
            {"p": {"name": "Acme"}},
        ),
    ],
)
def test_one_answer_is_written(schema, expected):
    text = forced_json(schema)
    assert text is not None and json.loads(text) == expected
    assert " " not in text.replace("Ünïcode, ", "")  # compact, as the grammar writes it


@pytest.mark.parametrize(
    "schema",
    [
        obj({"a": {"enum": ["x", "y"]}}),  # two candidates
        obj({"a": {"type": "string"}}),  # free text
        obj({"a": {"anyOf": [{"enum": ["x"]}, {"type": "null"}]}}),  # a value or null
        obj({"a": {"enum": ["x"]}, "b": {"enum": ["y"]}}, required=["a"]),  # b may be left out or written
        {"type": "object", "properties": {"a": {"enum": ["x"]}}, "required": ["a"]},  # other keys allowed
        obj({"a": {"type": "array", "items": {"enum": ["x"]}}}),  # a list of any length
        obj({"p": {"$ref": "https://example.org/p.json"}}),  # a reference it cannot follow
    ],
)
def test_a_choice_is_not_forced(schema):
    assert forced_json(schema) is None


class Recording(ModelAdapter):
    name = "recording"

    def __init__(self) -> None:
        self.requests: list[GenerationRequest] = []

    def generate(self, request: GenerationRequest) -> Generation:
        self.requests.append(request)
        return Generation(text='{"a":"y"}', token_ids=[1, 2, 3])


def request(schema: dict) -> GenerationRequest:
    return GenerationRequest([Message("user", "page")], Constraint.json_schema(json.dumps(schema)))


def test_writer_answers_forced_requests_and_passes_the_rest():
    model = Recording()
    writer = ForcedWriter(model)
    forced = writer.generate(request(obj({"a": {"enum": ["x"]}})))
    assert forced.text == '{"a":"x"}' and forced.token_ids == [] and model.requests == []
    free = writer.generate(request(obj({"a": {"enum": ["x", "y"]}})))
    assert free.text == '{"a":"y"}' and len(model.requests) == 1
    writer.generate(GenerationRequest([Message("user", "page")]))  # no constraint: the model writes
    assert len(model.requests) == 2 and writer.name == "recording"
