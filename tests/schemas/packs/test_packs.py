"""Rule packs: the bundled ones, composition, a user's own pack, and how schemas and options select them."""

from datetime import date
from decimal import Decimal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ocula.pipelines.grounding.candidates import candidates_for
from ocula.pipelines.grounding.grammar import grounded_schema
from ocula.pipelines.grounding.values import find_dates
from ocula.schemas import BBox, Line, OCRPage
from ocula.schemas.constraints import bounded_schema
from ocula.schemas.kinds import LABELS_KEY, kind_of
from ocula.schemas.packs import (
    DEFAULT_PACKS,
    PACKS_KEY,
    Currency,
    Pack,
    bundled_packs,
    load_pack,
    register_pack,
    rules_for,
    vocab,
)
from ocula.schemas.packs import loader as pack_loader
from tests.fixtures.lines import line

# The label lists the receipt schema held before they became pack data: the default packs must give exactly these.
TOTAL = ["total", "grand total", "nett total", "net total", "total amount", "amount due", "payable", "due"]
TOTAL += ["total incl", "jumlah"]
NOT_TOTAL = ["sub total", "subtotal", "sub-total", "cash", "change", "tendered", "paid", "discount", "rounding"]
NOT_TOTAL += ["tax", "gst", "sst", "service", "qty", "quantity", "items", "saving", "supplies"]
LEGAL_FORMS = ["sdn bhd", "sdn. bhd.", "bhd", "s/b", "plt", "ltd", "limited", "llc", "llp", "inc", "corp"]
LEGAL_FORMS += ["corporation", "co", "company", "gmbh", "ag", "kg", "sa", "sas", "sarl", "srl", "spa", "bv", "nv"]
LEGAL_FORMS += ["ab", "as", "oy", "pty", "plc", "pte", "kk", "enterprise", "trading"]

GERMAN = """
name = "de-test"
numbers = [{ decimal = ",", group = "." }]
months = [["januar"], ["februar"], ["märz", "mrz"], ["april"], ["mai"], ["juni"], ["juli"], ["august"],
          ["september"], ["oktober"], ["november"], ["dezember"]]
legal_forms = ["gmbh & co. kg"]

[currency]
after = ["€", "EUR"]

[labels]
total = ["summe", "zu zahlen"]

[kinds]
betrag = "amount"
datum = "date"
"""


def test_the_bundled_packs_load():
    packs = bundled_packs()
    assert {"base", "en", "my"} <= set(packs)
    assert len(packs["en"].months) == 12 and packs["en"].months[8] == ("sep", "sept", "september")
    assert packs["my"].address.postcode_last and packs["my"].currency.before == ("RM", "MYR", "SGD")
    assert DEFAULT_PACKS == ("en", "my")


def test_the_default_packs_hold_the_rules_the_receipts_were_tuned_with():
    rules = rules_for()
    assert rules.packs == ("base", "en", "my")
    assert sorted(rules.phrases([vocab("total")])) == sorted(TOTAL)
    assert sorted(rules.phrases([vocab("not_total")])) == sorted(NOT_TOTAL)
    assert set(rules.phrases(["@address_end"])) == {"tel", "fax", "gst", "reg", "invoice", "receipt", "date"}
    assert set(rules.phrases(["@not_purchase_date"])) == {"expiry", "exp", "expires", "valid", "due date", "birth"} | {
        "dob"
    }
    assert set(rules.phrases(["@rounding"])) == {"rounding", "rounded"}
    assert set(rules.phrases(["@tax"])) == {"tax", "vat", "gst", "sst"}
    assert sorted(rules.legal_forms) == sorted(LEGAL_FORMS)
    assert set(rules.currency_before) == {"RM", "MYR", "USD", "EUR", "GBP", "SGD", "$", "€", "£", "¥"}
    # the US ZIP+4 pattern comes before Malaysia's five digits, so "12345-6789" is one postcode
    assert [c.text for c in candidates_for("postcode", [line(0, "NY 12345-6789")], rules)] == ["12345-6789"]


def test_packs_compose_in_order_and_a_pack_named_twice_counts_once():
    rules = rules_for(["my", "en", "my"])
    assert rules.packs == ("base", "my", "en")
    assert rules.postcodes[0] == r"\d{5}"  # my's pattern first, as the packs were named
    alone = rules_for(["my"])
    assert alone.months == {} and "ltd" not in alone.legal_forms and "sdn bhd" in alone.legal_forms
    assert find_dates("05 MAR 2018", alone) == []  # no month names without a language pack
    assert find_dates("05/03/2018", alone)[0][2][0] == date(2018, 3, 5)  # numeric dates are not locale data


