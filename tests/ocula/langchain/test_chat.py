"""`ChatOcula`: message conversion, OCR of images for a text-only model, grammar-constrained structured output
and tool calls, streaming, stop sequences. Fast tests use a scripted adapter; `slow` ones the bundled model."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from ocula.adapters.models.base import Capabilities, Generation, GenerationRequest, ModelAdapter
from ocula.langchain import ChatOcula
from ocula.langchain.content import decode_data_url, message_content
from ocula.schemas.errors import InputError
from ocula.schemas.ready import Receipt, SroieReceipt

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
RECEIPT_URL = "data:image/jpeg;base64," + base64.b64encode((SAMPLES / "receipt.jpg").read_bytes()).decode()


class Scripted(ModelAdapter):
    """Answers with the given texts in turn and records every request."""

    name = "scripted"
    backend = "test"

    def __init__(self, *answers: str, images: bool = False) -> None:
        self.answers = list(answers)
        self.requests: list[GenerationRequest] = []
        self.capabilities = Capabilities(images=images, constraints=frozenset({"json_schema"}))

    def generate(self, request: GenerationRequest) -> Generation:
        self.requests.append(request)
        text = self.answers.pop(0)
        return Generation(text=text, token_ids=list(range(len(text.split()))), prompt_tokens=7)


class Joke(BaseModel):
    """Joke to tell user."""

    setup: str = Field(description="question to set up a joke")
    punchline: str = Field(description="answer to resolve the joke")


def image_message(text: str = "Read this.") -> HumanMessage:
    return HumanMessage([{"type": "text", "text": text}, {"type": "image_url", "image_url": {"url": RECEIPT_URL}}])


# content ----------------------------------------------------------------------------------------------
def test_data_url_decodes_to_the_original_bytes() -> None:
    data, mime = decode_data_url(RECEIPT_URL)
    assert data == (SAMPLES / "receipt.jpg").read_bytes()
    assert mime == "image/jpeg"


def test_http_urls_are_refused_not_fetched() -> None:
    with pytest.raises(InputError, match="does not fetch"):
        message_content(HumanMessage([{"type": "image_url", "image_url": {"url": "https://example.org/a.png"}}]))


@pytest.mark.parametrize(
    "block",
    [
        {"type": "image_url", "image_url": {"url": RECEIPT_URL}},
        {"type": "image_url", "image_url": RECEIPT_URL},
        {"type": "image", "base64": RECEIPT_URL.split(",", 1)[1], "mime_type": "image/jpeg"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": RECEIPT_URL.split(",")[1]}},
    ],
    ids=["openai", "openai-str", "standard", "anthropic"],
)
def test_every_image_block_shape_gives_the_image_bytes(block: dict[str, Any]) -> None:
    content = message_content(HumanMessage([{"type": "text", "text": "hi"}, block]))
    assert content.text == "hi"
    assert [a.data for a in content.attachments] == [(SAMPLES / "receipt.jpg").read_bytes()]


# conversion and prompts -------------------------------------------------------------------------------
def test_text_only_model_gets_ocr_text_in_the_prompt() -> None:
    adapter = Scripted("ok")
    chat = ChatOcula(model=adapter)
    chat._read_text = lambda attachment: ["KEDAI RUNCIT MAJU JAYA"]  # type: ignore[method-assign]
    chat.invoke([image_message("What shop?")])
    (user,) = adapter.requests[0].messages
    assert user.images == []
    assert user.text.startswith("What shop?")
    assert "read by OCR" in user.text and "KEDAI RUNCIT MAJU JAYA" in user.text


def test_image_model_gets_the_image() -> None:
    adapter = Scripted("ok", images=True)
    ChatOcula(model=adapter).invoke([image_message()])
    (user,) = adapter.requests[0].messages
    assert len(user.images) == 1 and user.images[0].size[0] > 100
    assert "OCR" not in user.text


def test_roles_tool_calls_and_results_reach_the_model() -> None:
    adapter = Scripted("done")
    history = [
        SystemMessage("Be brief."),
        HumanMessage("What is 1 + 2?"),
        AIMessage("", tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "c1", "type": "tool_call"}]),
        ToolMessage("3", name="add", tool_call_id="c1"),
    ]
    ChatOcula(model=adapter).invoke(history)
    roles = [m.role for m in adapter.requests[0].messages]
    texts = [m.text for m in adapter.requests[0].messages]
    assert roles == ["system", "user", "assistant", "user"]
    assert json.loads(texts[2]) == {"name": "add", "arguments": {"a": 1, "b": 2}}
    assert texts[3] == "Result of tool add: 3"


def test_images_in_a_tool_message_are_read_too() -> None:
    adapter = Scripted("a shop receipt")
    chat = ChatOcula(model=adapter)
    chat._read_text = lambda attachment: ["KEDAI RUNCIT MAJU JAYA"]  # type: ignore[method-assign]
    call = {"name": "photo", "args": {}, "id": "c1", "type": "tool_call"}
    result = ToolMessage([{"type": "image_url", "image_url": {"url": RECEIPT_URL}}], name="photo", tool_call_id="c1")
    chat.invoke([HumanMessage("Describe the photo."), AIMessage("", tool_calls=[call]), result])
    last = adapter.requests[0].messages[-1]
    assert last.text.startswith("Result of tool photo: ") and "KEDAI RUNCIT MAJU JAYA" in last.text


def test_free_text_uses_max_tokens_and_no_constraint() -> None:
    adapter = Scripted("hello there")
    message = ChatOcula(model=adapter, max_tokens=5, temperature=0.3).invoke("hi")
    request = adapter.requests[0]
    assert request.constraint is None
    assert request.sampling.max_new_tokens == 5 and request.sampling.temperature == 0.3
    assert message.content == "hello there"
    assert message.usage_metadata == {"input_tokens": 7, "output_tokens": 2, "total_tokens": 9}
    assert message.response_metadata["model_name"] == "scripted"


def test_stop_sequences_cut_the_text() -> None:
    assert ChatOcula(model=Scripted("say hi to you all")).invoke("x", stop=["you"]).content == "say hi to "
    assert ChatOcula(model=Scripted("a.b"), stop=["."]).invoke("x").content == "a"


def test_free_text_streams_in_one_last_chunk_with_usage() -> None:
    chunks = list(ChatOcula(model=Scripted("one two")).stream("hi"))
    assert len(chunks) == 1
    assert chunks[0].content == "one two" and chunks[0].chunk_position == "last"
    assert chunks[0].usage_metadata is not None and chunks[0].usage_metadata["output_tokens"] == 2


# structured output -------------------------------------------------------------------------------------
def test_structured_output_decodes_under_the_bounded_schema() -> None:
    adapter = Scripted('{"setup":"Why?","punchline":"Because."}')
    joke = ChatOcula(model=adapter, max_string_length=30).with_structured_output(Joke).invoke("A joke")
    assert joke == Joke(setup="Why?", punchline="Because.")
    request = adapter.requests[0]
    assert request.constraint is not None and request.constraint.kind == "json_schema"
    spec = json.loads(request.constraint.spec)
    assert spec["additionalProperties"] is False
    assert spec["properties"]["setup"]["maxLength"] == 30
    assert request.messages[0].role == "system" and "punchline" in request.messages[0].text


def test_structured_output_dict_and_typeddict_schemas_give_dicts() -> None:
    class JokeDict(TypedDict):
        """Joke to tell user."""

        setup: str
        punchline: str

    answer = '{"setup":"a","punchline":"b"}'
    for schema in (JokeDict, Joke.model_json_schema()):
        result = ChatOcula(model=Scripted(answer)).with_structured_output(schema).invoke("x")
        assert result == {"setup": "a", "punchline": "b"}


def test_include_raw_reports_a_parsing_error_instead_of_raising() -> None:
    chat = ChatOcula(model=Scripted('{"setup":"only"}'))
    out = chat.with_structured_output(Joke, include_raw=True).invoke("x")
    assert isinstance(out["raw"], AIMessage)
    assert out["parsed"] is None and isinstance(out["parsing_error"], OutputParserException)
    with pytest.raises(OutputParserException):
        ChatOcula(model=Scripted('{"setup":"only"}')).with_structured_output(Joke).invoke("x")


# tools ----------------------------------------------------------------------------------------------------
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def test_forced_tool_call_is_parsed_into_a_tool_call() -> None:
    adapter = Scripted('{"name":"add","arguments":{"a":1,"b":2}}')
    message = ChatOcula(model=adapter).bind_tools([add], tool_choice="any").invoke("1 + 2?")
    assert message.tool_calls[0]["name"] == "add" and message.tool_calls[0]["args"] == {"a": 1, "b": 2}
    spec = json.loads(adapter.requests[0].constraint.spec)  # type: ignore[union-attr]
    assert spec["properties"]["name"] == {"const": "add"}


def test_auto_tool_choice_allows_a_text_answer() -> None:
    adapter = Scripted('{"answer":"hello"}')
    message = ChatOcula(model=adapter).bind_tools([add]).invoke("hi")
    assert message.content == "hello" and message.tool_calls == []
    spec = json.loads(adapter.requests[0].constraint.spec)  # type: ignore[union-attr]
    assert len(spec["anyOf"]) == 2


def test_unknown_tool_choice_is_refused() -> None:
    with pytest.raises(ValueError, match="tool_choice"):
        ChatOcula(model=Scripted()).bind_tools([add], tool_choice="subtract")


# the bundled model ------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_bundled_model_reads_a_receipt_image_into_a_valid_schema() -> None:
    """Image -> the extraction pipeline (OCR, candidates, ranking, grammar) -> a validated SROIE instance."""
    out = ChatOcula().with_structured_output(SroieReceipt, include_raw=True).invoke([image_message("Receipt:")])
    assert out["parsing_error"] is None
    assert isinstance(out["parsed"], SroieReceipt)
    extraction = out["raw"].response_metadata["extraction"]
    assert all(f.box is not None for f in extraction.fields.values() if f.value is not None)
    # the usage is the model's own work: none where rules and single candidates decided every value
    decided = {f.mechanism for f in extraction.fields.values()} <= {"rule", "label", "single_candidate"}
    assert (out["raw"].usage_metadata["total_tokens"] == 0) == decided


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("OCULA_LONG_TESTS"),
    reason="the full Receipt schema (up to 40 items) takes minutes on 2 cores; set OCULA_LONG_TESTS=1",
)
def test_bundled_model_returns_a_valid_receipt_from_an_image() -> None:
    receipt = ChatOcula().with_structured_output(Receipt).invoke([image_message("Extract the receipt.")])
    assert isinstance(receipt, Receipt)
    assert Receipt.model_validate(receipt.model_dump()) == receipt
