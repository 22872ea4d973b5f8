"""Callbacks see `ChatOcula` and `OculaExtractor` runs with token usage and the model's name; the model calls
inside an `OculaExtractor` run are its child runs; input errors are not retried when the docs' retry is used."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.callbacks.usage import get_usage_metadata_callback
from langchain_core.outputs import LLMResult
from PIL import Image

from ocula.adapters.models.base import Capabilities, Generation, GenerationRequest, ModelAdapter
from ocula.langchain import ChatOcula, OculaExtractor
from ocula.schemas.errors import InputError, ServerError
from ocula.schemas.ready import SroieReceipt

RECEIPT = Path(__file__).resolve().parents[3] / "samples" / "receipt.jpg"
ANSWER = '{"company":"KEDAI","date":null,"address":null,"total":null}'


class Counting(ModelAdapter):
    """A text model with a fixed answer, 9 prompt tokens and 4 generated tokens per call."""

    name = "counting-model"
    backend = "test"
    capabilities = Capabilities(constraints=frozenset({"json_schema"}))

    def __init__(self, answer: str = ANSWER) -> None:
        self.answer = answer

    def generate(self, request: GenerationRequest) -> Generation:
        return Generation(text=self.answer, token_ids=[1, 2, 3, 4], prompt_tokens=9)


class Collector(BaseCallbackHandler):
    """Records chain, chat-model and LLM run events with their run ids and parents."""

    def __init__(self) -> None:
        self.chains: list[tuple[str | None, UUID, UUID | None]] = []
        self.chat_starts: list[dict[str, Any]] = []
        self.ends: list[tuple[LLMResult, UUID, UUID | None]] = []

    def on_chain_start(
        self, serialized: Any, inputs: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kw: Any
    ) -> None:
        self.chains.append((kw.get("name"), run_id, parent_run_id))

    def on_chat_model_start(
        self, serialized: Any, messages: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kw: Any
    ) -> None:
        self.chat_starts.append({"run_id": run_id, "parent": parent_run_id, "messages": messages, **kw})

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, parent_run_id: UUID | None = None, **kw: Any) -> None:
        self.ends.append((response, run_id, parent_run_id))


@pytest.fixture(scope="module")
def header(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("receipt") / "header.png"
    with Image.open(RECEIPT) as image:
        image.crop((0, 0, image.width, 80)).save(path)
    return path


def test_chat_run_reports_usage_and_model_name() -> None:
    collector = Collector()
    ChatOcula(model=Counting("hello")).invoke("hi", config={"callbacks": [collector]})
    (start,) = collector.chat_starts
    assert start["metadata"]["ls_model_name"] == "counting-model" and start["metadata"]["ls_provider"] == "ocula"
    ((result, run_id, _),) = collector.ends
    assert run_id == start["run_id"]
    assert result.llm_output == {
        "model_name": "counting-model",
        "model_provider": "ocula",
        "token_usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13},
    }
    assert result.generations[0][0].message.usage_metadata["total_tokens"] == 13  # type: ignore[attr-defined]


def test_extractor_model_calls_are_child_runs_with_usage(header: Path) -> None:
    collector = Collector()
    runnable = OculaExtractor(schema=SroieReceipt, model=Counting(), max_attempts=1)
    with get_usage_metadata_callback() as usage:
        runnable.invoke(str(header), config={"callbacks": [collector]})
    ((_, chain_id, _),) = [c for c in collector.chains if c[0] == "OculaExtractor"]
    assert collector.chat_starts and all(s["parent"] == chain_id for s in collector.chat_starts)
    start = collector.chat_starts[0]
    assert start["name"] == "counting-model" and start["metadata"]["ls_model_name"] == "counting-model"
    assert "Fields to extract" in start["messages"][0][-1].content  # the pipeline's prompt
    result, run_id, parent = collector.ends[0]
    assert run_id == start["run_id"] and parent == chain_id
    assert result.llm_output["token_usage"]["total_tokens"] == 13  # type: ignore[index]
    assert usage.usage_metadata["counting-model"]["total_tokens"] == 13 * len(collector.chat_starts)


def test_documented_retry_does_not_retry_an_input_error(tmp_path: Path) -> None:
    collector = Collector()
    runnable = OculaExtractor(schema=SroieReceipt, model=Counting()).with_retry(
        retry_if_exception_type=(ServerError,), stop_after_attempt=3
    )
    with pytest.raises(InputError, match="no such file"):
        runnable.invoke(str(tmp_path / "missing.png"), config={"callbacks": [collector]})
    attempts = [c for c in collector.chains if c[0] == "OculaExtractor" and c[2] is not None]  # under the retry
    assert len(attempts) == 1
