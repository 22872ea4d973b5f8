"""`ChatOcula`: a LangChain chat model over Ocula's local models.

- `model` is a model name (loaded once per process through `ocula.load_model`; default: the bundled
  SmolLM2-135M on llama.cpp) or an already loaded `ModelAdapter`.
- Multimodal input: text plus images (`image_url` data URLs, standard `image` blocks with base64) and PDFs
  (`file` blocks). A model that reads images gets the pages; a text-only model (the default) gets the text
  Ocula's OCR reads from them, put into the prompt under a line saying it was read by OCR. URLs other than
  data URLs are refused: nothing is fetched.
- `with_structured_output(PydanticClass)` on messages that carry images or PDFs runs Ocula's extraction
  pipeline on them, as `ocula.extract` does (see `grounded`): the answer is the validated object, and
  `include_raw=True` also gives the `Extraction` (boxes, confidence, attempts) in the raw message's
  `response_metadata["extraction"]`. On text-only messages, and for TypedDict or JSON-schema dict schemas,
  the model decodes under the schema's grammar (a bounded JSON schema) over the text, so the answer parses
  and validates. Every `method` is accepted and works the same way.
- `bind_tools` decodes a tool call under a grammar too (see `structured.tool_calls_schema`).
- Streaming: a `ModelAdapter` returns a whole completion; structured output is then streamed one top-level
  field per chunk (the structured runnable yields the object so far, see `output`), free text in one chunk.
- `stop` sequences cut the text after decoding; `max_tokens` limits free text (structured output and tool
  calls use the budget their bounded schema needs, so the JSON is never cut).
- Every call reports its token usage and the model's name (`usage_metadata`, `response_metadata`,
  `llm_output`) to callbacks and tracers.

Import direction: this module imports only `ocula.schemas` and other adapters at module level; loading a model
by name and running OCR go through the public facade (`ocula.api`), imported lazily inside methods.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LangSmithParams, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ConfigDict, Field

from ocula.adapters.models.base import Constraint, GenerationRequest, Message, ModelAdapter, Sampling
from ocula.langchain import grounded, structured
from ocula.langchain.content import Attachment
from ocula.langchain.messages import to_ocula_messages
from ocula.langchain.output import OculaOutputParser, json_fragments
from ocula.langchain.tracing import PROVIDER, llm_output, response_metadata, usage
from ocula.schemas.constraints import SchemaConstraint, bounded_schema
from ocula.schemas.regions import refuse_regions_on_text

SCHEMA_KWARG = "ocula_schema"  # the Pydantic class bound by with_structured_output (the grounded path's schema)


class ChatOcula(BaseChatModel):
    """Chat with a local model; structured output from images and PDFs is Ocula's grounded extraction.

    ```python
    from ocula.langchain import ChatOcula
    from ocula.schemas.ready import Receipt

    receipt = ChatOcula().with_structured_output(Receipt).invoke(
        [HumanMessage([{"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,..."}}])]
    )
    ```
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, populate_by_name=True)

    model: str | ModelAdapter | None = Field(default=None, alias="model_name")
    """A model name for `ocula.load_model` (None: the bundled default) or a loaded `ModelAdapter`."""
    temperature: float = 0.0
    """0 decodes greedily."""
    max_tokens: int | None = 256
    """Most new tokens of a free-text answer (None: 256)."""
    top_p: float = 1.0
    seed: int | None = None
    stop: list[str] | None = None
    """Sequences that end the text (cut after decoding)."""
    streaming: bool = False
    """Route `invoke` through `_stream` (kept for LangChain compatibility; yields one chunk)."""
    ocr_engine: str = "rapidocr"
    """OCR engine that reads images and PDFs for a text-only model."""
    max_string_length: int | None = None
    """Bound for strings without their own `max_length` in structured output and tool arguments
    (None: the default of `ocula.schemas.constraints.Bounds`). Smaller bounds decode faster."""
    grounded_output: bool = True
    """Structured output (a Pydantic class) over images or PDFs runs `ocula.extract` on them (False: the schema
    is decoded over their OCR text like over any text, without candidates, ranking or boxes)."""
    extract_options: dict[str, Any] = Field(default_factory=dict)
    """Keyword arguments of `ocula.extract` for the grounded path (`engine`, `max_attempts`, `decoding`,
    `grounded`, `instructions`, `boxes`, `dpi`, `pages`, ...)."""
    message_instructions: bool = False
    """Pass the messages' text to the grounded path as `instructions` (by default the extraction is prompted
    from the schema alone, field names and descriptions, as `ocula.extract` is)."""

    # identity -----------------------------------------------------------------------------------------
    @property
    def _llm_type(self) -> str:
        return "ocula-chat"

    @property
    def model_label(self) -> str:
        """The model's name as reported in metadata and traces."""
        if isinstance(self.model, ModelAdapter):
            return self.model.name
        if self.model:
            return self.model
        from ocula.adapters.models.bundled import DEFAULT_MODEL

        return DEFAULT_MODEL

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_label, "temperature": self.temperature, "max_tokens": self.max_tokens}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider=PROVIDER,
            ls_model_name=kwargs["model"] if isinstance(kwargs.get("model"), str) else self.model_label,
            ls_model_type="chat",
            ls_temperature=kwargs.get("temperature", self.temperature),
        )
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        if stop or self.stop:
            params["ls_stop"] = stop or self.stop
        return params

    # model and inputs ---------------------------------------------------------------------------------
    def adapter(self) -> ModelAdapter:
        """The loaded model (loading it on first use; the facade caches it per process)."""
        if isinstance(self.model, ModelAdapter):
            return self.model
        from ocula.api import load_model

        return load_model(self.model)

    def _read_text(self, attachment: Attachment) -> list[str]:
        from ocula.api import ocr

        return [page.text for page in ocr(attachment.data, engine=self.ocr_engine)]

    def ocula_messages(self, messages: Sequence[BaseMessage], adapter: ModelAdapter | None = None) -> list[Message]:
        """The conversation as the model sees it (images as OCR text for a text-only model)."""
        adapter = adapter or self.adapter()
        return to_ocula_messages(messages, reads_images=adapter.capabilities.images, read_text=self._read_text)

    def _request(
        self, messages: Sequence[BaseMessage], adapter: ModelAdapter, kwargs: dict[str, Any]
    ) -> tuple[GenerationRequest, str | None]:
        """The generation request and, for tool calls, the tool choice in force."""
        converted = self.ocula_messages(messages, adapter)
        max_new = kwargs.get("max_tokens", self.max_tokens) or 256
        constraint: SchemaConstraint | None = None
        instructions = ""
        choice: str | None = None
        tools = kwargs.get("tools") or []
        if tools and kwargs.get("tool_choice", "auto") != "none":
            choice = kwargs.get("tool_choice", "auto")
            constraint = structured.tool_calls_schema(tools, choice, self.max_string_length)
            instructions = structured.tool_instructions(tools, choice)
        elif kwargs.get("response_format"):
            schema = kwargs["response_format"]["json_schema"]["schema"]
            constraint = bounded_schema(schema, structured.bounds(self.max_string_length))
            instructions = structured.output_instructions(schema)
        if constraint is not None:
            converted = _with_system(converted, instructions)
            max_new = constraint.max_tokens
        sampling = Sampling(
            max_new_tokens=max_new,
            temperature=kwargs.get("temperature", self.temperature),
            top_p=kwargs.get("top_p", self.top_p),
            seed=kwargs.get("seed", self.seed),
        )
        grammar = Constraint.json_schema(constraint.json) if constraint is not None else None
        return GenerationRequest(converted, grammar, sampling), choice

    # generation ---------------------------------------------------------------------------------------
    def _complete(self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]) -> AIMessage:
        adapter = self.adapter()
        structured_output = kwargs.get("response_format") and not kwargs.get("tools")
        if structured_output and grounded.attachments(messages):
            schema = kwargs.get(SCHEMA_KWARG)
            if schema is not None and self.grounded_output:
                return grounded.extraction_message(
                    messages,
                    schema,
                    adapter,
                    ocr=self.ocr_engine,
                    options=self.extract_options,
                    use_message_text=self.message_instructions,
                )
            if not adapter.capabilities.images:
                refuse_regions_on_text(kwargs["response_format"]["json_schema"]["schema"], adapter.name)
        request, choice = self._request(messages, adapter, kwargs)
        gen = adapter.generate(request)
        text, tool_calls = gen.text, []
        if choice is not None:
            text, tool_calls = structured.parse_tool_output(gen.text)
        elif request.constraint is None:
            text = _cut_at_stop(text, stop or self.stop)
        return AIMessage(
            content=text,
            tool_calls=tool_calls,
            usage_metadata=usage(gen),
            response_metadata=response_metadata(gen, adapter),
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = self._complete(messages, stop, kwargs)
        output = llm_output(message.response_metadata.get("model_name", self.model_label), message.usage_metadata)
        return ChatResult(generations=[ChatGeneration(message=message)], llm_output=output)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """Structured output one top-level field per chunk, anything else in one chunk (a `ModelAdapter` returns
        a whole completion, so chunks come when it is done); the last chunk carries usage and metadata."""
        message = self._complete(messages, stop, kwargs)
        text = message.content if isinstance(message.content, str) else message.text
        by_field = kwargs.get("response_format") and not message.tool_calls
        pieces = json_fragments(text) if by_field else [text]
        for piece in pieces[:-1]:
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        last = AIMessageChunk(
            content=pieces[-1],
            tool_call_chunks=[
                {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": i, "type": "tool_call_chunk"}
                for i, c in enumerate(message.tool_calls)
            ],
            usage_metadata=message.usage_metadata,
            response_metadata=message.response_metadata,
            chunk_position="last",
        )
        if run_manager and pieces[-1]:
            run_manager.on_llm_new_token(pieces[-1], chunk=ChatGenerationChunk(message=last))
        yield ChatGenerationChunk(message=last)

    # tools and structured output ------------------------------------------------------------------
    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | bool | dict[str, Any] | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools; a call is decoded under a grammar of the tools' argument schemas.

        `tool_choice`: "auto"/None (a tool call or a text answer, the model chooses), "any"/"required"/True
        (some tool call), a tool's name or `{"type": "function", "function": {"name": ...}}` (that tool),
        "none"/False (text only). `strict` is accepted; the grammar is always strict.
        """
        formatted = [convert_to_openai_tool(t) for t in tools]
        choice = structured.normalize_tool_choice(tool_choice, formatted)
        return self.bind(tools=formatted, tool_choice=choice, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type,
        *,
        include_raw: bool = False,
        method: str = "json_schema",
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
        """The answer as `schema`'s object: Ocula's extraction over images and PDFs, else grammar-constrained.

        `schema`: a Pydantic class (v2 or v1; the result is an instance), a TypedDict, an OpenAI tool or a
        JSON-schema dict (the result is a dict). A Pydantic v2 class on messages carrying images or PDFs runs
        `ocula.extract` on them (see `grounded_output`); otherwise the model decodes under the schema's grammar.
        `method` ("json_schema", "function_calling", "json_mode") and `strict` are accepted for compatibility;
        every method works the same way. `include_raw=True` returns `{"raw": AIMessage, "parsed": ...,
        "parsing_error": ...}`; on the grounded path `raw.response_metadata["extraction"]` is the `Extraction`.
        """
        if kwargs:
            raise ValueError(f"unsupported arguments {sorted(kwargs)}")
        if method not in ("json_schema", "function_calling", "json_mode"):
            raise ValueError(f"unknown method {method!r}")
        bound: dict[str, Any] = {"response_format": structured.response_format(schema)}
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            bound[SCHEMA_KWARG] = schema
        llm = self.bind(
            **bound,
            ls_structured_output_format={"kwargs": {"method": method, "strict": strict}, "schema": schema},
        )
        parser = OculaOutputParser(schema=schema)
        if not include_raw:
            return llm | parser
        parse_raw = RunnablePassthrough.assign(parsed=itemgetter("raw") | parser, parsing_error=lambda _: None)
        on_error = RunnablePassthrough.assign(parsed=lambda _: None)
        return RunnableMap(raw=llm) | parse_raw.with_fallbacks([on_error], exception_key="parsing_error")


def _with_system(messages: list[Message], text: str) -> list[Message]:
    """`text` added to the first system message, or in a new one at the start."""
    if messages and messages[0].role == "system":
        first = messages[0]
        return [Message("system", f"{first.text}\n\n{text}".strip(), first.images), *messages[1:]]
    return [Message("system", text), *messages]


def _cut_at_stop(text: str, stop: Sequence[str] | None) -> str:
    cut = min((i for s in stop or () if s and (i := text.find(s)) >= 0), default=len(text))
    return text[:cut]
