"""GGUF language models on llama.cpp, decoded under an llguidance grammar with our own token loop.

Why our own loop rather than `create_completion(logits_processor=...)`: it returns the log-prob of every
chosen token (for field confidence), it appends the tokens the grammar forces (JSON keys, punctuation) in
the same forward pass as the sampled token (fewer passes), and it keeps llama.cpp's KV cache across calls,
so a prompt that shares its beginning with the previous one (the fixed instructions) is not evaluated again.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ocula.adapters.models.base import Capabilities, Generation, GenerationRequest, Message, ModelAdapter
from ocula.adapters.models.grammar import GrammarCache
from ocula.adapters.models.llamacpp_internals import eval_all_logits, last_logits
from ocula.schemas.errors import ModelError


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max()
    return shifted - np.log(np.exp(shifted).sum())


class LlamaCppModel(ModelAdapter):
    backend = "llama.cpp"
    capabilities = Capabilities(images=False, constraints=frozenset({"json_schema", "regex", "lark"}), logprobs=True)

    def __init__(self, llama: Any, name: str) -> None:
        import llguidance.llamacpp
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.llm = llama
        self.name = name
        self._lock = threading.Lock()
        self.n_vocab = int(llama.n_vocab())
        self.eos = int(llama.token_eos())
        self._vocab_ptr = self._vocab()  # read once: `_is_eog` runs on every generated token
        vocab = self._vocab_ptr
        with warnings.catch_warnings():  # llguidance reads token attributes through a deprecated alias
            warnings.simplefilter("ignore", DeprecationWarning)
            self.llg_tokenizer = llguidance.llamacpp.lltokenizer_from_vocab(vocab)
        self.grammars = GrammarCache(self.llg_tokenizer)
        template = llama.metadata.get("tokenizer.chat_template")
        self._formatter = None
        if template:
            self._formatter = Jinja2ChatFormatter(
                template=template,
                eos_token=llama.detokenize([self.eos], special=True).decode(errors="replace"),
                bos_token=llama.detokenize([int(llama.token_bos())], special=True).decode(errors="replace"),
            )

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        name: str | None = None,
        lora_path: str | os.PathLike[str] | None = None,
    ) -> LlamaCppModel:
        """Load a GGUF model; `lora_path` applies a GGUF LoRA adapter (see `lora_gguf.py`) on top of it."""
        try:
            from llama_cpp import Llama
        except ImportError as err:  # pragma: no cover - dependency
            raise ModelError("llama.cpp backend needs llama-cpp-python: pip install llama-cpp-python") from err
        path = Path(path)
        if not path.is_file():
            raise ModelError(f"{path}: no such GGUF file")
        threads = n_threads or max(1, os.cpu_count() or 1)
        extra: dict[str, Any] = {}
        if lora_path is not None:
            if not Path(lora_path).is_file():
                raise ModelError(f"{lora_path}: no such GGUF LoRA file")
            extra["lora_path"] = str(lora_path)
        try:
            llama = Llama(str(path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, verbose=False, **extra)
        except (ValueError, RuntimeError) as err:
            what = f" with the LoRA {lora_path}" if lora_path is not None else ""
            raise ModelError(f"{path}: llama.cpp could not load it{what}: {err}") from err
        return cls(llama, name or path.stem)

    def _vocab(self) -> Any:
        import llama_cpp

        return llama_cpp.llama_model_get_vocab(self.llm.model)

    # prompt -----------------------------------------------------------------------------------------
    def render(self, messages: Sequence[Message], assistant_prefix: str = "") -> str:
        """The chat-templated prompt, ending where the assistant's answer starts."""
        if any(m.images for m in messages):
            raise ModelError(f"{self.name} is a text-only model: it cannot read images")
        chat = [{"role": m.role, "content": m.text} for m in messages]
        if self._formatter is None:
            return "\n\n".join(m["content"] for m in chat) + "\n" + assistant_prefix
        return self._formatter(messages=chat).prompt + assistant_prefix

    def tokenize(self, text: str) -> list[int]:
        return list(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def _eval_prompt(self, tokens: list[int]) -> int:
        """Evaluate `tokens`, reusing the KV cache of the longest prefix shared with the last call.

        Returns how many tokens were actually evaluated."""
        llm = self.llm
        if len(tokens) >= llm.n_ctx():
            raise ModelError(f"prompt of {len(tokens)} tokens does not fit the context of {llm.n_ctx()}")
        cached = list(llm.input_ids[: llm.n_tokens])
        keep = 0
        for a, b in zip(cached, tokens, strict=False):
            if a != b:
                break
            keep += 1
        keep = min(keep, len(tokens) - 1)  # always evaluate one token to get fresh logits
        llm.n_tokens = keep
        start = time.perf_counter()
        llm.eval(tokens[keep:])
        usage = self.usage
        usage.prefill_seconds += time.perf_counter() - start
        usage.prefill_tokens += len(tokens) - keep
        usage.reused_tokens += keep
        return len(tokens) - keep

    def _is_eog(self, token: int) -> bool:
        import llama_cpp

        return bool(llama_cpp.llama_vocab_is_eog(self._vocab_ptr, token))

    # generation ---------------------------------------------------------------------------------------
    def generate(self, request: GenerationRequest) -> Generation:
        with self._lock:
            return self._generate(request)

    def _generate(self, request: GenerationRequest) -> Generation:
        import llguidance.numpy as llg_np

        sampling = request.sampling
        rng = np.random.default_rng(sampling.seed)
        prompt = self.render(request.messages, request.assistant_prefix)
        tokens = self.tokenize(prompt)
        start = time.perf_counter()
        self._eval_prompt(tokens)
        prefill = time.perf_counter() - start
        matcher = self.grammars.get(request.constraint).fresh() if request.constraint else None
        bitmask = llg_np.allocate_token_bitmask(1, self.llg_tokenizer.vocab_size) if matcher else None
        out: list[int] = []
        logprobs: list[float] = []
        forced_flags: list[bool] = []
        passes = 1
        finish = "length"
        start = time.perf_counter()
        while len(out) < sampling.max_new_tokens:
            logits = last_logits(self.llm, self.n_vocab)
            raw = _log_softmax(logits)
            if matcher is not None:
                llg_np.fill_next_token_bitmask(matcher, bitmask, 0)
                llg_np.apply_token_bitmask_inplace(logits[None, :], bitmask[:, : (self.n_vocab + 31) // 32])
            token = self._pick(logits, sampling.temperature, sampling.top_p, rng)
            if token == self.eos or (matcher is None and self._is_eog(token)):
                finish = "stop"
                break
            out.append(token)
            logprobs.append(float(raw[token]))
            forced_flags.append(False)
            step = [token]
            if matcher is not None:
                if not matcher.consume_token(token):
                    raise ModelError(f"grammar rejected token {token}: {matcher.get_error()}")
                if matcher.is_stopped():
                    finish = "stop"
                    break
                forced = matcher.compute_ff_tokens()
                if forced:
                    matcher.consume_tokens(forced)
                    forced = forced[: sampling.max_new_tokens - len(out)]
                    out.extend(forced)
                    logprobs.extend([0.0] * len(forced))
                    forced_flags.extend([True] * len(forced))
                    step.extend(forced)
                    if matcher.is_stopped():
                        finish = "stop"
                        break
            if len(out) >= sampling.max_new_tokens:
                break
            self.llm.eval(step)
            passes += 1
        decode = time.perf_counter() - start
        usage = self.usage
        usage.decoded_tokens += len(out)
        usage.decode_passes += passes - 1
        usage.decode_seconds += decode
        text = self.llm.detokenize(out).decode("utf-8", errors="replace")
        return Generation(
            text=text,
            token_ids=out,
            token_texts=[self.llm.detokenize([t]).decode("utf-8", errors="replace") for t in out],
            token_logprobs=logprobs,
            token_forced=forced_flags,
            prompt_tokens=len(tokens),
            forward_passes=passes,
            prefill_seconds=prefill,
            decode_seconds=decode,
            finish_reason=finish,  # type: ignore[arg-type]
        )

    @staticmethod
    def _pick(logits: np.ndarray, temperature: float, top_p: float, rng: np.random.Generator) -> int:
        if temperature <= 0:
            return int(np.argmax(logits))
        probs = np.exp(_log_softmax(logits / temperature))
        if top_p < 1.0:
            order = np.argsort(-probs)
            keep = order[: int(np.searchsorted(np.cumsum(probs[order]), top_p)) + 1]
            mask = np.zeros_like(probs)
            mask[keep] = probs[keep]
            probs = mask / mask.sum()
        return int(rng.choice(len(probs), p=probs))

    # scoring ----------------------------------------------------------------------------------------
    def token_logprobs(self, prompt: str, continuations: Sequence[str]) -> list[list[float]]:
        """Log-prob of every token of each continuation after `prompt`.

        The prompt is evaluated once (its KV cache reused), continuations are visited in sorted token order
        so that a shared beginning ("GARDENIA BAKERIES" before "GARDENIA BAKERIES (KL)") is evaluated once,
        and each continuation's remaining tokens go through llama.cpp in one batch."""
        with self._lock:
            self._eval_prompt(self.tokenize(prompt))
            base = self.llm.n_tokens
            encoded = [self.tokenize(text) for text in continuations]
            rows: list[np.ndarray] = [_log_softmax(last_logits(self.llm, self.n_vocab))]  # rows[k] predicts token k
            held: list[int] = []  # continuation tokens in the KV cache after the prompt
            out: list[list[float]] = [[] for _ in continuations]
            for index in sorted(range(len(encoded)), key=lambda i: encoded[i]):
                tokens = encoded[index]
                shared = 0
                while shared < min(len(tokens), len(held)) and tokens[shared] == held[shared]:
                    shared += 1
                todo = tokens[shared : len(tokens) - 1]
                del rows[shared + 1 :]
                held = held[:shared]
                if todo:
                    start = time.perf_counter()
                    rows.extend(
                        _log_softmax(row) for row in eval_all_logits(self.llm, todo, base + shared, self.n_vocab)
                    )
                    self.usage.scoring_seconds += time.perf_counter() - start
                    self.usage.scored_tokens += len(todo)
                    held += todo
                out[index] = [float(rows[k][tok]) for k, tok in enumerate(tokens)]
            return out

    def close(self) -> None:
        self.llm.close()
