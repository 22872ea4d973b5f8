"""Results to annotations: every row of a list shares its colour key."""

from __future__ import annotations

from ocula.pipelines.overlay import colour_key_for_path


def test_list_rows_share_a_colour() -> None:
    assert colour_key_for_path("items[3].price") == "items[].price"
    assert colour_key_for_path("items.3.price") == "items[].price"
    assert colour_key_for_path("total") == "total"
