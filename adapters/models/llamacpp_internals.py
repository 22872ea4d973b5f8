"""The llama-cpp-python internals Ocula's own token loop needs, in one module.

`Llama` evaluates tokens in public (`eval`, `n_tokens`, `input_ids`), but has no public call to read the logits
of the last evaluated token (short of `logits_all=True`, which keeps a row of scores for every position of the
context), nor to evaluate tokens with the logits of every position after a given one. Both go through `Llama`'s
private `_ctx` (a `LlamaContext`) and `_batch` (a `LlamaBatch`): a llama-cpp-python release that changes them
breaks this module alone, and tests/adapters/models/test_llamacpp_internals.py shows it on the bundled model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def last_logits(llm: Any, n_vocab: int) -> np.ndarray:
    """A copy (float32) of the logits after the last token `llm.eval` evaluated."""
    ptr = llm._ctx.get_logits()
    return np.ctypeslib.as_array(ptr, shape=(n_vocab,)).astype(np.float32, copy=True)


def eval_all_logits(llm: Any, tokens: Sequence[int], n_past: int, n_vocab: int) -> np.ndarray:
    """Evaluate `tokens` from position `n_past` on, the KV cache after `n_past` dropped first; the logits of
    every position, shape (len(tokens), n_vocab). `llm.n_tokens` and `llm.input_ids` follow, as after `eval`."""
    import llama_cpp

    llm._ctx.kv_cache_seq_rm(-1, n_past, -1)
    rows = np.empty((len(tokens), n_vocab), dtype=np.float32)
    for start in range(0, len(tokens), llm.n_batch):
        chunk = list(tokens[start : start + llm.n_batch])
        pos = n_past + start
        llm._batch.set_batch(batch=chunk, n_past=pos, logits_all=True)
        llm._ctx.decode(llm._batch)
        llm.input_ids[pos : pos + len(chunk)] = chunk
        for i in range(len(chunk)):
            ptr = llama_cpp.llama_get_logits_ith(llm.ctx, i)
            rows[start + i] = np.ctypeslib.as_array(ptr, shape=(n_vocab,))
    llm.n_tokens = n_past + len(tokens)
    return rows
