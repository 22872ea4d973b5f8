"""Formatted values in a line of text: dates in many printed formats, amounts to Decimal."""

from datetime import date
from decimal import Decimal

import pytest

from ocula.pipelines.grounding.values import find_dates, to_decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DATE: 11/01/2019 12:30", [date(2019, 1, 11), date(2019, 11, 1)]),
        ("2018-03-05", [date(2018, 3, 5)]),
        ("05 MAR 2018", [date(2018, 3, 5)]),
        ("Mar 5, 2018", [date(2018, 3, 5)]),
        ("31.12.19", [date(2019, 12, 31)]),
        ("12-JAN-19 10:00", [date(2019, 1, 12)]),
        ("14/03/20185:57:07PM", [date(2018, 3, 14)]),  # a time printed against a four-digit year
    ],
)
def test_dates_in_many_printed_formats(text, expected):
    found = find_dates(text)
    assert len(found) == 1
    assert found[0][2] == expected


def test_no_false_dates():
    assert find_dates("Invoice 123456 total 45.90") == []
    assert find_dates("32/13/2019") == []
    assert find_dates("1/2/2018123") == []  # digits after the year that are not a time
    assert find_dates("14/03/185:57") == []  # a two-digit year cannot be told from the time


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,234.50", Decimal("1234.50")), ("RM 12.90", Decimal("12.90")), ("8,50", Decimal("8.50")), ("x", None)],
)
def test_to_decimal(text, value):
    assert to_decimal(text) == value
