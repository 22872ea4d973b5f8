"""Model calls reported to LangChain callbacks, so traces show what the pipeline asked of the model.

`ReportingModel` wraps a loaded `ModelAdapter` for one run: each `generate` is a child chat-model run
(`on_chat_model_start` with the messages, `on_llm_end` with the answer, its token usage and the model's
name), and each candidate scoring of the ranked decoding a child LLM run (the prompt; the scores and the
number of tokens scored). Everything else is the wrapped model's. Usage in messages and results follows
LangChain's shapes (`usage_metadata`, `llm_output["token_usage"]`), so tracers and usage callbacks add it up.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import BaseCallbackManager
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, Generation, LLMResult
from PIL import Image

from ocula.adapters.models.base import Generation as ModelGeneration
from ocula.adapters.models.base import GenerationRequest, Message, ModelAdapter

PROVIDER = "ocula"
_LC_MESSAGES = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}


def usage(gen: ModelGeneration) -> UsageMetadata:
    generated = len(gen.token_ids)
    return UsageMetadata(
        input_tokens=gen.prompt_tokens, output_tokens=generated, total_tokens=gen.prompt_tokens + generated
    )


def response_metadata(gen: ModelGeneration, model: ModelAdapter) -> dict[str, Any]:
    return {
        "model_name": model.name,
        "model_provider": PROVIDER,
        "backend": model.backend,
        "finish_reason": gen.finish_reason,
        "seconds": round(gen.seconds, 4),
    }


def llm_output(model_name: str, token_usage: UsageMetadata | None) -> dict[str, Any]:
    """`LLMResult.llm_output` as LangChain's chat models fill it (OpenAI's key names for the usage)."""
    out: dict[str, Any] = {"model_name": model_name, "model_provider": PROVIDER}
    if token_usage is not None:
        out["token_usage"] = {
            "prompt_tokens": token_usage["input_tokens"],
            "completion_tokens": token_usage["output_tokens"],
            "total_tokens": token_usage["total_tokens"],
        }
    return out


def ls_metadata(model: ModelAdapter, temperature: float, max_tokens: int | None, kind: str = "chat") -> dict[str, Any]:
    """The `ls_*` run metadata LangSmith reads the provider and model name from."""
    meta: dict[str, Any] = {
        "ls_provider": PROVIDER,
        "ls_model_name": model.name,
        "ls_model_type": kind,
        "ls_temperature": temperature,
    }
    if max_tokens is not None:
        meta["ls_max_tokens"] = max_tokens
    return meta


def _lc_message(message: Message) -> BaseMessage:
    text = message.text
    if message.images:
        text += f"\n[{len(message.images)} image(s) given to the model]"
    return _LC_MESSAGES.get(message.role, HumanMessage)(text)


class ReportingModel(ModelAdapter):
    """`inner` with each generation and scoring reported as a child run to `callbacks` (see the module)."""

    def __init__(self, inner: ModelAdapter, callbacks: BaseCallbackManager) -> None:
        self.inner = inner
        self.callbacks = callbacks
        self.name = inner.name
        self.backend = inner.backend
        self.family = inner.family
        self.capabilities = inner.capabilities

    def _serialized(self, kind: str) -> dict[str, Any]:
        return {"lc": 1, "type": "not_implemented", "id": ["ocula", kind, self.backend], "name": self.name}

    def generate(self, request: GenerationRequest) -> ModelGeneration:
        return self.generate_batch([request])[0]

    def generate_batch(self, requests: Sequence[GenerationRequest]) -> list[ModelGeneration]:
        runs = [self._start(r) for r in requests]
        try:
            gens = [self.inner.generate(requests[0])] if len(requests) == 1 else self.inner.generate_batch(requests)
        except BaseException as err:
            for run in runs:
                run.on_llm_error(err)
            raise
        for run, gen in zip(runs, gens, strict=True):
            message = AIMessage(gen.text, usage_metadata=usage(gen), response_metadata=response_metadata(gen, self))
            result = LLMResult(
                generations=[[ChatGeneration(message=message)]], llm_output=llm_output(self.name, usage(gen))
            )
            run.on_llm_end(result)
        return gens

    def _start(self, request: GenerationRequest) -> Any:
        sampling = request.sampling
        params = {
            "model_name": self.name,
            "temperature": sampling.temperature,
            "max_tokens": sampling.max_new_tokens,
            "constraint": request.constraint.kind if request.constraint else None,
        }
        manager = self._manager(ls_metadata(self, sampling.temperature, sampling.max_new_tokens))
        (run,) = manager.on_chat_model_start(
            self._serialized("chat"),
            [[_lc_message(m) for m in request.messages]],
            invocation_params=params,
            name=self.name,
        )
        return run

    def _manager(self, metadata: dict[str, Any]) -> Any:
        """The callback manager with this run's own `ls_*` metadata (not passed on to its children)."""
        manager = self.callbacks.copy()
        manager.add_metadata(metadata, inherit=False)
        return manager

    def token_logprobs(self, prompt: str, continuations: Sequence[str]) -> list[list[float]]:
        (run,) = self._manager(ls_metadata(self, 0.0, None, kind="llm")).on_llm_start(
            self._serialized("score"),
            [prompt],
            invocation_params={"model_name": self.name, "candidates": len(continuations)},
            name=f"{self.name} (score candidates)",
        )
        try:
            rows = self.inner.token_logprobs(prompt, continuations)
        except BaseException as err:
            run.on_llm_error(err)
            raise
        scores = {c: round(sum(r), 4) for c, r in zip(continuations, rows, strict=True)}
        output = llm_output(self.name, None)
        output["scored_tokens"] = sum(len(r) for r in rows)
        text = json.dumps(scores, ensure_ascii=False)
        run.on_llm_end(LLMResult(generations=[[Generation(text=text)]], llm_output=output))
        return rows

    # everything else is the wrapped model's --------------------------------------------------------
    @property
    def can_score(self) -> bool:
        return self.inner.can_score

    def render(self, messages: Sequence[Message], assistant_prefix: str = "") -> str:
        return self.inner.render(messages, assistant_prefix)

    def input_image_size(self, image: Image.Image) -> tuple[int, int]:
        return self.inner.input_image_size(image)

    def close(self) -> None:
        """The wrapped model stays loaded: it belongs to the process-wide cache or to the caller."""

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # not set yet (copying, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)
