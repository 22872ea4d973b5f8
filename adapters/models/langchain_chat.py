"""Any LangChain chat model (`BaseChatModel`) as an Ocula model: hosted (Gemini, GPT-4o, Claude) or local.

The schema goes through the chat model's own structured-output mode (`with_structured_output`), so the
provider, not Ocula, decides how far it is enforced; the answer's raw text comes back and Ocula validates it
and re-asks with the errors like for any model. `method` picks the mode, tried in this order with `auto`:

1. `json_schema`: the provider's native JSON-schema output (OpenAI, Gemini, Ollama, ...);
2. `function_calling`: the schema as a forced tool call (about every tool-calling model);
3. `json_mode`: any JSON object (the schema is written into the prompt);
4. `text`: no structured output at all; the schema in the prompt, the first JSON object of the reply parsed.

A mode the model lacks (its `with_structured_output` raises) or its server refuses on the first call (an HTTP
error whose message names the option) moves on to the next; the first mode that answers is kept. There is
no grammar on Ocula's side: validity is not guaranteed, `json_mode` and `text` often need re-asks, and
sampling settings (max tokens, temperature) are the chat model's own.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from typing import Any

from ocula.adapters.models.base import Capabilities, Constraint, Generation, GenerationRequest, Message, ModelAdapter
from ocula.adapters.models.remote import as_model_error, image_data_url, mentions
from ocula.schemas.errors import ModelError, ServerError

METHODS = ("json_schema", "function_calling", "json_mode", "text")
_REFUSED_OPTION_WORDS = ("response_format", "json_schema", "tool", "function")
SCHEMA_PROMPT = "Answer with one JSON object only, no prose, that matches this JSON schema:\n{schema}"


def first_json_object(text: str) -> str:
    """The first complete JSON object in a reply (code fences and prose around it dropped); the text as it
    is when there is none, so validation reports what the model said."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            _, end = decoder.raw_decode(text, start)
        except ValueError:
            start = text.find("{", start + 1)
            continue
        return text[start:end]
    return text


def _titled(schema: dict[str, Any]) -> dict[str, Any]:
    """Providers name the output after the schema's title and refuse a schema without one."""
    return schema if schema.get("title") else {"title": "Output", **schema}


