"""Amounts and dates under the locale packs: decimal commas with dot or space thousands, currency before or
after, month names in German, French, Spanish, Italian, Dutch, Portuguese and Indonesian; and the default packs
read "1,234.56" as before."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ocula.pipelines.grounding.values import find_dates, finders, parse_amount
from ocula.schemas.packs import rules_for


def amounts(text: str, packs: list[str] | None = None) -> list[Decimal]:
    return [value for _, _, value in finders(rules_for(packs))["amount"](text)]


@pytest.mark.parametrize(
    ("locale", "text", "value"),
    [
        ("de", "SUMME 1.234,56", "1234.56"),
        ("de", "zu zahlen EUR 12,50", "12.50"),
        ("de", "Gesamt 12,50 €", "12.50"),
        ("de", "Betrag 1.250", "1250"),
        ("fr", "TOTAL TTC 1 234,56 €", "1234.56"),
        ("fr", "Net à payer 1\u202f234,56 EUR", "1234.56"),
        ("fr", "TOTAL 1.234,56", "1234.56"),
        ("es", "Importe 3.456,70 €", "3456.70"),
        ("it", "Totale € 12,50", "12.50"),
        ("nl", "Totaal € 1.099,00", "1099.00"),
        ("pt", "Total 45,90 €", "45.90"),
        ("id", "Total Rp 12.500", "12500"),
        ("id", "Jumlah Rp. 1.250.000", "1250000"),
    ],
)
def test_decimal_comma_amounts_under_a_locale(locale: str, text: str, value: str) -> None:
    assert amounts(text, [locale]) == [Decimal(value)]


def test_a_space_groups_thousands_only_before_decimals() -> None:
    # "2 150" may be a quantity and a price: a space group needs the decimal part
    assert amounts("2 150", ["fr"]) == []


def test_both_separators_are_read_unambiguously_by_the_default_packs() -> None:
    assert amounts("TOTAL 1.234,56") == [Decimal("1234.56")]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("TOTAL 1,234.56", "1234.56"),
        ("RM 12.50", "12.50"),
        ("1,234", "1234"),
        ("8,50", "8.50"),
        ("RM1,000.00", "1000.00"),
    ],
)
def test_default_packs_read_amounts_as_before(text: str, value: str) -> None:
    assert amounts(text) == [Decimal(value)]


def test_default_packs_do_not_take_a_dot_grouped_number_for_an_amount() -> None:
    assert amounts("1.234") == []  # only a pack with a '.' group (German, ...) reads it as 1234
    assert amounts("1.234", ["de"]) == [Decimal("1234")]


def test_parse_amount_uses_the_first_matching_format() -> None:
    assert parse_amount("1.250", rules_for(["de"])) == Decimal("1250")
    assert parse_amount("12.50", rules_for(["de"])) == Decimal("12.50")
    assert parse_amount("1,234.56") == Decimal("1234.56")


@pytest.mark.parametrize(
    ("locale", "text", "day"),
    [
        ("de", "Datum: 2. März 2020", date(2020, 3, 2)),
        ("de", "2. MÄRZ 2020", date(2020, 3, 2)),
        ("de", "14. Dez. 2021", date(2021, 12, 14)),
        ("fr", "le 3 mars 2020", date(2020, 3, 3)),
        ("fr", "12 févr. 2021", date(2021, 2, 12)),
        ("fr", "1er août 2019", date(2019, 8, 1)),
        ("es", "3 de marzo de 2020", date(2020, 3, 3)),
        ("es", "15 dic 2022", date(2022, 12, 15)),
        ("it", "5 maggio 2021", date(2021, 5, 5)),
        ("nl", "3 mrt 2020", date(2020, 3, 3)),
        ("pt", "3 de março de 2020", date(2020, 3, 3)),
        ("id", "17 Agustus 2020", date(2020, 8, 17)),
    ],
)
def test_month_name_dates(locale: str, text: str, day: date) -> None:
    found = find_dates(text, rules_for([locale]))
    assert [dates[0] for _, _, dates in found] == [day]


def test_month_names_of_a_locale_need_its_pack() -> None:
    assert find_dates("3 mars 2020") == []  # the default packs know English month names only
    assert find_dates("3 de marzo de 2020", rules_for(["de"])) == []


def test_numeric_dates_stay_day_first() -> None:
    assert find_dates("02.03.2020", rules_for(["de"]))[0][2][0] == date(2020, 3, 2)