def test_without_the_malaysia_pack_its_rules_do_not_apply():
    english = rules_for(["en"])
    assert [c.text for c in candidates_for("amount", [line(0, "TOTAL RM12.50")], english)] == []
    assert [c.text for c in candidates_for("amount", [line(0, "TOTAL RM12.50")])] == ["12.50"]
    assert english.phrases(["@total"]) == tuple(t for t in TOTAL if t != "jumlah")
    assert english.address_postcodes == () and not english.region_below


def test_a_users_pack_from_a_toml_file(tmp_path):
    path = tmp_path / "de-test.toml"
    path.write_text(GERMAN, encoding="utf-8")
    assert load_pack(path).name == "de-test"
    rules = rules_for(["en", path])
    (amount,) = candidates_for("amount", [line(0, "SUMME 1.234,56 €")], rules)
    assert (amount.text, amount.parsed) == ("1.234,56", Decimal("1234.56"))
    assert find_dates("Datum: 2. März 2020", rules)[0][2] == [date(2020, 3, 2)]
    assert "summe" in rules.phrases(["@total"]) and "grand total" in rules.phrases(["@total"])
    assert kind_of("gesamt_betrag", {"type": "string"}, rules) == "amount"
    assert kind_of("rechnungsDatum", {"type": "string"}, rules) == "date"
    assert kind_of("gesamt_betrag", {"type": "string"}, rules_for()) == "text"  # the default packs do not know the word
    # the default packs do not read a '.' group without decimals; "1.234,56" has both marks, so it is unambiguous
    assert candidates_for("amount", [line(0, "SUMME 1.234 €")]) == []
    assert [c.parsed for c in candidates_for("amount", [line(0, "SUMME 1.234,56 €")])] == [Decimal("1234.56")]


def test_a_bad_pack_is_refused_with_the_reason(tmp_path):
    with pytest.raises(ValidationError, match="twelve"):
        Pack(name="x", months=(("jan",),))
    with pytest.raises(ValidationError, match="regular expression"):
        Pack(name="x", postcodes=("(",))
    with pytest.raises(ValidationError):
        Pack.model_validate({"name": "x", "currencies": ["$"]})  # a misspelt table is an error, not ignored
    with pytest.raises(ValueError, match="unknown rule pack"):
        rules_for(["klingon"])


def test_a_vocabulary_name_must_exist_in_some_pack():
    assert rules_for([]).phrases(["@not_total"]) == ()  # known (en has it), absent from the base pack alone
    with pytest.raises(ValueError, match="@totl"):
        rules_for().phrases(["@totl"])
    assert rules_for().phrases(["total", "@rounding"]) == ("total", "rounding", "rounded")


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(pack_loader, "_registered", {})
    yield
    pack_loader._rules_of.cache_clear()


def test_a_schema_selects_a_registered_pack(registry):
    register_pack(Pack(name="zed", currency=Currency(before=("ZED",)), labels={"grand": ("grand sum",)}))

    class Plain(BaseModel):
        total: float = Field(json_schema_extra={LABELS_KEY: [vocab("grand")]})

    class Zed(Plain):
        model_config = ConfigDict(json_schema_extra={PACKS_KEY: ["zed"]})

    lines = [line(0, "GRAND SUM ZED12.50"), line(1, "OTHER 3.00")]
    plain = grounded_schema(bounded_schema(Plain).schema, lines)
    assert plain.schema["properties"]["total"]["enum"] == [3.0]  # ZED12.50 is not an amount without the pack
    zed = grounded_schema(bounded_schema(Zed).schema, lines)
    assert "zed" in zed.rules.packs
    assert zed.schema["properties"]["total"]["enum"] == [12.5]  # found, and the label vocabulary kept it alone
    assert grounded_schema(bounded_schema(Plain).schema, lines, packs=["en", "zed"]).rules.packs[-1] == "zed"


def test_the_extraction_option_packs_reaches_the_grounding():
    from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor
    from tests.fixtures.fakes import FixedAnswer

    class Bill(BaseModel):
        total: Decimal

    page = OCRPage(width=200, height=40, lines=[Line(text="TOTAL RM12.50", box=BBox(x0=0, y0=0, x1=130, y1=15))])
    for packs, grounded in ((None, True), (["en"], False)):
        options = ExtractOptions(packs=packs, on_error="partial")
        extractor = OcrLlmExtractor(FixedAnswer('{"total":12.5}'), None, options)  # type: ignore[arg-type]
        result = extractor.run_on_pages([page], Bill)
        total = result.fields["total"]
        # the `my` pack (detected from "RM") reads RM12.50 as an amount; the English pack alone finds no amount
        assert (total.source is not None and total.source.kind == "ocr_lines") is grounded
        assert (total.value, total.mechanism) == (
            (Decimal("12.50"), "single_candidate") if grounded else (None, "not_found")
        )
