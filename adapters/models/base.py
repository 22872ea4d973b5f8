"""The one small interface every model backend implements: images + messages + constraint -> text.

A backend declares what it can do (`Capabilities`); pipelines ask through `generate` and never call a model
library directly. Constraints are compiled by the backend once per (constraint, tokenizer) and cached.
Everything else a pipeline asks of a model is declared here too, with one signature each: the prompt text of
messages (`render`), the size an image is resized to (`input_image_size`), the family (`family`) and token
scoring (`token_logprobs`, `score`, `can_score`). A backend that cannot render or score says so when asked.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from PIL import Image

from ocula.schemas.families import Family

ConstraintKind = Literal["json_schema", "regex", "lark"]


@dataclass(frozen=True)
class Constraint:
    """What the output must match: a JSON schema (as a JSON string), a regex, or a Lark grammar (llguidance)."""

    kind: ConstraintKind
    spec: str

    @classmethod
    def json_schema(cls, schema: str) -> Constraint:
        return cls("json_schema", schema)

    @classmethod
    def regex(cls, pattern: str) -> Constraint:
        return cls("regex", pattern)

    @classmethod
    def lark(cls, grammar: str) -> Constraint:
        return cls("lark", grammar)


@dataclass(frozen=True)
class Sampling:
    max_new_tokens: int = 512
    temperature: float = 0.0  # 0 = greedy
    top_p: float = 1.0
    seed: int | None = None


@dataclass
class Message:
    role: Literal["system", "user", "assistant"]
    text: str
    images: list[Image.Image] = field(default_factory=list)


@dataclass
class GenerationRequest:
    messages: list[Message]
    constraint: Constraint | None = None
    sampling: Sampling = field(default_factory=Sampling)
    # Text the assistant turn starts with (already part of the output), e.g. to force a prefix.
    assistant_prefix: str = ""


@dataclass
class Generation:
    text: str
    token_ids: list[int] = field(default_factory=list)
    token_texts: list[str] = field(default_factory=list)
    token_logprobs: list[float] = field(default_factory=list)
    # True where the grammar allowed a single continuation and the token was appended without sampling.
    token_forced: list[bool] = field(default_factory=list)
    prompt_tokens: int = 0
    forward_passes: int = 0
    prefill_seconds: float = 0.0
    decode_seconds: float = 0.0
    finish_reason: Literal["stop", "length", "error"] = "stop"
    raw: Any = None

    @property
    def seconds(self) -> float:
        return self.prefill_seconds + self.decode_seconds

    @property
    def tokens_per_second(self) -> float:
        n = len(self.token_ids)
        return n / self.decode_seconds if self.decode_seconds > 0 and n else 0.0


@dataclass
class Usage:
    """Running counts of a model's work, for where an extraction's time goes (take a `snapshot` before, then
    `since` it after). Backends that count (llama.cpp) update it; others leave it at zero."""

    prefill_tokens: int = 0  # prompt tokens evaluated (the tokens a prompt cache reused are not counted)
    prefill_seconds: float = 0.0
    reused_tokens: int = 0  # prompt tokens whose KV cache was reused instead
    scored_tokens: int = 0  # candidate tokens evaluated to score them (`token_logprobs`)
    scoring_seconds: float = 0.0
    decoded_tokens: int = 0  # tokens written by `generate`, forced tokens included
    decode_passes: int = 0  # forward passes of decoding (forced tokens ride along with a sampled one)
    decode_seconds: float = 0.0

    def snapshot(self) -> Usage:
        return Usage(**vars(self))

    def since(self, before: Usage) -> Usage:
        """The work done after `before` was taken."""
        return Usage(**{k: v - getattr(before, k) for k, v in vars(self).items()})

    def counts(self) -> dict[str, int]:
        """The token counts (no seconds), as an extraction's `tokens`."""
        return {
            "prefilled": self.prefill_tokens,
            "reused": self.reused_tokens,
            "scored": self.scored_tokens,
            "decoded": self.decoded_tokens,
            "passes": self.decode_passes,
        }


@dataclass(frozen=True)
class Capabilities:
    images: bool = False
    constraints: frozenset[ConstraintKind] = frozenset()
    box_convention: str | None = None  # a key of ocula.schemas.box_formats, for VLMs that emit boxes
    logprobs: bool = True


class ModelAdapter(abc.ABC):
    """A loaded model. Load once (`ocula.load_model`), call `generate` many times."""

    name: str = "model"
    backend: str = "base"
    family: Family | None = None  # the vision-language family (its record: `ocula.schemas.families`), if known
    capabilities: Capabilities = Capabilities()

    @property
    def usage(self) -> Usage:
        """This model's running work counts (see `Usage`); zero for a backend that does not count."""
        usage = self.__dict__.get("_usage")
        if usage is None:
            usage = self.__dict__["_usage"] = Usage()
        return usage

    @abc.abstractmethod
    def generate(self, request: GenerationRequest) -> Generation:
        """Generate one completion; honour `request.constraint` when it is set."""

    def generate_batch(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        """Several prompts; backends that batch natively override this."""
        return [self.generate(r) for r in requests]

    def render(self, messages: Sequence[Message], assistant_prefix: str = "") -> str:
        """The prompt text the model is given for `messages`: its chat template applied, ending where the
        assistant's answer starts, then `assistant_prefix` (the prompts `token_logprobs` scores after)."""
        raise NotImplementedError(f"{self.backend} does not render prompts as text")

    def input_image_size(self, image: Image.Image) -> tuple[int, int]:
        """(width, height) of `image` as the model sees it (after its processor's resize), to map boxes back."""
        return image.size

    def token_logprobs(self, prompt: str, continuations: Sequence[str]) -> list[list[float]]:
        """Log-prob of each token of each continuation after `prompt` (used to rank grounded candidates)."""
        raise NotImplementedError(f"{self.backend} cannot score continuations")

    def score(self, prompt: str, continuations: Sequence[str]) -> list[float]:
        """Sum of token log-probs of each continuation after `prompt`."""
        return [sum(row) for row in self.token_logprobs(prompt, continuations)]

    @property
    def can_score(self) -> bool:
        """Whether this backend implements `token_logprobs`."""
        return type(self).token_logprobs is not ModelAdapter.token_logprobs

    def close(self) -> None:  # noqa: B027 - optional hook
        """Free the model's resources."""
