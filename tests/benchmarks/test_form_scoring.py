import pytest

from benchmarks.form_scoring import (
    build_schema,
    exact_match,
    form_fields,
    label_of,
    norm_exact,
    question_key,
    token_f1,
    tokens,
)


def test_normalisation_ignores_white_space_case_and_edge_punctuation():
    assert norm_exact("12 /10 /98") == "12/10/98"
    assert norm_exact(" b. a. t. cyprus. ") == "B.A.T.CYPRUS"
    assert norm_exact("(Jack Reilly)") == "JACKREILLY"
    assert norm_exact(None) == ""
    assert exact_match("12/10/98", "12 /10 /98")
    assert not exact_match("12/10/99", "12 /10 /98")
    assert not exact_match(None, "12 /10 /98")
    assert not exact_match("", "")


def test_tokens_and_f1():
    assert tokens("9/ 3/ 92") == tokens("9/3/92") == ["9", "3", "92"]
    assert token_f1("Dr. Wolf Reininghaus", "Dr. Wolf Reininghaus") == 1.0
    # 2 of 3 predicted tokens right, 2 of 2 truth tokens found: P 2/3, R 1 -> F1 0.8
    assert token_f1("Mr. Joe Leinster", "Joe Leinster") == pytest.approx(0.8)
    assert token_f1("Files", "Joe Leinster") == 0.0
    assert token_f1(None, "Joe Leinster") == 0.0
    # a repeated token counts once per occurrence in the truth
    assert token_f1("A A", "A") == pytest.approx(2 * 0.5 * 1 / 1.5)


def test_labels_and_their_variants():
    assert question_key("Fax #:") == "fax #"
    assert label_of("FAX NO.") == "fax"
    assert label_of("Fax #:") == "fax"
    assert label_of("Telephone#") == "phone"
    assert label_of("TEL NO.") == "phone"
    assert label_of("BRAND (S)") == "brand"
    assert label_of("cc:") == "cc"
    assert label_of("FROM:") == "from_"
    assert label_of("Re:") is None  # a subject's abbreviation, not among the listed labels
    assert label_of("Date received") is None
    assert label_of("copies to") is None


def _entity(i, label, text, links=()):
    return {
        "id": i,
        "label": label,
        "text": text,
        "box": [0, 0, 1, 1],
        "words": [],
        "linking": [list(p) for p in links],
    }


def test_fields_from_a_tiny_annotation():
    annotation = {
        "form": [
            _entity(0, "question", "TO:", [(0, 1)]),
            _entity(1, "answer", "Joe Leinster", [(0, 1)]),
            _entity(2, "question", "Date", []),  # the link is listed on the answer only
            _entity(3, "answer", "12 /10 /98", [(2, 3)]),
            _entity(4, "question", "Fax No:", [(4, 5), (4, 6)]),  # two answers: ambiguous, left out
            _entity(5, "answer", "555 1234", []),
            _entity(6, "answer", "555 9999", []),
            _entity(7, "question", "Brand", [(7, 8)]),  # asked twice on the form: left out
            _entity(8, "answer", "KOOL", []),
            _entity(9, "question", "BRAND:", [(9, 10)]),
            _entity(10, "answer", "SALEM", []),
            _entity(11, "question", "Subject", [(11, 12)]),  # empty answer: left out
            _entity(12, "answer", "  ", []),
            _entity(13, "question", "Remarks", [(13, 14)]),  # not a common label
            _entity(14, "answer", "none", []),
            _entity(15, "header", "From", [(15, 16)]),  # a header, not a question
            _entity(16, "answer", "Kevin", []),
        ]
    }
    fields = form_fields(annotation)
    assert [(f.field, f.truth, f.question) for f in fields] == [
        ("to", "Joe Leinster", "TO:"),
        ("date", "12 /10 /98", "Date"),
    ]

    schema = build_schema(fields, name="Form")
    props = schema.model_json_schema()["properties"]
    assert list(props) == ["to", "date"]
    assert props["to"]["description"] == "Who the document is addressed to (the 'To' field)"
    assert {"type": "null"} in props["date"]["anyOf"] and {"type": "string"} in props["date"]["anyOf"]
    assert schema().model_dump() == {"to": None, "date": None}
    assert schema(to="Joe").to == "Joe"
