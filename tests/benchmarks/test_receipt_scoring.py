from benchmarks.receipt_scoring import field_correct, norm_date, norm_text, norm_total, reachable


def test_normalisation_rules():
    assert norm_text("  soon huat,  machinery. ") == "SOON HUAT,  MACHINERY".replace("  ", " ")
    assert norm_total("RM 1,327.5") == "1327.50"
    assert norm_total("8,50") == "8.50"
    assert norm_date("11/01/2019") == "11012019"


def test_field_correct():
    assert field_correct("total", "327", "327.00")
    assert not field_correct("total", "32.70", "327.00")
    assert field_correct("date", "11-01-2019", "11/01/2019")
    assert field_correct("company", "ACME SDN BHD.", "acme sdn bhd")
    assert not field_correct("company", None, "ACME")
    assert not field_correct("company", "", "")


def test_reachable_spans_consecutive_lines():
    lines = ["NO.53 JALAN PUTRA 1,", "TAMAN SRI PUTRA,", "TOTAL: 327.00"]
    assert reachable("address", "NO.53 JALAN PUTRA 1, TAMAN SRI PUTRA", lines)
    assert not reachable("address", "JALAN PUTRA 2", lines)
    assert reachable("total", "327.00", lines)
    assert not reachable("date", "11/01/2019", lines)
