"""Results to annotations: each item of a list has its own colour key, shared by the boxes of its fields."""

from __future__ import annotations

from ocula.pipelines.overlay import colour_key_for_path


def test_each_item_of_a_list_has_its_colour() -> None:
    assert colour_key_for_path("items[3].price") == "items[3]"
    assert colour_key_for_path("items.3.price") == "items[3]"
    assert colour_key_for_path("items/3/price") == "items[3]"
    assert colour_key_for_path("items/3") == "items[3]"
    assert colour_key_for_path("items/12/cells/0") == "items[12]"
    assert colour_key_for_path("seller/name") == "seller/name"
    assert colour_key_for_path("total") == "total"


def test_an_extraction_draws_each_item_in_one_colour() -> None:
    from ocula.pipelines.overlay import extraction_annotations
    from ocula.schemas import BBox, Extraction, FieldResult

    box = BBox(x0=0, y0=0, x1=10, y1=10)
    fields = {
        "items/0": FieldResult(path="items/0", value={"amount": 1.5}, box=box),
        "items/0/amount": FieldResult(path="items/0/amount", value=1.5, box=box),
        "items/1/amount": FieldResult(path="items/1/amount", value=2.0, box=box),
    }
    found = extraction_annotations(Extraction(fields=fields), page=0)
    assert [(a.label, a.key) for a in found] == [
        ("items/0", "items[0]"),
        ("items/0/amount: 1.5", "items[0]"),
        ("items/1/amount: 2.0", "items[1]"),
    ]
