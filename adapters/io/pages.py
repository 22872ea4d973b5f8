"""Page selection: the user's 1-based "1-3,5" syntax or 0-based indices, checked against a page count."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ocula.schemas.errors import InputError

PageSpec = str | Sequence[int] | None
_PART = re.compile(r"^\s*(\d+)\s*(?:(-)\s*(\d*)\s*)?$")


def parse_page_ranges(spec: str) -> list[tuple[int, int | None]]:
    """Parse "1-3,5,8-" into 1-based inclusive ranges (`None` end: to the last page).

    Raises `ValueError` with a short reason on bad syntax, so a CLI can reject it before any work.
    """
    ranges: list[tuple[int, int | None]] = []
    for part in spec.split(","):
        match = _PART.match(part)
        if match is None:
            raise ValueError(f"bad page range {part.strip()!r} in {spec!r} (use e.g. 1-3,5 or 4-)")
        start = int(match.group(1))
        end = None if match.group(2) and not match.group(3) else int(match.group(3) or start)
        if start < 1:
            raise ValueError(f"page numbers start at 1, got {part.strip()!r}")
        if end is not None and end < start:
            raise ValueError(f"page range {part.strip()!r} runs backwards")
        ranges.append((start, end))
    return ranges


def select_pages(spec: PageSpec, count: int, source: str) -> list[int]:
    """0-based page indices chosen by `spec` in a document of `count` pages, in order, without repeats."""
    if spec is None:
        return list(range(count))
    if isinstance(spec, str):
        try:
            ranges = parse_page_ranges(spec)
        except ValueError as err:
            raise InputError(source, str(err)) from None
        chosen: list[int] = []
        for start, end in ranges:
            last = count if end is None else end
            if start > count or last > count:
                raise InputError(source, f"pages {spec!r} out of range: the document has {_pages(count)} (1-{count})")
            chosen.extend(range(start - 1, last))
    else:
        chosen = [int(i) for i in spec]
        bad = [i for i in chosen if not 0 <= i < count]
        if bad:
            raise InputError(
                source, f"page index {bad[0]} out of range: the document has {_pages(count)} (0-{count - 1})"
            )
    if not chosen:
        raise InputError(source, "no pages selected")
    return list(dict.fromkeys(chosen))


def _pages(count: int) -> str:
    return f"{count} page" + ("" if count == 1 else "s")
