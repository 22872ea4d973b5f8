"""Field kinds: from an explicit kind, the JSON type or format, or the whole words of the field's name."""

import pytest

from ocula.schemas.kinds import KIND_KEY, kind_of, name_words
from ocula.schemas.packs import Pack, compose, rules_for

STRING = {"type": "string"}
DEFAULT = rules_for()

# Realistic field names from invoices, receipts, forms, identity documents and business cards, in snake_case
# and camelCase, with the kind each must get as a string field.
CORPUS = [
    # invoices
    ("invoice_number", "text"),
    ("invoiceDate", "date"),
    ("due_date", "date"),
    ("dueDate", "date"),
    ("total_amount", "amount"),
    ("amountDue", "amount"),
    ("balance_due", "amount"),
    ("subtotal", "amount"),
    ("subTotal", "amount"),
    ("tax_amount", "amount"),
    ("vat", "amount"),
    ("tax_rate", "percent"),
    ("vatRate", "percent"),
    ("discount_percent", "percent"),
    ("unit_price", "amount"),
    ("vat_number", "tax_id"),
    ("VATNumber", "tax_id"),
    ("tax_id", "tax_id"),
    ("supplierTaxId", "tax_id"),
    ("currency", "text"),
    ("corporate_name", "text"),  # "rate" inside a word is not a rate
    ("amount_in_words", "text"),
    # receipts
    ("store_name", "text"),
    ("purchase_date", "date"),
    ("grandTotal", "amount"),
    ("cashier", "text"),
    # forms
    ("fax_number", "phone"),
    ("faxNo", "phone"),
    ("from", "text"),
    ("subject", "text"),
    ("update_reason", "text"),  # "date" inside a word is not a date
    ("candidate_id", "text"),
    ("validated_by", "text"),
    ("issued_by", "text"),
    ("created_date", "date"),
    ("number_of_pages", "text"),
    # identity documents
    ("dob", "date"),
    ("date_of_birth", "date"),
    ("dateOfBirth", "date"),
    ("place_of_birth", "text"),
    ("issue_date", "date"),
    ("dateOfIssue", "date"),
    ("expiry_date", "date"),
    ("expiryDate", "date"),
    ("valid_until", "date"),
    ("document_number", "text"),
    ("nationality", "text"),
    ("home_address", "multiline"),
    ("postal_address", "multiline"),
    ("postal_code", "postcode"),
    ("zipCode", "postcode"),
    # business cards and contacts
    ("hotel_name", "text"),  # "tel" inside a word is not a phone
    ("full_name", "text"),
    ("job_title", "text"),
    ("company", "text"),
    ("phone", "phone"),
    ("mobile_number", "phone"),
    ("telNo", "phone"),
    ("telephone", "phone"),
    ("email", "email"),
    ("e_mail", "email"),
    ("eMail", "email"),
    ("emailAddress", "email"),
    ("website", "url"),
    ("webSite", "url"),
    ("homepage_url", "url"),
    ("telegram_handle", "text"),
    ("billing_address", "multiline"),
    ("addressLine1", "multiline"),
]


def test_the_corpus_is_large_and_mixes_cases():
    assert len(CORPUS) >= 40
    assert sum("_" in n for n, _ in CORPUS) >= 15 and sum(n != n.lower() for n, _ in CORPUS) >= 15


@pytest.mark.parametrize(("name", "kind"), CORPUS)
def test_a_string_field_takes_the_kind_of_the_whole_words_of_its_name(name, kind):
    assert kind_of(name, STRING, DEFAULT) == kind


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("fax_number", ["fax", "number"]),
        ("VATNumber", ["vat", "number"]),
        ("addressLine1", ["address", "line", "1"]),
        ("e-mail address", ["e", "mail", "address"]),
        ("HTTPServerURL", ["http", "server", "url"]),
    ],
)
def test_names_split_into_words(name, words):
    assert name_words(name) == words


def test_type_format_and_explicit_kind_come_before_the_name():
    assert kind_of("phone", {"type": "string", KIND_KEY: "text"}, DEFAULT) == "text"
    assert kind_of("anything", {"type": "string", "format": "date"}, DEFAULT) == "date"
    assert kind_of("reply_to", {"type": "string", "format": "email"}, DEFAULT) == "email"
    assert kind_of("total", {"type": "integer"}, DEFAULT) == "integer"
    assert kind_of("total", {"type": "number"}, DEFAULT) == "amount"
    assert kind_of("tax_rate", {"type": "number"}, DEFAULT) == "number"  # a rate is a number, not an amount
    assert kind_of("quantity", {"type": "number"}, DEFAULT) == "number"


def test_the_word_vocabulary_extends_per_pack():
    rules = compose([Pack(name="ms-test", kinds={"tarikh": "date", "no telefon": "phone"})])
    assert kind_of("tarikh_lahir", STRING, rules) == "date"
    assert kind_of("noTelefon", STRING, rules) == "phone"
    assert kind_of("tarikh_lahir", STRING, DEFAULT) == "text"
    assert kind_of("gst_no", STRING, DEFAULT) == "tax_id"  # the default Malaysia pack's words
    assert kind_of("gst_no", STRING, rules_for(["en"])) == "text"
