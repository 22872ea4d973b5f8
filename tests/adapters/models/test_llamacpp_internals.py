"""The llama-cpp-python internals behind `llamacpp_internals`, on the bundled model: the logits they read are
the ones llama.cpp computes, and the context's state after them is the state `Llama.eval` leaves."""

from __future__ import annotations

import numpy as np

from ocula.adapters.models.llamacpp_internals import eval_all_logits, last_logits


def _fresh_eval(llm, tokens: list[int]) -> None:
    llm.n_tokens = 0  # `eval` drops the KV cache from `n_tokens` on
    llm.eval(tokens)


def test_last_logits_follow_eval_and_every_row_of_a_batch_matches_one_eval(bundled_llm) -> None:
    llm, n_vocab = bundled_llm.llm, bundled_llm.n_vocab
    tokens = bundled_llm.tokenize("The capital of France is")
    _fresh_eval(llm, tokens)
    after_all = last_logits(llm, n_vocab)
    assert after_all.shape == (n_vocab,) and after_all.dtype == np.float32 and np.isfinite(after_all).all()
    paris = bundled_llm.tokenize(" Paris")[0]
    assert after_all[paris] > np.median(after_all)  # the real logits of this prompt, not an unrelated buffer

    rows = eval_all_logits(llm, tokens, 0, n_vocab)
    assert rows.shape == (len(tokens), n_vocab)
    assert llm.n_tokens == len(tokens) and list(llm.input_ids[: len(tokens)]) == tokens
    np.testing.assert_allclose(rows[-1], after_all, atol=2e-2)
    for k in (0, len(tokens) // 2):
        _fresh_eval(llm, tokens[: k + 1])
        np.testing.assert_allclose(rows[k], last_logits(llm, n_vocab), atol=2e-2)
    assert not np.allclose(rows[0], rows[-1])  # each row is its own position


def test_eval_all_logits_drops_the_cache_after_its_position(bundled_llm) -> None:
    llm, n_vocab = bundled_llm.llm, bundled_llm.n_vocab
    first = bundled_llm.tokenize("Shop name: GARDENIA BAKERIES")
    other = bundled_llm.tokenize(" AEON CO.")
    _fresh_eval(llm, first)
    keep = 3
    rows = eval_all_logits(llm, other, keep, n_vocab)  # over the tokens of `first` after `keep`
    assert llm.n_tokens == keep + len(other)
    assert list(llm.input_ids[: llm.n_tokens]) == first[:keep] + other
    _fresh_eval(llm, first[:keep] + other)
    np.testing.assert_allclose(rows[-1], last_logits(llm, n_vocab), atol=2e-2)
    # The model's own loop still works on the state left behind (its KV cache reuse reads `input_ids`).
    good, bad = bundled_llm.score("The capital of France is", [" Paris", " banana"])
    assert good > bad
