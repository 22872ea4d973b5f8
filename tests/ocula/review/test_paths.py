"""Field paths into a record's value and the schema's type at a path."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ocula.review import paths
from ocula.schemas.ready import Receipt, ReceiptItem


def test_split_reads_per_page_prefixes_and_list_indices() -> None:
    assert paths.split("p2.items.0.amount", per_page=True) == paths.Split(1, ("items", 0, "amount"))
    assert paths.split("items.0.amount", per_page=False) == paths.Split(None, ("items", 0, "amount"))
    assert paths.join(paths.Split(1, ("items", 0, "amount"))) == "p2.items.0.amount"
    for bad, per_page in (("", False), ("a..b", False), ("total", True), ("p0.total", True), ("a." * 20, False)):
        with pytest.raises(paths.PathError):
            paths.split(bad, per_page)


def test_put_copies_and_grows_lists() -> None:
    value = {"items": [{"amount": "1"}]}
    grown = paths.put(value, ("items", 2, "amount"), "3")
    assert grown == {"items": [{"amount": "1"}, None, {"amount": "3"}]} and value == {"items": [{"amount": "1"}]}
    assert paths.get(grown, ("items", 2, "amount")) == "3" and paths.get(grown, ("items", 9, "amount")) is None
    with pytest.raises(paths.PathError):
        paths.put({"total": "1"}, ("total", "x"), 2)


def test_check_leaf_applies_the_fields_type_and_constraints() -> None:
    assert paths.check_leaf(Receipt, ("total",), "12.50") == "12.50"
    assert paths.check_leaf(Receipt, ("items", 3, "quantity"), "2") == "2"
    with pytest.raises(ValidationError) as err:
        paths.check_leaf(Receipt, ("total",), "-1")
    assert paths.first_error(err.value) == "Input should be greater than or equal to 0"
    with pytest.raises(ValidationError) as err:
        paths.check_leaf(Receipt, ("items", 0, "description"), "x" * 121)
    assert paths.first_error(err.value) == "String should have at most 120 characters"
    with pytest.raises(paths.PathError, match="not a field"):
        paths.check_leaf(Receipt, ("colour",), "red")


def test_schema_leaves_lists_and_new_items() -> None:
    assert paths.leaf_paths(Receipt) == [("company",), ("date",), ("address",), ("total",)]
    assert paths.list_paths(Receipt) == [("items",)]
    assert paths.empty_item(Receipt, ("items",)) == dict.fromkeys(ReceiptItem.model_fields)
    assert paths.item_leaves(Receipt, ("items",), 1)[0] == ("items", 1, "description")
    with pytest.raises(paths.PathError):
        paths.empty_item(Receipt, ("total",))
