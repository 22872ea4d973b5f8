"""A training sequence for one example: the prompt's tokens, then the answer's tokens exactly as decoding makes them.

Decoding under a grammar is a loop (see `llamacpp.py`): the model picks a token among those the grammar allows,
then the grammar appends the tokens it forces (JSON keys, punctuation, the rest of a candidate once its first
tokens single it out). This module replays that loop with the answer as the model's choice: at each free step
the chosen token is the first token of the answer's remaining bytes, tokenized as the tokenizer does, and the
forced tokens come from the grammar itself. The result is the token sequence the model will see at inference,
and the positions where the model really chooses, each with the set of tokens the grammar allowed there:
the loss is taken only at those positions, as a cross-entropy over the allowed tokens, which is the choice the
constrained model makes. Forced tokens are context, never targets. Byte ranges of the answer marked as masked
(a gold value the grammar cannot spell) are context too.

A candidate-scoring call (ranking) reads the log-probs of whole candidates after a prompt: its sequence is the
prompt and the gold candidate, each tokenized on its own as the scoring backend does, every candidate token a
target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ocula.adapters.models.base import Constraint


class AnswerTokenError(ValueError):
    """The answer is not a path through the grammar (it would be rejected at inference)."""


@dataclass
class TrainingSequence:
    input_ids: list[int]
    positions: list[int] = field(default_factory=list)  # indices in input_ids of the tokens the model chooses
    allowed: list[np.ndarray | None] = field(default_factory=list)  # packed llguidance bitmask per position
    prompt_tokens: int = 0

    @property
    def answer_tokens(self) -> int:
        return len(self.input_ids) - self.prompt_tokens


def unpack_allowed(bitmask: np.ndarray, vocab: int) -> np.ndarray:
    """The boolean mask over `vocab` tokens of a packed llguidance bitmask (bit i of the words = token i)."""
    bits = np.unpackbits(np.ascontiguousarray(bitmask).view(np.uint8), bitorder="little")
    out = np.zeros(vocab, dtype=bool)
    n = min(vocab, bits.size)
    out[:n] = bits[:n].astype(bool)
    return out


def _is_allowed(bitmask: np.ndarray, token: int) -> bool:
    word = int(bitmask[token // 32]) & 0xFFFFFFFF
    return bool((word >> (token % 32)) & 1)


def _overlaps(start: int, end: int, masked: Sequence[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in masked)


def training_sequence(
    prompt_ids: Sequence[int],
    answer: bytes,
    *,
    llg_tokenizer: Any,
    matcher: Any,
    eos: int,
    masked: Sequence[tuple[int, int]] = (),
) -> TrainingSequence:
    """Replay constrained decoding of `answer` after the prompt (see the module docstring).

    `matcher` is a fresh llguidance matcher of the request's grammar (None: unconstrained, every token of the
    answer is a choice and the sequence ends with `eos`)."""
    import llguidance.numpy as llg_np

    tok = llg_tokenizer
    seq = TrainingSequence(list(prompt_ids), prompt_tokens=len(prompt_ids))
    bitmask = llg_np.allocate_token_bitmask(1, tok.vocab_size) if matcher is not None else None
    done = 0
    while matcher is None or not matcher.is_stopped():
        allowed = None
        if matcher is not None:
            llg_np.fill_next_token_bitmask(matcher, bitmask, 0)
            allowed = bitmask[0].copy()
        rest = answer[done:]
        if rest:
            token = int(tok.tokenize_bytes(rest)[0])
            size = len(tok.decode_bytes([token]))
        else:
            if matcher is not None and not matcher.is_accepting():
                raise AnswerTokenError(
                    f"the answer ends where the grammar wants more: {answer.decode(errors='replace')!r}"
                )
            token, size = eos, 0
        if allowed is not None and not _is_allowed(allowed, token):
            where = answer[:done].decode(errors="replace")[-40:]
            raise AnswerTokenError(f"the grammar does not allow {rest[:20].decode(errors='replace')!r} after {where!r}")
        if not _overlaps(done, done + max(size, 1), masked):
            seq.positions.append(len(seq.input_ids))
            seq.allowed.append(allowed)
        seq.input_ids.append(token)
        done += size
        if not rest:
            break
        if matcher is not None:
            if not matcher.consume_token(token):
                raise AnswerTokenError(f"the grammar rejected a token: {matcher.get_error()}")
            if matcher.is_stopped():
                break
            forced = list(matcher.compute_ff_tokens())
            if forced:
                spelled = tok.decode_bytes(forced)
                if answer[done : done + len(spelled)] != spelled:
                    raise AnswerTokenError(
                        f"the grammar forces {spelled.decode(errors='replace')!r} where the answer has "
                        f"{answer[done : done + len(spelled)].decode(errors='replace')!r}"
                    )
                matcher.consume_tokens(forced)
                seq.input_ids.extend(forced)
                done += len(spelled)
    if done != len(answer):
        raise AnswerTokenError(
            f"the grammar ends before the answer does: {answer[done:].decode(errors='replace')!r} left"
        )
    return seq


def sequence_for(
    lm: Any, prompt: str, constraint: Constraint | None, answer: bytes, masked: Sequence[tuple[int, int]] = ()
) -> TrainingSequence:
    """The training sequence of `answer` after `prompt` on a `TransformersLM`, under `constraint`'s grammar."""
    decoder = lm.decoder
    prompt_ids = lm.tokenizer(prompt, add_special_tokens=False)["input_ids"]
    matcher = decoder.grammars.get(constraint).fresh() if constraint is not None else None
    return training_sequence(
        prompt_ids,
        answer,
        llg_tokenizer=decoder.llg_tokenizer,
        matcher=matcher,
        eos=decoder.stop_ids[0],
        masked=masked,
    )


def scoring_sequence(lm: Any, prompt: str, continuation: str) -> TrainingSequence:
    """Prompt then continuation, each tokenized on its own as candidate scoring does; every continuation token
    is a target over the whole vocabulary (scoring reads unconstrained log-probs)."""
    prompt_ids = lm.tokenizer(prompt, add_special_tokens=False)["input_ids"]
    tokens = lm.tokenizer(continuation, add_special_tokens=False)["input_ids"]
    ids = list(prompt_ids) + list(tokens)
    positions = list(range(len(prompt_ids), len(ids)))
    return TrainingSequence(ids, positions, [None] * len(positions), prompt_tokens=len(prompt_ids))
