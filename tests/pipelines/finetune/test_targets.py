"""Gold values written as the grammar makes the model write them: candidate matching, spelling, masking."""

from __future__ import annotations

import json

import pytest

from ocula.adapters.models.base import Constraint
from ocula.pipelines.finetune.targets import AnswerError, answer_for, choose, loose, number_text

GROUNDED = {
    "type": "object",
    "properties": {
        "company": {"enum": ["tan chay yee", "SOON HUAT MACHINERY ENTERPRISE", "NO.53 JALAN PUTRA 1,"]},
        "date": {"anyOf": [{"enum": ["11/01/2019"]}, {"type": "null"}]},
        "address": {
            "anyOf": [
                {"enum": ["NO.53 JALAN PUTRA 1,", "NO.53 JALAN PUTRA 1, TAMAN SRI PUTRA. 81200 JOHOR BAHRU JOHOR"]},
                {"type": "null"},
            ]
        },
        "total": {"anyOf": [{"enum": [327.0, 0.0, 12.5]}, {"type": "null"}]},
    },
    "required": ["company"],
    "additionalProperties": False,
}


def test_number_text_is_the_shortest_plain_form() -> None:
    assert number_text(327.0) == "327"
    assert number_text("327.00") == "327"
    assert number_text(12.5) == "12.5"
    assert number_text("0.10") == "0.1"
    assert number_text(1e-7) == "0.0000001"
    assert number_text(-3) == "-3"
    with pytest.raises(AnswerError):
        number_text("abc")


def test_loose_keeps_letters_and_digits() -> None:
    assert loose("NO.53 Jalan, PUTRA 1") == loose("no 53 jalan putra 1.") == "no53jalanputra1"


def test_choose_exact_then_loose_then_number_then_nearest() -> None:
    options = ["ABC SDN BHD", "ABC SDN. BHD.", "XYZ"]
    assert choose(options, "ABC SDN. BHD.") == ("ABC SDN. BHD.", True)  # the exact spelling wins
    assert choose(options, "abc sdn bhd!") == ("ABC SDN BHD", True)
    assert choose([327.0, 0.0], "327.00") == (327.0, True)
    assert choose(["SOON HUAT", "TAMAN SRI"], "SOON HUAT MACHINERY") == ("SOON HUAT", False)


def test_grounded_answer_uses_the_page_spelling_in_schema_order() -> None:
    gold = {
        "total": "327.00",
        "address": "NO.53 JALAN PUTRA 1, TAMAN SRI PUTRA, 81200 JOHOR BAHRU JOHOR",  # "," where the page has "."
        "date": "11/01/2019",
        "company": "SOON HUAT MACHINERY ENTERPRISE",
    }
    answer = answer_for(GROUNDED, gold)
    assert answer.text == (
        '{"company":"SOON HUAT MACHINERY ENTERPRISE","date":"11/01/2019",'
        '"address":"NO.53 JALAN PUTRA 1, TAMAN SRI PUTRA. 81200 JOHOR BAHRU JOHOR","total":327}'
    )
    assert answer.masked == [] and answer.dropped == []
    assert json.loads(answer.text)["total"] == 327


def test_a_gold_value_not_on_the_page_is_masked_and_reported() -> None:
    gold = {"company": "SOON HUAT MACHINERY ENTERPRISE SDN BHD", "date": None, "address": None, "total": "99.99"}
    answer = answer_for(GROUNDED, gold)
    data = answer.data
    masked = [data[a:b].decode() for a, b in answer.masked]
    assert masked == ['"SOON HUAT MACHINERY ENTERPRISE"', "327"]  # nearest candidates stand in, out of the loss
    assert answer.dropped == ["company", "total"]
    assert '"date":null' in answer.text and '"address":null' in answer.text


def test_a_value_where_the_page_offers_only_null_is_masked() -> None:
    schema = {"type": "object", "properties": {"date": {"anyOf": [{"type": "null"}]}}}
    answer = answer_for(schema, {"date": "14/03/2018"})
    assert answer.text == '{"date":null}'
    assert answer.masked == [(8, 12)] and answer.dropped == ["date"]


def test_non_ascii_text_keeps_byte_offsets() -> None:
    schema = {"type": "object", "properties": {"name": {"enum": ["Café Ölmühle", "Other"]}, "n": {"enum": [1.0]}}}
    answer = answer_for(schema, {"name": "CAFE OLMUHLE", "n": 2})
    assert answer.dropped == ["name", "n"]
    assert [answer.data[a:b].decode() for a, b in answer.masked] == ['"Café Ölmühle"', "1"]


def test_nested_objects_arrays_refs_and_plain_leaves() -> None:
    schema = {
        "$defs": {
            "Item": {
                "type": "object",
                "properties": {"description": {"enum": ["MILO", "TEA"]}, "amount": {"type": "number"}},
            }
        },
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}, "maxItems": 2},
            "note": {"type": "string"},
            "count": {"type": "integer"},
            "paid": {"type": "boolean"},
        },
    }
    gold = {
        "items": [{"description": "milo", "amount": "13.90"}, {"description": "TEA", "amount": 2}, {"x": 1}],
        "note": 'say "hi"',
        "count": 3,
        "paid": True,
    }
    answer = answer_for(schema, gold)
    assert answer.text == (
        '{"items":[{"description":"MILO","amount":13.9},{"description":"TEA","amount":2}],'
        '"note":"say \\"hi\\"","count":3,"paid":true}'
    )
    assert answer.dropped == ["items[2:]"]


def test_values_the_schema_has_no_place_for_raise() -> None:
    with pytest.raises(AnswerError, match="not an object"):
        answer_for(GROUNDED, ["a list"])
    with pytest.raises(AnswerError, match="null"):
        answer_for({"type": "object", "properties": {"n": {"type": "integer"}}}, {"n": None})


def test_the_answer_is_accepted_by_the_grammar(bundled_llm) -> None:
    """The grammar's own matcher takes the answer whole and ends with it."""
    gold = {"company": "SOON HUAT MACHINERY ENTERPRISE", "date": "11/01/2019", "address": None, "total": "12.50"}
    answer = answer_for(GROUNDED, gold)
    matcher = bundled_llm.grammars.get(Constraint.json_schema(json.dumps(GROUNDED))).fresh()
    tokens = bundled_llm.llg_tokenizer.tokenize_str(answer.text)
    assert matcher.validate_tokens(tokens) == len(tokens)
    matcher.consume_tokens(tokens)
    assert matcher.is_accepting()
