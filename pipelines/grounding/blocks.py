"""The block of lines a multiline value takes when it follows another field's lines (an address below the
company name, `x-ocula-after`), with the address layout of the active rule packs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ocula.pipelines.grounding.candidates import candidates_for
from ocula.pipelines.grounding.hints import has_label
from ocula.pipelines.grounding.lines import DocLine
from ocula.pipelines.grounding.values import street_number
from ocula.schemas.packs import Rules, default_rules

MAX_BLOCK_LINES = 5
_PHONE_DIGITS = 7  # a line of at least this many digits and no letters is a phone or an identifier
# A line that is only an identifier or a bracketed number ("(867388-U)", "BR No.:(124525-H)").
_ID_LINE = re.compile(r"[(\[]?[A-Z]{0,4}[\d\- ]{4,}[A-Z]?[)\]]?|.*[(\[][^()]*\d[^()]*[)\]]\s*")
# A line that is one word: a state or country below the town.
_REGION = re.compile(r"\s*[^\W\d_]{3,}\.?\s*")


@dataclass(frozen=True)
class _Layout:
    postcode_line: re.Pattern[str] | None  # a postal code, and the town after it on the line if there is one
    numbered: re.Pattern[str]  # a street or lot number starting a line ("4-20,", "No 2A")
    region_below: bool


@lru_cache(maxsize=32)
def _layout(rules: Rules) -> _Layout:
    postcodes = "|".join(rules.address_postcodes)
    postcode_line = (
        re.compile(rf"(?<![\w-])(?:{postcodes})(?![\w-])(?P<town>\W*[^\W\d_]{{2,}})?") if postcodes else None
    )
    numbered = street_number(rules)
    return _Layout(postcode_line, re.compile(rf"(?:{numbered})?\d" if numbered else r"\d", re.I), rules.region_below)


def _closes(block: Sequence[DocLine], layout: _Layout) -> bool:
    """Whether the block already holds the postal code and the town: a line with a postcode and a word
    after it ("40300 Shah Alam"), or a line that ends with the postcode and a line below it (the town)."""
    if layout.postcode_line is None:
        return False
    for i, line in enumerate(block):
        found = layout.postcode_line.search(line.text)
        if found and (found.group("town") or i < len(block) - 1):
            return True
    return False


def _goes_on(line: DocLine, layout: _Layout) -> bool:
    """Whether a closed address block still takes `line`: a second postcode line, or a region line."""
    if layout.postcode_line is not None and layout.postcode_line.search(line.text):
        return True
    return layout.region_below and _REGION.fullmatch(line.text) is not None


def _branch_name(block: Sequence[DocLine], layout: _Layout) -> bool:
    """A first line with no digit before a line that starts with a street or lot number: the branch's or
    mall's name ("IKEA Cheras" above "No 2A ..."), not part of the address."""
    return (
        len(block) > 1
        and not any(ch.isdigit() for ch in block[0].text)
        and layout.numbered.match(block[1].text) is not None
    )


def block_after(
    lines: Sequence[DocLine], after: set[int], exclude: Sequence[str], rules: Rules | None = None
) -> list[DocLine]:
    """The lines of a multiline value that follows the lines `after`: it starts at the first line below
    them that is not an identifier, phone number or date line, and stops before the next such line (or
    a line naming an excluded label), at most `MAX_BLOCK_LINES` lines, on one page.

    Address layout, where a pack says addresses end at their postcode line: a block that holds the postcode
    and the town ends there (a branch code or a store name printed below is not part of it) unless the next
    line has a postcode too or (where the pack says so) is one word, the state or country. A first line
    without digits above a numbered street line is a branch name, left out."""
    if not after:
        return []
    rules = rules or default_rules()
    layout = _layout(rules)
    others = {
        i for kind in ("phone", "date", "email", "url") for c in candidates_for(kind, lines, rules) for i in c.line_ids
    }

    def boundary(line: DocLine) -> bool:
        text = line.text.strip()
        if line.id in others or has_label(text.lower(), exclude) or _ID_LINE.fullmatch(text) is not None:
            return True
        return not any(ch.isalpha() for ch in text) and sum(ch.isdigit() for ch in text) >= _PHONE_DIGITS

    by_id = {ln.id: ln for ln in lines}
    last = by_id[max(after)]
    block: list[DocLine] = []
    for line in lines:
        if line.id <= last.id or line.page != last.page or line.id in after:
            continue
        if boundary(line):
            if block:
                break
            if line.id - last.id > 3:  # the block does not start near the lines it follows
                break
            continue
        if block and _closes(block, layout) and not _goes_on(line, layout):
            break
        block.append(line)
        if len(block) == MAX_BLOCK_LINES:
            break
    return block[1:] if _branch_name(block, layout) else block
