"""A model behind an OpenAI-compatible HTTP server: vLLM, Ollama, llama.cpp's server, LM Studio, SGLang.

The server holds the model and decodes; this adapter sends the chat (images as base64 data URLs in
`image_url` parts) and the schema as the server's JSON-schema response format, and returns the raw text, so
Ocula's own validation and re-ask (in the pipeline) run on top. Servers spell the schema option differently;
`schema_format` picks one of `SCHEMA_FORMATS`:

- `json_schema`: OpenAI's `response_format={"type": "json_schema", "json_schema": {"name", "schema"}}`
  (vLLM, Ollama, LM Studio, llama.cpp's `llama-server`, OpenAI);
- `json_object`: `response_format={"type": "json_object", "schema": ...}` (llama-cpp-python's server, which
  rejects `json_schema`; `llama-server` accepts it too);
- `vllm`: vLLM's own `structured_outputs={"json": ...}` (or `{"regex": ...}`) request field;
- `auto` (default): `json_schema`, and `json_object` from then on if the server rejects `json_schema`.

The server constrains decoding, not Ocula: there is no token-level control here, no log-probs unless asked
for (`logprobs=True`, and servers differ in what they report), and whether the schema is really enforced is the
server's promise (llama-cpp-python silently decodes free JSON for a schema its converter cannot translate).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ocula.adapters.models.base import (
    Capabilities,
    Constraint,
    ConstraintKind,
    Generation,
    GenerationRequest,
    Message,
    ModelAdapter,
)
from ocula.adapters.models.remote import as_model_error, image_data_url, mentions, schema_name
from ocula.schemas.errors import ModelError, ServerError

SCHEME = "openai:"
API_KEY_ENV = "OCULA_API_KEY"


def _json_schema(constraint: Constraint, schema: dict[str, Any]) -> dict[str, Any]:
    return {"response_format": {"type": "json_schema", "json_schema": {"name": schema_name(schema), "schema": schema}}}


def _json_object(constraint: Constraint, schema: dict[str, Any]) -> dict[str, Any]:
    return {"response_format": {"type": "json_object", "schema": schema}}


def _vllm(constraint: Constraint, schema: dict[str, Any]) -> dict[str, Any]:
    key = "json" if constraint.kind == "json_schema" else "regex"
    return {"extra_body": {"structured_outputs": {key: schema if key == "json" else constraint.spec}}}


# name -> (request fields for a constraint, the constraint kinds the server enforces that way)
SCHEMA_FORMATS: dict[str, tuple[Callable[[Constraint, dict[str, Any]], dict[str, Any]], frozenset[ConstraintKind]]] = {
    "json_schema": (_json_schema, frozenset({"json_schema"})),
    "json_object": (_json_object, frozenset({"json_schema"})),
    "vllm": (_vllm, frozenset({"json_schema", "regex"})),
}


def parse_spec(spec: str) -> tuple[str, str | None]:
    """`openai:<base URL>[#<model id>]` -> (base URL, model id or None). The URL's path defaults to `/v1`."""
    if not spec.startswith(SCHEME):
        raise ModelError(f"{spec!r}: a served model is named openai:<base URL>, e.g. openai:http://127.0.0.1:8080/v1")
    url, _, model_id = spec[len(SCHEME) :].partition("#")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ModelError(f"{spec!r}: the base URL must start with http:// or https:// and name a host")
    path = parts.path.rstrip("/") or "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, "")), model_id or None


def chat_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Ocula messages -> OpenAI chat messages: plain string content, or text + `image_url` parts with images."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if not m.images:
            out.append({"role": m.role, "content": m.text})
            continue
        parts: list[dict[str, Any]] = [
            {"type": "image_url", "image_url": {"url": image_data_url(im)}} for im in m.images
        ]
        parts.append({"type": "text", "text": m.text})
        out.append({"role": m.role, "content": parts})
    return out