class LangChainChatModel(ModelAdapter):
    """A LangChain chat model behind Ocula's model interface (`ocula.load_model(chat)` wraps one too)."""

    backend = "langchain"

    def __init__(self, chat: Any, *, method: str = "auto", images: bool | None = None, name: str | None = None) -> None:
        from langchain_core.language_models import BaseChatModel

        if not isinstance(chat, BaseChatModel):
            raise ModelError(f"a {type(chat).__name__} is not a LangChain chat model (BaseChatModel)")
        if method != "auto" and method not in METHODS:
            raise ModelError(f"method {method!r}: use auto or one of {', '.join(METHODS)}")
        self.chat = chat
        self.method = method  # becomes the mode that worked when `auto`
        self._settled = method != "auto"
        self._lock = threading.Lock()
        self._runnables: dict[tuple[str, str], Any] = {}
        profile = getattr(chat, "profile", None) or {}
        reads_images = bool(profile.get("image_inputs")) if isinstance(profile, dict) else False
        self.capabilities = Capabilities(
            images=reads_images if images is None else images,
            constraints=frozenset({"json_schema"}),
            logprobs=False,
        )
        self.name = name or str(getattr(chat, "model_name", None) or getattr(chat, "model", None) or chat.get_name())
        self._where = f"{type(chat).__name__}({self.name})"

    # messages ----------------------------------------------------------------------------------------
    def _messages(self, messages: Sequence[Message], schema_prompt: str | None) -> list[Any]:
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
        out: list[Any] = []
        for i, m in enumerate(messages):
            text = m.text
            if schema_prompt and i == 0:
                text = f"{text}\n\n{schema_prompt}"
            if m.images:
                if not self.capabilities.images:
                    raise ModelError(f"{self._where} is declared text-only; pass images=True if it reads images")
                parts: list[Any] = [{"type": "image_url", "image_url": {"url": image_data_url(im)}} for im in m.images]
                out.append(kinds[m.role](content=[*parts, {"type": "text", "text": text}]))
            else:
                out.append(kinds[m.role](content=text))
        return out

    # structured output ------------------------------------------------------------------------------
    def _runnable(self, method: str, constraint: Constraint) -> Any:
        """The chat model bound to the schema in `method` (built once per schema and method)."""
        key = (method, constraint.spec)
        if key not in self._runnables:
            if method == "text":
                self._runnables[key] = self.chat
            else:
                schema = _titled(json.loads(constraint.spec))
                self._runnables[key] = self.chat.with_structured_output(schema, method=method, include_raw=True)
        return self._runnables[key]

    def _invoke(self, method: str, request: GenerationRequest) -> tuple[Any, Any]:
        """(raw AIMessage, parsed or None) for one request in one mode."""
        constraint = request.constraint
        in_prompt = constraint is not None and method in ("json_mode", "text")
        schema_prompt = SCHEMA_PROMPT.format(schema=constraint.spec) if in_prompt and constraint else None
        messages = self._messages(request.messages, schema_prompt)
        runnable = self.chat if constraint is None else self._runnable(method, constraint)
        try:
            out = runnable.invoke(messages)
        except ModelError:
            raise
        except Exception as err:
            raise as_model_error(err, self._where) from err
        if isinstance(out, dict) and "raw" in out:
            return out["raw"], out.get("parsed")
        return out, None

    def _methods(self) -> Sequence[str]:
        return (self.method,) if self._settled else METHODS

    def _complete(self, request: GenerationRequest) -> tuple[str, Any, Any]:
        if request.constraint is None:
            raw, parsed = self._invoke("text", request)
            return "text", raw, parsed
        if request.constraint.kind != "json_schema":
            raise ModelError(f"{self._where}: only JSON-schema constraints can go to a chat model")
        refused: list[str] = []
        for method in self._methods():
            try:
                raw, parsed = self._invoke(method, request)
            except (NotImplementedError, ValueError, TypeError) as err:  # the model has no such mode
                if self._settled:
                    raise ModelError(f"{self._where}: structured output {method!r} failed: {err}") from err
                refused.append(f"{method}: {err}")
                continue
            except ServerError as err:  # the server refused the option
                if self._settled or err.status is None or not mentions(err, *_REFUSED_OPTION_WORDS):
                    raise
                refused.append(f"{method}: {err.message}")
                continue
            with self._lock:
                self.method, self._settled = method, True
            return method, raw, parsed
        raise ModelError(f"{self._where}: no structured-output mode worked ({'; '.join(refused)})")

    # generation ------------------------------------------------------------------------------------
    def generate(self, request: GenerationRequest) -> Generation:
        if request.assistant_prefix:
            raise ModelError(f"{self._where}: a chat model cannot start its answer with a given prefix")
        start = time.perf_counter()
        method, raw, parsed = self._complete(request)
        text = self._answer_text(method, raw, parsed)
        meta = getattr(raw, "response_metadata", None) or {}
        usage = getattr(raw, "usage_metadata", None) or {}
        finish = meta.get("finish_reason") or meta.get("stop_reason") or meta.get("done_reason")
        return Generation(
            text=text,
            prompt_tokens=int(usage.get("input_tokens", 0) or 0),
            forward_passes=int(usage.get("output_tokens", 0) or 0),
            decode_seconds=time.perf_counter() - start,
            finish_reason="length" if finish in ("length", "max_tokens", "MAX_TOKENS") else "stop",
            raw=raw,
        )

    @staticmethod
    def _answer_text(method: str, raw: Any, parsed: Any) -> str:
        """The model's answer as text: the tool call's arguments, or the message text, or the parsed value."""
        tool_calls = getattr(raw, "tool_calls", None) or []
        if tool_calls:
            return json.dumps(tool_calls[0].get("args", {}), ensure_ascii=False)
        invalid = getattr(raw, "invalid_tool_calls", None) or []
        if invalid and invalid[0].get("args"):
            return str(invalid[0]["args"])
        text = getattr(raw, "text", None)  # a str in langchain-core 1.x, a method before
        if not isinstance(text, str):
            text = text() if callable(text) else ""
        if not text and parsed is not None:
            return json.dumps(parsed if isinstance(parsed, dict) else parsed.model_dump(mode="json"))
        return first_json_object(text) if method in ("json_mode", "text") else text
