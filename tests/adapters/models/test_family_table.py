"""The transformers side of the family table: keyed by the same enum as the records, its classes exist."""

from __future__ import annotations

import pytest
import transformers
from transformers import CONFIG_MAPPING

from ocula.adapters.models.families import GENERIC, TRANSFORMERS_FAMILIES, chat_template_for, family_for
from ocula.schemas.families import FAMILY_RECORDS, Family


@pytest.mark.parametrize("family", list(TRANSFORMERS_FAMILIES), ids=str)
def test_each_entry_is_a_transformers_model_type_with_a_record(family: Family) -> None:
    entry = TRANSFORMERS_FAMILIES[family]
    assert entry.key is family and family in FAMILY_RECORDS
    model_type = CONFIG_MAPPING[family.value].model_type  # the config class transformers registers for it
    assert Family.from_model_type(model_type) is family
    assert family_for(model_type) is entry
    assert hasattr(transformers, entry.model_class) and hasattr(transformers, entry.processor_class)


def test_served_families_have_a_record_and_no_transformers_entry() -> None:
    assert set(FAMILY_RECORDS) - set(TRANSFORMERS_FAMILIES) == {Family.GEMINI, Family.MOONDREAM, Family.MOLMO}


def test_unknown_model_types_load_generically() -> None:
    assert family_for("some_future_vlm") is GENERIC and family_for(None) is GENERIC and GENERIC.key is None


@pytest.mark.parametrize(
    ("family", "start"),
    [
        (Family.QWEN2_VL, "{% for message in messages %}<|im_start|>"),
        (Family.PALIGEMMA, "{% for message in messages %}{% if not loop.first %}"),
        (Family.IDEFICS, "{% for message in messages %}{% if message['role'] == 'system' %}"),
    ],
)
def test_chat_templates_follow_the_record_prompt_format(family: Family, start: str) -> None:
    template = chat_template_for(TRANSFORMERS_FAMILIES[family])
    assert template.startswith(start)
    assert TRANSFORMERS_FAMILIES[family].image_placeholder in template
