"""The pipeline's own calls for a document, recorded by a stand-in model that steers them to the gold value."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from ocula.adapters.models.base import Message
from ocula.pipelines.extract.ocr_llm import ExtractOptions
from ocula.pipelines.extract.prompt import extraction_messages
from ocula.pipelines.finetune.calls import CallRecorder, extraction_request, record_calls
from ocula.pipelines.grounding.lines import doc_lines
from ocula.schemas import OCRPage
from ocula.schemas.ready import SroieReceipt
from tests.fixtures.labelled_receipt import GOLD, receipt_page


def page() -> OCRPage:
    return receipt_page()


def render(messages: Sequence[Message], assistant_prefix: str = "") -> str:
    return "|".join(m.text for m in messages) + "|>" + assistant_prefix


def test_scoring_calls_are_steered_to_the_gold_candidate() -> None:
    recorder = CallRecorder({"total": "50.55", "company": "NOT ON THE PAGE"}, render, scores=True)
    assert recorder.can_score and not CallRecorder().can_score
    rows = recorder.token_logprobs('prompt {"total":', ["48", "50.55", "0"])
    assert [sum(r) for r in rows] == [-1e4, 0.0, -1e4]
    rows = recorder.token_logprobs('prompt {"company":', ['"KEDAI MAJU SDN BHD"', '"SUBTOTAL 48.00"'])
    assert [sum(r) for r in rows] == [0.0, 0.0]  # no candidate spells the gold: nothing steered, nothing learnt
    rows = recorder.token_logprobs("a prompt with no JSON key at its end", ['"X"'])
    calls = recorder.calls.scoring
    assert [(c.field, c.gold) for c in calls] == [("total", 1), ("company", None), (None, None)]
    assert calls[0].prompt == 'prompt {"total":' and calls[0].continuations == ["48", "50.55", "0"]


def test_extraction_request_is_the_pipelines_json_pass() -> None:
    pages = [page()]
    request = extraction_request(pages, SroieReceipt)
    expected = extraction_messages(SroieReceipt, doc_lines(pages))
    assert [(m.role, m.text) for m in request.messages] == [(m.role, m.text) for m in expected]
    assert request.constraint is not None and request.constraint.kind == "json_schema"
    grammar = json.loads(request.constraint.spec)
    assert 50.55 in grammar["properties"]["total"]["anyOf"][0]["enum"]
    instructed = extraction_request(pages, SroieReceipt, ExtractOptions(instructions="Dates are day first."))
    assert "Dates are day first." in instructed.messages[-1].text


@pytest.mark.parametrize("scores", [False, True])
def test_record_calls_ends_at_the_first_generation(scores: bool) -> None:
    calls = record_calls([page()], SroieReceipt, GOLD, render=render, scores=scores)
    # a ranking pipeline decides every field here (the date by the model), which leaves the JSON pass one
    # answer, written without asking the model; without scoring, the JSON pass is the model's
    assert (calls.request is None) == scores
    assert [c.field for c in calls.scoring] == (["date"] if scores else [])
    for call in calls.scoring:  # a pipeline that ranks candidates asks about fields by their JSON key
        assert call.field in SroieReceipt.model_fields
        assert call.prompt.endswith(f'{{"{call.field}":')
        if call.gold is not None:
            value = json.loads(call.continuations[call.gold])
            assert str(value) == str(GOLD[call.field]) or float(value) == float(GOLD[call.field])
