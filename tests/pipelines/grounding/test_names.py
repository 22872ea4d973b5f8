"""Names: which text can be one, and the preference for the full legal name."""

import pytest

from ocula.pipelines.grounding.candidates import candidates_for
from ocula.pipelines.grounding.names import is_name, prefer_legal_names
from tests.fixtures.lines import line


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("GARDENIA BAKERIES (KL) SDN BHD", True),
        ("99 SPEED MART S/B", True),
        ("(867388-U)", False),
        ("A03018", False),
        ("TEL: 07-1234567", False),
        ("05 Mar 2018 18:24", False),
        ("99 SPEED MART S/B (519537-X)", False),
        ("KING'S CONFECTIONERY S/B 273500-U", False),
        ("TOTAL 12.50", False),
        ("LOT P.T. 2811, JALAN ANGSA", False),
        ("No 2-1 Jalan 3/137B Batu 5", False),
        ("SUN-THU:1000 HRS - 2230 HRS", False),
    ],
)
def test_names_have_letters_and_no_identifiers(text, ok):
    assert is_name(text) is ok


def test_names_ending_in_a_legal_form_are_preferred():
    lines = [line(0, "MYDIN MART"), line(1, "PASARAYA BORONG PINTAR"), line(2, "SDN BHD")]
    names = [c.text for c in prefer_legal_names(candidates_for("name", lines))]
    assert "PASARAYA BORONG PINTAR SDN BHD" in names
    assert "SDN BHD" not in names and "MYDIN MART" not in names
    plain = candidates_for("name", [line(0, "THAI DELICIOUS RESTAURANT")])
    assert prefer_legal_names(plain) == plain  # no legal form anywhere: nothing is dropped


@pytest.mark.parametrize(
    ("texts", "full"),
    [
        (["POPULAR BOOK", "CO. (M) SDN BHD (113825-W)"], "POPULAR BOOK CO. (M) SDN BHD"),  # not the legal form alone
        (["SWC", "ENTERPRISE", "SDN", "BHD"], "SWC ENTERPRISE SDN BHD"),  # not cut before its last legal form
    ],
)
def test_the_full_legal_name_is_preferred_to_its_parts(texts, full):
    names = [c.text for c in prefer_legal_names(candidates_for("name", [line(i, t) for i, t in enumerate(texts)]))]
    assert names == [full]
