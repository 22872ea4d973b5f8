"""Structured output: the answer message -> a validated object, and partial objects while streaming.

`ChatOcula` writes structured output as one JSON object; streamed, it comes one top-level field per chunk
(`json_fragments`). `OculaOutputParser` turns the message into the schema's object: a Pydantic instance for a
Pydantic class, a dict otherwise. When the message carries an `Extraction` (the grounded pipeline ran), its
validated value is returned as it is. While streaming it yields the object so far after each field, as
LangChain's own parsers do: a dict with the fields decided so far, or for a Pydantic class an instance
whenever the fields so far validate (so a schema whose fields have defaults gets one per field); the
complete answer is parsed and validated at the end, and a failure raises `OutputParserException`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pydantic
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import BaseMessage, BaseMessageChunk
from langchain_core.output_parsers.transform import BaseCumulativeTransformOutputParser
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, Generation, GenerationChunk
from langchain_core.utils.json import parse_partial_json
from langchain_core.utils.pydantic import is_basemodel_subclass

from ocula.schemas import Extraction

EXTRACTION_KEY = "extraction"  # the key of the `Extraction` in a message's response_metadata


def json_fragments(text: str) -> list[str]:
    """A JSON object's text cut before each top-level comma: `{"a":1`, `,"b":2`, `}` (joined, `text` again).

    Anything else (an array, a scalar, text that is not JSON) is one fragment."""
    if not text.lstrip().startswith("{"):
        return [text]
    pieces, start, depth, in_string, escaped = [], 0, 0, False, False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0 and ch == "}":
                pieces.append(text[start:i])
                start = i
        elif ch == "," and depth == 1:
            pieces.append(text[start:i])
            start = i
    pieces.append(text[start:])
    return [p for p in pieces if p]


def _title(schema: Any) -> str:
    return str(schema.get("title", "object")) if isinstance(schema, dict) else schema.__name__


def _is_pydantic(schema: Any) -> bool:
    return isinstance(schema, type) and is_basemodel_subclass(schema)


class OculaOutputParser(BaseCumulativeTransformOutputParser[Any]):
    """A structured answer -> the schema's object (see the module docstring)."""

    schema_: Any = pydantic.Field(alias="schema")

    @property
    def _type(self) -> str:
        return "ocula_structured_output"

    def parse(self, text: str) -> Any:
        return self.parse_result([Generation(text=text)])

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        generation = result[0]
        message = generation.message if isinstance(generation, ChatGeneration) else None
        extraction = message.response_metadata.get(EXTRACTION_KEY) if message is not None else None
        if isinstance(extraction, Extraction):
            return self._from_extraction(extraction, generation.text)
        if partial:
            return self._partial(generation.text)
        return self._validate(generation.text)

    def _from_extraction(self, extraction: Extraction[Any], text: str) -> Any:
        if extraction.value is None:
            attempts = len(extraction.attempts)
            errors = "; ".join(extraction.errors) or "no value"
            raise OutputParserException(
                f"no valid {_title(self.schema_)} after {attempts} attempt(s): {errors}", llm_output=text
            )
        return extraction.value

    def _validate(self, text: str) -> Any:
        schema = self.schema_
        try:
            if isinstance(schema, type) and issubclass(schema, pydantic.BaseModel):
                return schema.model_validate_json(text)
            if _is_pydantic(schema):  # a Pydantic v1 class
                return schema.parse_raw(text)
            return json.loads(text)
        except (ValueError, pydantic.ValidationError) as err:
            raise OutputParserException(f"the answer is not a valid {_title(schema)}: {err}", llm_output=text) from err

    def _partial(self, text: str) -> Any:
        """The object so far, or None while it is not one (no field yet, or it does not validate yet)."""
        try:
            data = parse_partial_json(text)
        except ValueError:
            return None
        if not isinstance(data, dict) or not data:
            return None
        schema = self.schema_
        if not _is_pydantic(schema):
            return data
        try:
            if issubclass(schema, pydantic.BaseModel):
                return schema.model_validate(data)
            return schema.parse_obj(data)
        except (ValueError, pydantic.ValidationError):
            return None

    # streaming: partial objects, then the complete answer parsed strictly -----------------------------
    @staticmethod
    def _step(acc: Any, chunk: str | BaseMessage) -> Any:
        """The chunks so far added up (a whole message, not a chunk, comes alone and is kept as it is)."""
        if isinstance(chunk, BaseMessageChunk):
            gen: Any = ChatGenerationChunk(message=chunk)
        elif isinstance(chunk, BaseMessage):
            return ChatGeneration(message=chunk)
        else:
            gen = GenerationChunk(text=chunk)
        return gen if acc is None else acc + gen

    def _transform(self, input: Iterator[str | BaseMessage]) -> Iterator[Any]:
        acc, prev = None, None
        for chunk in input:
            acc = self._step(acc, chunk)
            parsed = self.parse_result([acc], partial=True)
            if parsed is not None and parsed != prev:
                yield parsed
                prev = parsed
        if acc is not None:
            final = self.parse_result([acc])
            if final != prev:
                yield final

    async def _atransform(self, input: AsyncIterator[str | BaseMessage]) -> AsyncIterator[Any]:
        acc, prev = None, None
        async for chunk in input:
            acc = self._step(acc, chunk)
            parsed = self.parse_result([acc], partial=True)
            if parsed is not None and parsed != prev:
                yield parsed
                prev = parsed
        if acc is not None:
            final = self.parse_result([acc])
            if final != prev:
                yield final
