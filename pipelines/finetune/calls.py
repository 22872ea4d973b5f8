"""What the extraction pipeline asks the model about one document, recorded by running the pipeline itself.

The ocr+llm pipeline asks a model in two ways: a constrained generation (the JSON pass), and, when the model
can score text, the log-probs of a field's candidate values (ranking: one call per field, under a prompt that
ends with the field's JSON key, `{"name":`). A stand-in model records both. It answers each scoring call so
that the candidate spelling the gold value wins (when one does), so the fields ranked after it see what they
see after a right choice, and it stops the pipeline at its first generation request. Whatever prompts,
candidates or decoding steps the pipeline uses, the recorded calls are the ones it makes.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel

from ocula.adapters.models.base import Capabilities, Generation, GenerationRequest, Message, ModelAdapter
from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor
from ocula.pipelines.finetune.targets import choose
from ocula.schemas import OCRPage

Render = Callable[[Sequence[Message], str], str]
_ASKED = re.compile(r'\{"((?:[^"\\]|\\.)+)":\s*$')
_LOSES = -1e4  # the log-prob the stand-in gives a candidate that must not win


@dataclass
class ScoringCall:
    prompt: str
    continuations: list[str]
    field: str | None  # the JSON key the prompt ends with
    gold: int | None  # index of the continuation that spells the gold value


@dataclass
class RecordedCalls:
    scoring: list[ScoringCall] = field(default_factory=list)
    request: GenerationRequest | None = None


class _Stop(Exception):
    pass


def _plain_render(messages: Sequence[Message], assistant_prefix: str = "") -> str:
    return "\n\n".join(m.text for m in messages) + "\n" + assistant_prefix


class CallRecorder(ModelAdapter):
    """A model stand-in that records the pipeline's calls (see the module docstring).

    `render` is the chat rendering of the model that will be trained (prompts are recorded as that model
    sees them); `scores` says whether the model the adapter runs on can score text, which decides whether
    the pipeline ranks candidates."""

    name = "call-recorder"
    backend = "recorder"
    capabilities = Capabilities(images=False, constraints=frozenset({"json_schema", "regex", "lark"}))

    def __init__(self, gold: dict[str, Any] | None = None, render: Render | None = None, scores: bool = False) -> None:
        self.gold = gold or {}
        self._render = render or _plain_render
        self._scores = scores
        self.calls = RecordedCalls()

    @property
    def can_score(self) -> bool:
        return self._scores

    def render(self, messages: Sequence[Message], assistant_prefix: str = "") -> str:
        return self._render(messages, assistant_prefix)

    def token_logprobs(self, prompt: str, continuations: Sequence[str]) -> list[list[float]]:
        asked = _ASKED.search(prompt)
        name = json.loads(f'"{asked.group(1)}"') if asked else None
        gold = None
        if name is not None and self.gold.get(name) is not None:
            try:
                values = [json.loads(c) for c in continuations]
            except ValueError:
                values = []
            if values:
                chosen, found = choose(values, self.gold[name])
                gold = values.index(chosen) if found else None
        self.calls.scoring.append(ScoringCall(prompt, list(continuations), name, gold))
        return [[0.0] if gold is None or i == gold else [_LOSES] for i in range(len(continuations))]

    def generate(self, request: GenerationRequest) -> Generation:
        self.calls.request = request
        raise _Stop


def record_calls(
    pages: Sequence[OCRPage],
    schema: type[BaseModel],
    gold: dict[str, Any] | None = None,
    options: ExtractOptions | None = None,
    *,
    render: Render | None = None,
    scores: bool = False,
) -> RecordedCalls:
    """Run the ocr+llm pipeline on `pages` with the stand-in model; the calls it made, up to its first generation
    (none when the ranked values force the JSON pass's answer: `request` is then None)."""
    recorder = CallRecorder(gold, render, scores)
    opts = replace(options or ExtractOptions(), max_attempts=1, hooks=[])
    with contextlib.suppress(_Stop):  # stopped at the first generation request
        OcrLlmExtractor(recorder, None, opts).run_on_pages(pages, schema)  # type: ignore[arg-type]
    return recorder.calls  # no request: the decided values left the JSON pass one answer, written without a model


def extraction_request(
    pages: Sequence[OCRPage], schema: type[BaseModel], options: ExtractOptions | None = None
) -> GenerationRequest:
    """The JSON pass the pipeline asks for these pages (a model that cannot score): messages, grammar, sampling."""
    request = record_calls(pages, schema, options=options).request
    if request is None:
        raise RuntimeError("the extraction pipeline wrote its answer without asking the model")
    return request
