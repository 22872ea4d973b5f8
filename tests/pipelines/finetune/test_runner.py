"""Training examples from the pipeline's own calls: what is learnt, what is dropped, and the options recorded."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest

from ocula.adapters.models.transformers_lm import TransformersLM
from ocula.pipelines.extract.ocr_llm import ExtractOptions
from ocula.pipelines.finetune.data import LabelledDocument
from ocula.pipelines.finetune.runner import _changed_options, prepare
from ocula.schemas.ready import SroieReceipt
from tests.fixtures.labelled_receipt import GOLD, receipt_page
from tests.fixtures.tiny_models import build_tiny_lm


@pytest.fixture(scope="module")
def lm() -> TransformersLM:
    model, tokenizer = build_tiny_lm()
    return TransformersLM(model, tokenizer, name="tiny")


def document(**changes: object) -> LabelledDocument:
    return LabelledDocument("doc", [receipt_page()], {**GOLD, **changes})


@pytest.mark.parametrize("scores", [False, True])
def test_each_document_gives_sequences_with_targets(lm: TransformersLM, scores: bool) -> None:
    prepared = prepare(lm, [document(), document(company="SOMEWHERE ELSE SDN BHD")], SroieReceipt, scores=scores)
    assert len(prepared.documents) == 2 and not prepared.skipped
    assert all(seq.positions for doc in prepared.documents for seq in doc)
    # the second gold name is not on the page: dropped from the JSON pass the model writes; a ranking pipeline
    # decides the company by a rule and writes the JSON without the model, so there is nothing of it to learn
    assert prepared.dropped == ({} if scores else {"company": 1})
    assert prepared.sequences == sum(len(d) for d in prepared.documents)


def test_json_pass_only_decoding_trains_the_json_pass(lm: TransformersLM) -> None:
    prepared = prepare(lm, [document()], SroieReceipt, ExtractOptions(decoding="json"), scores=True)
    (only,) = prepared.documents[0]  # no candidate scoring: the one constrained pass
    answer = lm.tokenizer.decode(only.input_ids[only.prompt_tokens :])
    assert answer.startswith('{"company":"KEDAI MAJU SDN BHD"') and '"total":50.55' in answer


def test_changed_options_are_recorded() -> None:
    assert _changed_options(ExtractOptions()) == {}
    assert _changed_options(ExtractOptions(decoding="json", instructions="Day first.", hooks=[print])) == {
        "decoding": "json",
        "instructions": "Day first.",
    }
