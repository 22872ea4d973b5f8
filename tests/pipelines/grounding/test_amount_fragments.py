"""An amount candidate is a number of its own: never a piece of a date, a time, a phone or an article number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ocula.pipelines.grounding.candidates import candidates_for
from ocula.pipelines.grounding.values import finders
from ocula.schemas.packs import rules_for


def amounts(text: str, packs: list[str]) -> list[Decimal]:
    return [parsed for _, _, parsed in finders(rules_for(packs))["amount"](text)]


@pytest.mark.parametrize("packs", [["de"], ["en", "my"], ["fr"], ["es", "en"]])
@pytest.mark.parametrize(
    "text",
    [
        "28.03.2020",
        "Datum 28.03.2020 14:35",
        "28.03.20 17:03",
        "2020.03.28",
        "12:30.45",
        "Tel. 089/12.345.678",
        "Tel 030-12.34.56",
        "Art.-Nr. 12.345.67",
        "28,03,2020",
    ],
)
def test_no_amount_is_cut_out_of_a_longer_number(text: str, packs: list[str]) -> None:
    assert amounts(text, packs) == []


@pytest.mark.parametrize(
    ("text", "packs", "expected"),
    [
        ("SUMME EUR 12,50", ["de"], [Decimal("12.50")]),
        ("Datum 28.03.2020  SUMME 28,03", ["de"], [Decimal("28.03")]),
        ("TOTAL:12.50", ["en"], [Decimal("12.50")]),
        ("1.234,56 €", ["de"], [Decimal("1234.56")]),
        ("TOTAL TTC 1 090,12 €", ["fr"], [Decimal("1090.12")]),
        ("Rabatt -3,50", ["de"], [Decimal("3.50")]),
        ("12,50.", ["de"], [Decimal("12.50")]),
    ],
)
def test_an_amount_of_its_own_is_still_found(text: str, packs: list[str], expected: list[Decimal]) -> None:
    assert amounts(text, packs) == expected


def test_a_german_receipt_offers_no_date_fragment_as_its_total() -> None:
    from ocula.pipelines.grounding.lines import DocLine
    from ocula.schemas import BBox

    texts = ["Datum: 28.03.2020 12:07", "Brot 2,49", "SUMME 4,98", "Bon-Nr. 0815"]
    lines = [DocLine(i, 0, t, BBox(x0=0, y0=20 * i, x1=200, y1=20 * i + 15)) for i, t in enumerate(texts)]
    found = {c.parsed for c in candidates_for("amount", lines, rules_for(["de"]))}
    assert found == {Decimal("2.49"), Decimal("4.98")}
