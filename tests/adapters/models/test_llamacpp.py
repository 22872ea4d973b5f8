import json
import math

import pytest
from pydantic import BaseModel, ConfigDict, Field

from ocula.adapters.models.base import Constraint, GenerationRequest, Message, Sampling
from ocula.adapters.models.llamacpp import LlamaCppModel
from ocula.schemas.constraints import bounded_schema
from ocula.schemas.errors import ModelError


class Small(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company: str = Field(max_length=30)
    total: float = Field(ge=0, le=1000)


def ask(model, text, constraint=None, n=40):
    return model.generate(GenerationRequest([Message("user", text)], constraint, Sampling(max_new_tokens=n)))


def test_regex_constraint_is_active(bundled_llm):
    # The model never writes this unprompted: only an active grammar can produce it.
    gen = ask(bundled_llm, "Say hello.", Constraint.regex("ZQ[0-9]{3}-XK"))
    assert gen.finish_reason == "stop"
    import re

    assert re.fullmatch(r"ZQ[0-9]{3}-XK", gen.text)


def test_json_schema_output_validates_and_records_tokens(bundled_llm):
    c = bounded_schema(Small)
    gen = ask(bundled_llm, "Receipt from SHOP ABC, total 12.50. JSON:", Constraint.json_schema(c.json), c.max_tokens)
    assert gen.finish_reason == "stop"
    obj = Small.model_validate_json(gen.text)
    assert 0 <= obj.total <= 1000
    assert len(gen.token_ids) == len(gen.token_logprobs) == len(gen.token_forced) == len(gen.token_texts)
    assert all(math.isfinite(lp) and lp <= 0 for lp in gen.token_logprobs)
    assert any(gen.token_forced)  # keys and punctuation are appended without sampling
    assert gen.forward_passes < len(gen.token_ids)  # ... in the same forward pass as a sampled token
    assert "".join(gen.token_texts) == gen.text


def test_grammar_compiled_once_per_constraint(bundled_llm):
    c = Constraint.json_schema(
        json.dumps({"type": "object", "properties": {"k": {"enum": ["x", "y"]}}, "required": ["k"]})
    )
    before = bundled_llm.grammars.misses
    ask(bundled_llm, "pick", c)
    ask(bundled_llm, "pick again", c)
    assert bundled_llm.grammars.misses == before + 1


def test_prompt_prefix_is_reused(bundled_llm):
    long = "Instructions. " * 60
    ask(bundled_llm, long + "first", n=2)
    tokens = bundled_llm.tokenize(bundled_llm.render([Message("user", long + "second")]))
    evaluated = bundled_llm._eval_prompt(tokens)
    assert evaluated < len(tokens) / 4


def test_unconstrained_generation_stops_or_hits_limit(bundled_llm):
    gen = ask(bundled_llm, "Write a long story.", n=5)
    assert gen.finish_reason == "length" and len(gen.token_ids) == 5


def test_score_prefers_the_likely_continuation(bundled_llm):
    good, bad = bundled_llm.score("The capital of France is", [" Paris", " banana"])
    assert good > bad and good < 0


def test_token_logprobs_share_prefixes_without_changing_scores(bundled_llm):
    prompt = "Shop name:"
    conts = [" GARDENIA BAKERIES", " GARDENIA BAKERIES (KL)", " GARDENIA", " AEON CO."]
    together = bundled_llm.token_logprobs(prompt, conts)
    alone = [bundled_llm.token_logprobs(prompt, [c])[0] for c in conts]
    assert [len(r) for r in together] == [len(bundled_llm.tokenize(c)) for c in conts]
    for joint, single in zip(together, alone, strict=True):
        assert joint == pytest.approx(single, abs=1e-4)
    assert together[1][: len(together[0])] == pytest.approx(together[0], abs=1e-4)


def test_images_are_refused_by_a_text_model(bundled_llm):
    from PIL import Image

    with pytest.raises(ModelError, match="text-only"):
        bundled_llm.generate(GenerationRequest([Message("user", "read", [Image.new("RGB", (4, 4))])]))


def test_missing_gguf_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="no such GGUF"):
        LlamaCppModel.load(tmp_path / "none.gguf")


def test_usage_counts_prefill_scoring_and_decoding(bundled_llm):
    before = bundled_llm.usage.snapshot()
    prompt = bundled_llm.render([Message("user", "Name a colour. " * 20)])
    bundled_llm.token_logprobs(prompt, ["red", "dark green", "dark blue"])
    gen = ask(bundled_llm, "Name a colour. " * 20 + "Again.", n=5)
    work = bundled_llm.usage.since(before)
    assert work.prefill_tokens + work.reused_tokens == len(bundled_llm.tokenize(prompt)) + gen.prompt_tokens
    assert work.reused_tokens > 0  # the second prompt starts as the first
    assert work.scored_tokens > 0 and work.prefill_seconds > 0
    assert work.decoded_tokens == len(gen.token_ids) and work.decode_passes == gen.forward_passes - 1
