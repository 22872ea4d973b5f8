from ocula.pipelines.grounding.rows import group_rows
from ocula.pipelines.grounding.tables import header_columns, row_label, table_regions, table_words
from ocula.schemas.packs import default_rules, rules_for
from tests.fixtures.table_page import table_lines

WORDS = table_words(default_rules())


def header(pieces: list[tuple[int, str]], words=WORDS):
    return header_columns(group_rows(table_lines([pieces])), words)


def test_a_header_is_found_by_the_labels_of_the_packs_of_its_language():
    for pack, labels in (
        ("en", ["ITEM", "QTY", "AMOUNT"]),
        ("de", ["Artikel", "Menge", "Betrag"]),
        ("fr", ["Désignation", "Qté", "Montant"]),
        ("es", ["Descripción", "Cantidad", "Importe"]),
    ):
        words = table_words(rules_for([pack]))
        cols = header([(0, labels[0]), (300, labels[1]), (400, labels[2])], words)
        assert [c.role for c in cols] == ["description", "quantity", "amount"], labels
    assert header([(0, "Artikel"), (300, "Menge"), (400, "Betrag")], table_words(rules_for(["en"]))) == []


def test_a_tax_summary_or_a_row_with_values_is_no_header():
    assert header([(0, "GST SUMMARY"), (250, "AMOUNT (RM)"), (450, "TAX (RM)")]) == []
    assert header([(0, "ITEM(S) : 1"), (300, "QTY(S) : 3")]) == []


def test_column_zones_run_halfway_to_the_next_column():
    desc, qty, amount = header([(0, "ITEM"), (300, "QTY"), (400, "AMOUNT")])
    assert desc.hi == qty.lo == (40 + 300) / 2 and qty.hi == amount.lo == (330 + 400) / 2
    assert amount.hi == float("inf")


def test_field_names_head_columns_of_their_own():
    words = WORDS.with_fields({"field:state": ("description", ["state"]), "field:long_gun": ("number", ["long gun"])})
    cols = header([(0, "State / Territory"), (300, "Permit"), (400, "Long Gun")], words)
    assert [c.role for c in cols] == ["field:state", "other", "field:long_gun"]
    assert [c.base for c in cols] == ["description", "other", "number"]


def test_a_region_runs_from_its_header_to_the_first_total():
    lines = table_lines(
        [
            [(0, "SHOP SDN BHD")],
            [(0, "ITEM"), (300, "QTY"), (400, "AMOUNT")],
            [(0, "MILO"), (300, "1"), (400, "13.90")],
            [(0, "Member Discount"), (400, "-1.00")],
            [(0, "TOTAL"), (400, "12.90")],
            [(0, "GST SUMMARY"), (250, "AMOUNT"), (450, "TAX")],
            [(0, "SR 6%"), (250, "12.17"), (450, "0.73")],
        ]
    )
    rows = group_rows(lines)
    (region,) = table_regions(rows, WORDS)
    assert [r.text for r in region.rows] == ["MILO 1 13.90", "Member Discount -1.00"]
    assert region.end is not None and region.end.text == "TOTAL 12.90"
    assert [row_label(r, WORDS) for r in rows[2:5]] == [None, "skip", "total"]


def test_without_a_header_the_region_starts_at_the_top_of_the_page():
    rows = group_rows(table_lines([[(0, "CARLSBERG CAN"), (400, "106.50")], [(0, "CASH"), (400, "200.00")]]))
    (region,) = table_regions(rows, WORDS)
    assert not region.header and [r.text for r in region.rows] == ["CARLSBERG CAN 106.50"]
