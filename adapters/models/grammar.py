"""Constraints compiled by llguidance once per (constraint, tokenizer) and reused for every generation.

llguidance compiles a grammar when an `LLMatcher` is built (0.1-1 s for a large schema). Outlines builds a
fresh matcher per call; here each compiled constraint keeps one prototype matcher and every generation
starts from a `deep_copy` of it, so compiling is never on the per-document path. llguidance has no on-disk
format for compiled grammars, so the cache lives in memory, per loaded model.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any

from ocula.adapters.models.base import Constraint
from ocula.schemas.errors import SchemaError

# No white space between JSON tokens: the model cannot pad its output until it hits the token limit.
JSON_OPTIONS: dict[str, Any] = {"whitespace_flexible": False}


def grammar_spec(constraint: Constraint) -> str:
    """The llguidance grammar text for a constraint."""
    from llguidance import LLMatcher

    if constraint.kind == "json_schema":
        return LLMatcher.grammar_from_json_schema(constraint.spec, overrides=JSON_OPTIONS)
    if constraint.kind == "regex":
        return LLMatcher.grammar_from_regex(constraint.spec)
    if constraint.kind == "lark":
        return LLMatcher.grammar_from_lark(constraint.spec)
    raise ValueError(f"unknown constraint kind {constraint.kind!r}")


@dataclass
class CompiledGrammar:
    """A constraint compiled for one tokenizer; `fresh()` gives a matcher at the start of the grammar."""

    key: str
    spec: str
    prototype: Any  # llguidance.LLMatcher
    seconds: float

    def fresh(self) -> Any:
        return self.prototype.deep_copy()


def constraint_key(constraint: Constraint) -> str:
    return hashlib.sha256(f"{constraint.kind}\0{constraint.spec}".encode()).hexdigest()[:32]


class GrammarCache:
    """Compiles constraints for one llguidance tokenizer, at most once each (thread-safe)."""

    def __init__(self, llg_tokenizer: Any, max_entries: int = 256) -> None:
        self.tokenizer = llg_tokenizer
        self.max_entries = max_entries
        self._entries: dict[str, CompiledGrammar] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, constraint: Constraint) -> CompiledGrammar:
        import time

        from llguidance import LLMatcher

        key = constraint_key(constraint)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self.hits += 1
                return found
            self.misses += 1
            start = time.perf_counter()
            spec = grammar_spec(constraint)
            matcher = LLMatcher(self.tokenizer, spec, log_level=0)
            if matcher.is_error():
                raise SchemaError("<grammar>", f"the grammar does not compile: {matcher.get_error()}")
            compiled = CompiledGrammar(key, spec, matcher, time.perf_counter() - start)
            if len(self._entries) >= self.max_entries:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = compiled
            return compiled


def logits_processor(compiled: CompiledGrammar, llg_tokenizer: Any, tensor_library: str = "torch") -> Any:
    """An outlines llguidance logits processor that starts from the cached compiled grammar.

    Use it with `transformers` `generate(logits_processor=[...])` (tensor_library="torch") or any library
    that calls processors as `(input_ids, logits) -> logits`.
    """
    from outlines.backends.llguidance import LLGuidanceLogitsProcessor

    class _CachedLLGuidanceProcessor(LLGuidanceLogitsProcessor):
        def _setup(self, batch_size: int) -> None:
            self.ll_matchers = [compiled.fresh() for _ in range(batch_size)]
            if self.tensor_library_name == "torch":
                import llguidance.torch

                self.bitmask = llguidance.torch.allocate_token_bitmask(batch_size, self.llg_tokenizer.vocab_size)
                self._bias_logits = self._bias_logits_torch
            else:
                import llguidance.numpy

                self.bitmask = llguidance.numpy.allocate_token_bitmask(batch_size, self.llg_tokenizer.vocab_size)
                self._bias_logits = self._bias_logits_numpy

    return _CachedLLGuidanceProcessor(compiled.spec, llg_tokenizer, tensor_library)
