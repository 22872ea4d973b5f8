"""The block of lines a multiline value takes after another field's lines: the address layout."""

import pytest

from ocula.pipelines.grounding.blocks import block_after
from ocula.pipelines.grounding.lines import DocLine
from ocula.schemas import BBox

TEXTS = [
    "ACME TRADING SDN BHD",
    "(123456-X)",
    "NO 5, JALAN MAWAR 2,",
    "TAMAN BUNGA,",
    "81200 JOHOR BAHRU",
    "TEL: 07-1234567",
    "TOTAL 12.50",
]


def doc(texts: list[str] = TEXTS) -> list[DocLine]:
    return [DocLine(i, 0, t, BBox(x0=0, y0=20 * i, x1=10 * len(t), y1=20 * i + 15)) for i, t in enumerate(texts)]


def test_block_after_starts_below_an_identifier_line_and_stops_at_a_phone():
    lines = doc()
    block = block_after(lines, {0}, exclude=["tel"])
    assert [ln.id for ln in block] == [2, 3, 4]


def test_block_after_needs_lines_to_follow():
    assert block_after(doc(), set(), exclude=[]) == []


@pytest.mark.parametrize(
    ("texts", "address"),
    [
        # a branch name above the numbered street line is not part of the address
        (["IKEA Cheras", "No 2A Jalan Cochrane", "Taman Maluri", "55100 KUALA LUMPUR"], [1, 2, 3]),
        # the block ends with the postcode and town; a store name or branch code below is left out
        (["No 8, Jalan 7/118B", "56000 Kuala Lumpur, Malaysia", "AEON SHAH ALAM"], [0, 1]),
        (["LOT P.T. 2811, JALAN ANGSA,", "41150 KLANG, SELANGOR", "1132-PJ SS6"], [0, 1]),
        # ... but goes on to a state line, a second postcode line, or the town below a line ending in the postcode
        (["NO.53 JALAN PUTRA 1,", "81200 JOHOR BAHRU", "JOHOR"], [0, 1, 2]),
        (["95, Beach Road, 10300 Penang.", "10400 Penang."], [0, 1]),
        (["5-7, JALAN MAHAGONI 7/1", "SEKSYEN 4, BANDAR UTAMA, 44300", "BATANG KALI, SELANGOR"], [0, 1, 2]),
        # a line of digits and no letters is a phone number, not the address
        (["Lot S25, AEON Tebrau City", "81100 Johor Bahru, Johor", "+607-357.1177"], [0, 1]),
    ],
)
def test_block_after_follows_address_layout(texts, address):
    lines = doc(["ACME SDN BHD", *texts, "THANK YOU"])
    block = block_after(lines, {0}, exclude=["tel"])
    assert [ln.id - 1 for ln in block] == address
