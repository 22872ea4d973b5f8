"""A LangChain chat model as Ocula's backend: a real ChatOpenAI over the llama-cpp-python server started for
the session, the choice of structured-output mode, reading the answer, and failures as typed errors."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from PIL import Image

import ocula
from ocula.adapters.models.base import Constraint, GenerationRequest, Message, Sampling
from ocula.adapters.models.langchain_chat import LangChainChatModel, first_json_object
from ocula.errors import ModelError, ServerError, ServerTimeout, ServerUnreachable
from ocula.schemas.ready import SroieReceipt

langchain_openai = pytest.importorskip("langchain_openai", reason="the real-model tests use langchain-openai")

RECEIPT = Path(__file__).resolve().parents[3] / "samples" / "receipt.jpg"
CODE_SCHEMA = json.dumps(
    {
        "title": "Code",
        "type": "object",
        "properties": {"code": {"enum": ["ZQ417-XK"]}},
        "required": ["code"],
        "additionalProperties": False,
    }
)


def chat_openai(base_url: str, api_key: str, **options: object) -> object:
    options = {"temperature": 0, "max_tokens": 200, "max_retries": 0, **options}
    return langchain_openai.ChatOpenAI(base_url=base_url, api_key=api_key, model="smollm2", **options)


def ask(constraint: Constraint | None = None, images: list[Image.Image] | None = None) -> GenerationRequest:
    return GenerationRequest([Message("user", "Give the code.", images or [])], constraint, Sampling())


# reading answers ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Sure! ```json\n{"a": {"b": [1, "}"]}}\n``` Done.', '{"a": {"b": [1, "}"]}}'),
        ('{broken {"a": 1} {"b": 2}', '{"a": 1}'),
        ("no object here", "no object here"),
    ],
)
def test_first_json_object(text: str, expected: str) -> None:
    assert first_json_object(text) == expected


def test_the_answer_is_the_tool_calls_arguments_or_the_message_text() -> None:
    call = AIMessage("", tool_calls=[{"name": "Code", "args": {"code": "ZQ417-XK"}, "id": "1"}])
    assert json.loads(LangChainChatModel._answer_text("function_calling", call, None)) == {"code": "ZQ417-XK"}
    prose = AIMessage('Here: {"code": "X"} hope it helps')
    assert LangChainChatModel._answer_text("text", prose, None) == '{"code": "X"}'
    assert LangChainChatModel._answer_text("json_schema", AIMessage('{"code": "X"}'), None) == '{"code": "X"}'


def test_a_model_without_structured_output_falls_back_to_text_and_parses_the_reply() -> None:
    """langchain-core's generic chat model has no tools and no JSON mode: every structured mode is refused
    when it is bound, so the schema goes into the prompt and the JSON object is read from the reply."""
    chat = GenericFakeChatModel(messages=iter([AIMessage('Of course. {"code": "ZQ417-XK"} Anything else?')]))
    model = ocula.load_model(chat)
    assert isinstance(model, LangChainChatModel) and model.method == "auto"
    gen = model.generate(ask(Constraint.json_schema(CODE_SCHEMA)))
    assert model.method == "text" and json.loads(gen.text) == {"code": "ZQ417-XK"}


def test_unsupported_requests_are_refused_clearly() -> None:
    chat = GenericFakeChatModel(messages=iter([AIMessage("x")]))
    with pytest.raises(ModelError, match="method 'grammar'"):
        LangChainChatModel(chat, method="grammar")
    model = LangChainChatModel(chat)
    assert not model.capabilities.images
    with pytest.raises(ModelError, match="images=True"):
        model.generate(ask(images=[Image.new("RGB", (4, 4))]))
    with pytest.raises(ModelError, match="JSON-schema"):
        model.generate(ask(Constraint.regex("[0-9]+")))
    with pytest.raises(ModelError, match="not a LangChain chat model"):
        LangChainChatModel(object())


# a real chat model -----------------------------------------------------------------------------------------
def test_extraction_through_chat_openai_is_valid(llama_server) -> None:
    chat = chat_openai(llama_server.base_url, llama_server.api_key)
    model = ocula.load_model(chat)
    result = ocula.extract(RECEIPT, schema=SroieReceipt, model=model)
    assert isinstance(result.value, SroieReceipt) and result.attempts[-1].ok
    assert result.model.backend == "langchain" and result.model.name == "smollm2"
    # llama-cpp-python's server refuses response_format json_schema; a forced tool call carries the schema
    assert model.method == "function_calling"
    assert any(f.box is not None for f in result.fields.values() if f.value is not None)


def test_a_mode_the_server_refuses_is_a_typed_error_when_forced(llama_server) -> None:
    model = LangChainChatModel(chat_openai(llama_server.base_url, llama_server.api_key), method="json_schema")
    with pytest.raises(ServerError) as err:
        model.generate(ask(Constraint.json_schema(CODE_SCHEMA)))
    assert err.value.status is not None and "json_object" in err.value.message
    assert err.value.url == "ChatOpenAI(smollm2)"


def test_chat_model_failures_become_typed_errors(llama_server) -> None:
    wrong_key = LangChainChatModel(chat_openai(llama_server.base_url, "wrong"))
    with pytest.raises(ServerError) as err:
        wrong_key.generate(ask())
    assert err.value.status == 401 and "Invalid API key" in err.value.message
    slow = LangChainChatModel(chat_openai(llama_server.base_url, llama_server.api_key, timeout=0.05))
    with pytest.raises(ServerTimeout):
        slow.generate(ask())
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        refused = LangChainChatModel(chat_openai(f"http://127.0.0.1:{closed.getsockname()[1]}/v1", "k"))
        with pytest.raises(ServerUnreachable):
            refused.generate(ask())
