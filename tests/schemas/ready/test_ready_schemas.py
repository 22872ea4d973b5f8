from decimal import Decimal

import pytest
from pydantic import ValidationError

from ocula.schemas.constraints import bounded_schema
from ocula.schemas.ready import READY, Invoice


@pytest.mark.parametrize("name", sorted(READY))
def test_every_ready_schema_compiles_to_a_bounded_grammar(name):
    from llguidance import LLMatcher

    from ocula.schemas.constraints import without_hints

    bounded = bounded_schema(READY[name])
    assert bounded.max_tokens > 0
    import json

    grammar = LLMatcher.grammar_from_json_schema(json.dumps(without_hints(bounded.schema)))
    assert LLMatcher.validate_grammar(grammar) in ("",) or LLMatcher.validate_grammar(grammar).startswith("WARNING")
    props = READY[name].model_json_schema()["properties"]
    assert all("description" in p for p in props.values()), "descriptions go into the prompt"


def invoice(**overrides):
    data = {
        "invoice_number": "INV-1",
        "seller": {"name": "Acme"},
        "items": [{"description": "a", "amount": "10.00"}, {"description": "b", "amount": "5.50"}],
        "subtotal": "15.50",
        "tax": "1.55",
        "total": "17.05",
    }
    data.update(overrides)
    return data


def test_invoice_sum_validator():
    assert Invoice.model_validate(invoice()).total == Decimal("17.05")
    with pytest.raises(ValidationError, match="add up to"):
        Invoice.model_validate(invoice(subtotal="20.00", total="21.55"))
    with pytest.raises(ValidationError, match="is not the total"):
        Invoice.model_validate(invoice(total="99.00"))
