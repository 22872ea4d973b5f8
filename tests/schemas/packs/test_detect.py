"""The page's locale detected from its text: each bundled locale pack is found on lines a receipt or invoice of
its language prints, several can apply, English stays as a fallback, and names given by a caller are checked."""

from __future__ import annotations

import pytest

from ocula.schemas.packs import Pack, bundled_packs
from ocula.schemas.packs.detect import FALLBACK_PACKS, detect_locales, locale_packs, parse_locales, tokens


def page(text: str) -> list[str]:
    """The lines of a page written as one text, separated by ' | '."""
    return text.split(" | ")


PAGES = {
    "de": page(
        "Bäckerei Schmidt | Hauptstraße 12 | Datum: 2. März 2020  14:35 | Brötchen 2,40 | SUMME EUR 12,50 | "
        "Gegeben 20,00 | Rückgeld 7,50 | enth. MwSt 7% 0,82 | Vielen Dank für Ihren Einkauf!"
    ),
    "fr": page(
        "Boulangerie Dupont | 12 rue de la République | Le 3 mars 2020 | Baguette 1,10 € | "
        "TOTAL TTC 14,94 € | dont TVA 5,5 % 0,78 | Espèces 20,00 | Rendu 5,06 | Merci de votre visite"
    ),
    "es": page(
        "Panadería García S.L. | Calle Mayor 4 | 3 de marzo de 2020 | Pan 1,20 | TOTAL A PAGAR 14,94 € | "
        "IVA 10% 1,36 | Efectivo 20,00 | Cambio 5,06 | Gracias por su visita"
    ),
    "it": page(
        "Panificio Rossi S.r.l. | Via Roma 8 | 3 marzo 2020 | Pane 1,20 | TOTALE EURO 14,94 | IVA 10% 1,36 | "
        "Contanti 20,00 | Resto 5,06 | Grazie e arrivederci"
    ),
    "nl": page(
        "Bakkerij de Vries B.V. | Dorpsstraat 8 | 3 maart 2020 | Brood 1,20 | Totaal te betalen 14,94 | "
        "BTW 9% 1,23 | Contant 20,00 | Wisselgeld 5,06 | Bedankt voor uw bezoek"
    ),
    "pt": page(
        "Padaria Lisboa Lda | Rua Augusta 8 | 3 de março de 2020 | Pão 1,20 | Total a pagar 14,94 € | "
        "IVA 6% 0,85 | Numerário 20,00 | Troco 5,06 | Obrigado pela preferência"
    ),
    "id": page(
        "Toko Roti Makmur | Jl. Sudirman 8 | 03 Maret 2020 | Roti 12.500 | Total Belanja Rp 45.000 | "
        "PPN 10% 4.500 | Tunai 50.000 | Kembali 5.000 | Terima kasih atas kunjungan Anda"
    ),
    "en": page(
        "Corner Bakery | 12 High Street | March 3, 2020  2:35 PM | Bread 2.40 | TOTAL 12.50 | Cash 20.00 | "
        "Change 7.50 | VAT 20% 2.08 | Thank you for shopping with us"
    ),
}


@pytest.mark.parametrize("locale", sorted(PAGES))
def test_a_page_in_each_language_is_detected(locale: str) -> None:
    guess = detect_locales(PAGES[locale])
    assert guess.locale == locale, guess.scores
    packs = guess.packs()
    assert packs[0] == locale and packs[-1] in FALLBACK_PACKS  # English stays as the fallback


def test_a_malaysian_receipt_is_malaysian_and_english() -> None:
    lines = page(
        "KEDAI MAKAN MAJU SDN BHD | NO 8, JALAN MAWAR 2 | 81200 JOHOR BAHRU | TOTAL (RM) 12.50 | GST 6% 0.71 | "
        "CASH 20.00 | CHANGE 7.50 | THANK YOU, PLEASE COME AGAIN"
    )
    guess = detect_locales(lines)
    assert guess.locale == "my"
    assert set(guess.locales) == {"my", "en"}  # several locales apply


def test_a_page_with_no_evidence_gets_the_fallback_only() -> None:
    guess = detect_locales(["12345", "ABC 7"])
    assert guess.locales == () and guess.locale is None
    assert guess.packs() == list(FALLBACK_PACKS) == ["en"]  # no Malaysian rules without Malaysian evidence


def test_a_shared_word_says_little_and_a_month_name_counts_beside_a_number() -> None:
    assert detect_locales(["TOTAL 12,50"]).locales == ()  # "total" and a decimal comma: many packs share them
    assert detect_locales(["Maret"]).scores["id"] == 0  # a month name alone is no date
    assert detect_locales(["3 Maret 2020"]).scores["id"] > 0


def test_the_evidence_comes_from_the_packs_given() -> None:
    zed = Pack(name="zed", currency={"before": ("ZD",)}, labels={"total": ("grand zum",)}, detect=("zorba",))
    guess = detect_locales(["GRAND ZUM ZD 12.50", "Zorba"], packs=[zed, bundled_packs()["en"]])
    assert guess.locale == "zed" and guess.scores["zed"] >= 3


def test_tokens_keep_punctuation_apart() -> None:
    assert tokens("SDN. BHD. 12,50€") == ["sdn", ".", "bhd", ".", "12", ",", "50", "€"]


def test_given_locales_are_parsed_and_checked() -> None:
    assert parse_locales("de, en") == ["de", "en"]
    assert parse_locales(["fr", "fr"]) == ["fr"]
    assert "base" not in locale_packs() and {"de", "en", "my"} <= set(locale_packs())
    with pytest.raises(ValueError, match=r"unknown locale 'xx'.*de, en, es"):
        parse_locales("de,xx")
    with pytest.raises(ValueError, match="no locale given"):
        parse_locales(" , ")
