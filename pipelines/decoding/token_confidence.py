"""Confidence of a decoded span: the model's log-probabilities of the tokens it chose there."""

from __future__ import annotations

import math

from ocula.adapters.models.base import Generation


def token_offsets(gen: Generation) -> list[tuple[int, int]]:
    offsets, pos = [], 0
    for text in gen.token_texts:
        offsets.append((pos, pos + len(text)))
        pos += len(text)
    return offsets


def span_confidence(
    gen: Generation, start: int, end: int, offsets: list[tuple[int, int]] | None = None
) -> float | None:
    """exp(mean log-prob) of the sampled tokens overlapping characters [start, end) of the output.

    Tokens the grammar forced carry no decision and are left out; a value made only of forced tokens
    (the grammar left one choice) gets 1.0. None when the backend gave no log-probs."""
    if not gen.token_logprobs:
        return None
    offsets = offsets or token_offsets(gen)
    forced = gen.token_forced or [False] * len(gen.token_logprobs)
    picked = [
        lp
        for (s, e), lp, f in zip(offsets, gen.token_logprobs, forced, strict=False)
        if s < end and e > start and not f
    ]
    if not picked:
        return 1.0
    return math.exp(sum(picked) / len(picked))
