"""The family key and its records: one record per family, whose convention and parser exist, keyed one way."""

from __future__ import annotations

import pytest

from ocula.schemas.box_formats import BOX_CONVENTIONS, FAMILY_BOX_CONVENTION, convention_for_family
from ocula.schemas.families import FAMILY_RECORDS, GENERIC, Family, NativeGrounding, family_record
from ocula.schemas.grounding_parsers import FAMILY_PARSERS, GROUNDING_FORMATS, family_parser, parse_grounding


def test_every_family_has_one_record_keyed_by_itself() -> None:
    assert set(FAMILY_RECORDS) == set(Family)
    for family, record in FAMILY_RECORDS.items():
        assert record.family is family
        assert family_record(family) is record
        assert family_record(family.value) is record  # its name finds the same record
    assert family_record(None) is GENERIC and GENERIC.family is None


@pytest.mark.parametrize("record", [*FAMILY_RECORDS.values(), GENERIC], ids=lambda r: r.family or "generic")
def test_every_record_names_a_known_convention_and_parser(record) -> None:
    assert record.box_convention in BOX_CONVENTIONS
    assert record.parsers and all(key in GROUNDING_FORMATS for key in record.parsers)
    assert callable(family_parser(record))
    assert record.prompt_format in ("chatml", "plain", "user_assistant")


def test_the_derived_tables_follow_the_records() -> None:
    assert set(FAMILY_BOX_CONVENTION) == set(FAMILY_PARSERS) == set(Family)
    for family, record in FAMILY_RECORDS.items():
        assert FAMILY_BOX_CONVENTION[family] == record.box_convention == convention_for_family(family).name
        if len(record.parsers) == 1:
            assert FAMILY_PARSERS[family] is GROUNDING_FORMATS[record.parsers[0]]
    assert convention_for_family(None).name == "norm1000_xyxy"


def test_the_enum_round_trips_from_a_model_type() -> None:
    for family in Family:
        assert Family.from_model_type(family.value) is family
        assert Family.parse(str(family)) is family
        assert family == family.value  # a StrEnum: compares and hashes as its model_type
    assert Family.from_model_type("kosmos-2") is Family.KOSMOS2
    assert Family.from_model_type("llama") is None and Family.from_model_type(None) is None


def test_one_spelling_only() -> None:
    with pytest.raises(ValueError, match="unknown model family 'kosmos2'"):
        Family.parse("kosmos2")
    with pytest.raises(ValueError, match="unknown model family"):
        family_record("kosmos2")
    with pytest.raises(ValueError, match="unknown model family"):
        parse_grounding("", "kosmos2")


def test_native_prompts_per_label_joined_or_any_object() -> None:
    joined = NativeGrounding("detect {labels}", separator=" ; ")
    assert joined.prompts(["cat", "dog"]) == [("detect cat ; dog", None)]
    assert joined.prompts(None) == [("detect object", None)]
    one_each = NativeGrounding("<ref>{labels}</ref>", per_label=True, any_object="everything")
    assert one_each.prompts(["cat", "dog"]) == [("<ref>cat</ref>", "cat"), ("<ref>dog</ref>", "dog")]
    assert one_each.prompts([]) == [("everything", None)]


def test_families_whose_boxes_are_special_tokens_read_them_natively() -> None:
    special = {f for f, r in FAMILY_RECORDS.items() if r.box_special_tokens}
    assert special == {Family.PALIGEMMA, Family.KOSMOS2, Family.FLORENCE2}
    assert all(FAMILY_RECORDS[f].grounding is not None and FAMILY_RECORDS[f].prompt_format == "plain" for f in special)
    only_grammar_free = [f for f, r in FAMILY_RECORDS.items() if r.grammar_error]
    assert only_grammar_free == [Family.FLORENCE2]
