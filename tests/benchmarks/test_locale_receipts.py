import json
from decimal import Decimal

from PIL import Image

from benchmarks.extraction_info import locale_of, mechanism_of
from benchmarks.locale_receipt_data import LOCALES, format_amount, format_date, with_currency
from benchmarks.locale_scoring import company_correct, date_correct, parse_amount, total_correct
from benchmarks.make_locale_receipts import available_faces, generate


def _check_written(out, images):
    assert len(images) == 2
    for image in images:
        with Image.open(image) as img:
            assert img.format == "JPEG" and img.width > 300 and img.height > 300
        truth = json.loads((out / "key" / f"{image.stem}.json").read_text())
        assert {"company", "date", "address", "total", "locale", "date_iso"} <= set(truth)
        items = sum(parse_amount(item["amount"]) for item in truth["items"])
        tax = parse_amount(truth["tax"]) if truth["tax_added"] else 0
        # the truth total is the sum of the amounts printed (plus tax on invoices), and is printed itself
        assert items + tax == Decimal(truth["total"]) == parse_amount(truth["total_printed"])
        assert any(truth["total_printed"] in line for line in truth["lines"])
        assert any(truth["date"] in line for line in truth["lines"])
        assert truth["company"].upper() in [line.upper() for line in truth["lines"]]


def test_generator_writes_images_and_truth(tmp_path):
    images = generate(tmp_path, per_locale=1, locales=("de", "fr"), seed=3)
    _check_written(tmp_path, images)
    assert [p.name for p in images] == ["de_000.jpg", "fr_000.jpg"]
    again = generate(tmp_path / "again", per_locale=1, locales=("de", "fr"), seed=3)
    for a, b in zip(images, again, strict=True):  # fixed seed: the same documents
        assert (tmp_path / "key" / f"{a.stem}.json").read_text() == (
            b.parent.parent / "key" / f"{b.stem}.json"
        ).read_text()


def test_generator_falls_back_to_the_default_font(tmp_path):
    assert [f.name for f in available_faces([str(tmp_path / "no-fonts")])] == ["pil-default"]
    images = generate(tmp_path, per_locale=2, locales=("es",), font_dirs=[str(tmp_path / "no-fonts")])
    _check_written(tmp_path, images)


def test_number_and_date_formats():
    assert format_amount(Decimal("1234.5"), ",", ".") == "1.234,50"
    assert format_amount(Decimal("1234567.89"), ".", ",") == "1,234,567.89"
    assert format_amount(Decimal("12.5"), ",", " ") == "12,50"
    assert with_currency("12,50", "€", "after") == "12,50 €"
    assert with_currency("12,50", "EUR", "before") == "EUR 12,50"
    assert with_currency("12.50", "£", "before") == "£12.50"
    months = LOCALES["de"]["months"].split()
    assert format_date("{d}. {month} {yyyy}", 2020, 3, 2, months) == "2. März 2020"
    assert format_date("{dd}.{mm}.{yy}", 2020, 3, 2, months) == "02.03.20"


def test_amounts_in_either_convention():
    assert parse_amount("1.234,56 €") == Decimal("1234.56")
    assert parse_amount("EUR 1,234.56") == Decimal("1234.56")
    assert parse_amount("1 234,56") == Decimal("1234.56")
    assert parse_amount("12,5") == Decimal("12.5")
    assert parse_amount("1.234") == Decimal("1234")
    assert parse_amount("164,31 A") == Decimal("164.31")
    assert parse_amount(Decimal("12.50")) == Decimal("12.50")
    assert parse_amount("SUMME") is None
    assert parse_amount(None) is None
    assert total_correct("1234.56", "1234.56")
    assert total_correct("1.234,56", "1234.56")
    assert not total_correct("28.03", "1234.56")  # a date fragment is not the total
    assert not total_correct(None, "12.50")


def test_dates_and_company():
    assert date_correct("02.03.2020", "02.03.2020", "2020-03-02")
    assert date_correct("2. März 2020", "2. März 2020", "2020-03-02")
    assert date_correct("2020-03-02", "2. März 2020", "2020-03-02")
    assert date_correct("2. Mar 2020", "2. März 2020", "2020-03-02", parsed=["2020-03-02"])
    assert not date_correct("28.03", "28.03.2020", "2020-03-28")
    assert not date_correct(None, "02.03.2020", "2020-03-02")
    assert company_correct("BÄCKEREI SCHMIDT.", "Bäckerei Schmidt")
    assert not company_correct("Hauptstraße 12", "Bäckerei Schmidt")


class _Source:
    kind = "ocr_lines"


class _Field:
    source = _Source()


class _FieldWithMechanism:
    mechanism = "rule"
    source = _Source()


class _Extraction:
    locales = ("de", "en")


def test_extraction_info_reads_what_is_there():
    assert mechanism_of(_Field()) is None
    assert mechanism_of(_FieldWithMechanism()) == "rule"
    assert locale_of(_Extraction()) == "de+en"
    assert locale_of(object()) is None


def test_the_report_scores_the_detected_locale():
    from benchmarks.eval_locale_receipts import markdown, summarise

    def row(locale, detected, total):
        hits = {"total": total, "date": True, "company": True}
        return {"locale": locale, "locale_detected": detected, "hits": hits, "mechanism": dict.fromkeys(hits, "rule")}

    report = summarise([row("de", "de", True), row("de", "fr", False), row("fr", "fr", True), row("en", "n/a", True)])
    assert report["per_locale"]["de"]["locale_right"] == 0.5
    assert report["per_locale"]["all"]["locale_right"] == 0.5
    table = markdown({"receipts": 4, "model": "m", "ocr": "o", "seconds_median": 1.0, "errors": {}, **report})
    assert "| detection right |" in table.splitlines()[2]
    assert "| **all** | 4 | 0.75 | 1.00 | 1.00 | fr 2, de 1, n/a 1 | 0.50 |" in table
