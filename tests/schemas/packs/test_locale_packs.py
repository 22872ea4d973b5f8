"""The bundled locale packs (de, fr, es, it, nl, pt, id): each loads, composes with base, and carries the month
names, decimal-comma number format and label words its language's receipts print."""

from __future__ import annotations

import pytest

from ocula.schemas.packs import NumberFormat, Pack, bundled_packs, compose, rules_for

LOCALES = ("de", "fr", "es", "it", "nl", "pt", "id")


@pytest.mark.parametrize("name", LOCALES)
def test_locale_pack_loads_with_twelve_months_and_a_decimal_comma(name: str) -> None:
    pack = bundled_packs()[name]
    assert len(pack.months) == 12
    assert all(pack.months[i] for i in range(12))
    assert any(fmt.decimal == "," for fmt in pack.numbers)
    for vocabulary in ("total", "not_total", "subtotal", "tax", "amount_due"):
        assert pack.labels.get(vocabulary), (name, vocabulary)


@pytest.mark.parametrize(
    ("name", "month", "number"),
    [
        ("de", "märz", 3),
        ("de", "mrz", 3),
        ("de", "dez", 12),
        ("fr", "févr", 2),
        ("fr", "mars", 3),
        ("fr", "août", 8),
        ("es", "marzo", 3),
        ("es", "dic", 12),
        ("it", "maggio", 5),
        ("nl", "mrt", 3),
        ("pt", "março", 3),
        ("pt", "out", 10),
        ("id", "agustus", 8),
    ],
)
def test_locale_month_names(name: str, month: str, number: int) -> None:
    assert rules_for([name]).months[month] == number


@pytest.mark.parametrize(
    ("name", "vocabulary", "word"),
    [
        ("de", "total", "summe"),
        ("de", "total", "zu zahlen"),
        ("de", "total", "rechnungsbetrag"),
        ("de", "not_total", "rückgeld"),
        ("de", "tax", "mwst"),
        ("fr", "total", "total ttc"),
        ("fr", "total", "net à payer"),
        ("fr", "not_total", "rendu"),
        ("fr", "tax", "tva"),
        ("es", "total", "importe"),
        ("es", "not_total", "efectivo"),
        ("es", "tax", "iva"),
        ("it", "total", "totale"),
        ("nl", "total", "totaal"),
        ("nl", "tax", "btw"),
        ("pt", "not_total", "troco"),
        ("id", "total", "jumlah"),
        ("id", "tax", "ppn"),
    ],
)
def test_locale_label_words(name: str, vocabulary: str, word: str) -> None:
    assert word in rules_for([name]).vocabulary(vocabulary)


def test_a_locale_replaces_the_default_packs() -> None:
    rules = rules_for(["de"])
    assert rules.packs == ("base", "de")
    assert "sdn bhd" not in rules.legal_forms  # Malaysia's rules are not applied to a German page
    assert rules_for().packs == ("base", "en", "my")  # the default is unchanged


def test_date_joiners_compose() -> None:
    pack = Pack(name="xx", date_joiners=("De",), numbers=(NumberFormat(decimal=","),))
    assert compose([pack]).date_joiners == ("de",)
    assert rules_for(["es"]).date_joiners == ("de", "del")
