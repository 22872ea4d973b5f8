"""Layout hints that narrow a field's candidates."""

import pytest

from ocula.pipelines.grounding.candidates import candidates_for
from ocula.pipelines.grounding.hints import apply_hints
from tests.fixtures.lines import line


@pytest.mark.parametrize(
    ("how", "expected"), [("max", "44.73"), ("min", "2.53"), ("first", "42.20"), ("last", "44.73")]
)
def test_pick_keeps_one_candidate(how, expected):
    lines = [line(0, "Total Sales (Excluding GST) 42.20"), line(1, "Total GST 2.53"), line(2, "Total 44.73")]
    cands = candidates_for("amount", lines)
    if how == "last":
        cands = cands[:1] + cands[2:]
    assert [c.text for c in apply_hints(cands, lines, pick=how)] == [expected]