class OpenAIServerModel(ModelAdapter):
    """A model served over an OpenAI-compatible chat-completions API.

    `images=True` says the served model reads images (Ocula cannot know: a text model behind the same API
    fails on image parts). `box_convention` names the family's box convention for the vlm engine's boxes.
    `concurrency` is how many requests `generate_batch` keeps in flight (servers batch concurrent requests).
    """

    backend = "openai-server"

    def __init__(
        self,
        base_url: str,
        model_id: str | None = None,
        *,
        api_key: str | None = None,
        images: bool = False,
        schema_format: str = "auto",
        timeout: float = 120.0,
        max_retries: int = 2,
        logprobs: bool = False,
        box_convention: str | None = None,
        concurrency: int = 4,
        extra_body: dict[str, Any] | None = None,
    ) -> None:
        try:
            import openai
        except ImportError as err:  # pragma: no cover - dependency
            raise ModelError("served models need the openai client: pip install 'ocula[openai]'") from err
        if schema_format != "auto" and schema_format not in SCHEMA_FORMATS:
            raise ModelError(f"schema_format {schema_format!r}: use auto or one of {', '.join(SCHEMA_FORMATS)}")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.schema_format = schema_format
        self.logprobs = logprobs
        self.concurrency = max(1, concurrency)
        self.extra_body = dict(extra_body or {})
        self._format_lock = threading.Lock()
        self.client = openai.OpenAI(
            base_url=self.base_url,
            api_key=api_key or os.environ.get(API_KEY_ENV) or "no-key",
            timeout=timeout,
            max_retries=max_retries,
        )
        kinds = SCHEMA_FORMATS[schema_format][1] if schema_format in SCHEMA_FORMATS else frozenset({"json_schema"})
        self.capabilities = Capabilities(
            images=images, constraints=kinds, box_convention=box_convention, logprobs=logprobs
        )
        self.model_id = model_id or self._only_served_model()
        self.name = self.model_id

    @classmethod
    def from_spec(cls, spec: str, **options: Any) -> OpenAIServerModel:
        """`openai:<base URL>[#<model id>]`; a `model_id` option wins over the one in the spec."""
        base_url, model_id = parse_spec(spec)
        return cls(base_url, options.pop("model_id", None) or model_id, **options)

    def _only_served_model(self) -> str:
        """The id of the one model the server serves (asked at load when no model id is given)."""
        try:
            served = [m.id for m in self.client.models.list().data]
        except Exception as err:
            raise as_model_error(err, self.base_url, self.timeout) from err
        if len(served) != 1:
            listed = ", ".join(served[:20]) or "none"
            raise ModelError(f"{self.base_url} serves {len(served)} models ({listed}): name one with #<model id>")
        return served[0]

    # generation ---------------------------------------------------------------------------------------
    def _constraint_fields(self, constraint: Constraint | None, schema_format: str) -> dict[str, Any]:
        if constraint is None:
            return {}
        build, kinds = SCHEMA_FORMATS[schema_format]
        if constraint.kind not in kinds:
            raise ModelError(
                f"{self.name}: a {constraint.kind} constraint cannot be sent with schema_format {schema_format!r} "
                f"(it holds {', '.join(sorted(kinds))})"
            )
        schema = json.loads(constraint.spec) if constraint.kind == "json_schema" else {}
        return build(constraint, schema)

    def _body(self, request: GenerationRequest, schema_format: str) -> dict[str, Any]:
        if request.assistant_prefix:
            raise ModelError(f"{self.name}: the chat API cannot start the answer with a given prefix")
        if not self.capabilities.images and any(m.images for m in request.messages):
            raise ModelError(f"{self.name}: declared text-only; pass images=True if the served model reads images")
        s = request.sampling
        body: dict[str, Any] = {
            "model": self.model_id,
            "messages": chat_messages(request.messages),
            "max_tokens": s.max_new_tokens,
            "temperature": s.temperature,
            "top_p": s.top_p,
        }
        if s.seed is not None:
            body["seed"] = s.seed
        if self.logprobs:
            body["logprobs"] = True
        fields = self._constraint_fields(request.constraint, schema_format)
        extra = {**self.extra_body, **fields.pop("extra_body", {})}
        if extra:
            body["extra_body"] = extra
        return {**body, **fields}

    def _call(self, body: dict[str, Any], probing: bool) -> Any:
        client = self.client.with_options(max_retries=0) if probing else self.client
        try:
            return client.chat.completions.create(**body)
        except Exception as err:
            raise as_model_error(err, self.base_url, self.timeout) from err

    def _complete(self, request: GenerationRequest) -> Any:
        schema_format = self.schema_format
        if schema_format != "auto" or request.constraint is None:
            return self._call(self._body(request, schema_format), probing=False)
        try:
            response = self._call(self._body(request, "json_schema"), probing=True)
        except ServerError as err:
            if err.status is None or not mentions(err, "response_format", "json_schema"):
                raise
            with self._format_lock:
                self.schema_format = "json_object"
            return self._call(self._body(request, "json_object"), probing=False)
        with self._format_lock:
            self.schema_format = "json_schema"
        return response

    def generate(self, request: GenerationRequest) -> Generation:
        start = time.perf_counter()
        response = self._complete(request)
        seconds = time.perf_counter() - start
        if not response.choices:
            raise ModelError(f"{self.base_url}: the server answered with no choices")
        choice = response.choices[0]
        text = choice.message.content or ""
        usage = response.usage
        gen = Generation(
            text=text,
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            forward_passes=int(getattr(usage, "completion_tokens", 0) or 0),
            decode_seconds=seconds,
            finish_reason="length" if choice.finish_reason == "length" else "stop",
            raw=response,
        )
        self._add_logprobs(gen, choice)
        return gen

    @staticmethod
    def _add_logprobs(gen: Generation, choice: Any) -> None:
        """Per-token texts and log-probs, when the server sent them and they spell the answer exactly."""
        content = getattr(getattr(choice, "logprobs", None), "content", None)
        if not content:
            return
        texts = [t.token for t in content]
        if "".join(texts) == gen.text:
            gen.token_texts = texts
            gen.token_logprobs = [float(t.logprob) for t in content]

    def generate_batch(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        """Requests in flight together (`concurrency` at a time); the server batches them."""
        if len(requests) <= 1 or self.concurrency == 1:
            return [self.generate(r) for r in requests]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(requests))) as pool:
            return list(pool.map(self.generate, requests))

    def close(self) -> None:
        self.client.close()
