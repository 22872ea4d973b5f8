"""Item rows bounded by the tables a layout model found: on a page where the layout model saw a table, the rows
of a list of objects are looked for inside it (with the header row just above it), not in the text around it.

A page where the layout model saw no table, or none that holds a row of values, keeps all its rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import median

from ocula.pipelines.grounding.rows import Row
from ocula.schemas import BBox, OCRPage

TABLE = "table"


def page_tables(pages: Sequence[OCRPage]) -> dict[int, list[BBox]]:
    """The table regions of each page that has any (`OCRPage.regions`, found with the OCR)."""
    out: dict[int, list[BBox]] = {}
    for page in pages:
        boxes = [r.box.with_page(page.page) for r in page.regions if r.label == TABLE]
        if boxes:
            out[page.page] = boxes
    return out


def _within(row: Row, table: BBox, reach: float) -> bool:
    """Whether the row's centre lies in the table, stretched `reach` pixels up."""
    x, y = row.box.center
    return table.x0 <= x <= table.x1 and table.y0 - reach <= y <= table.y1


def bound_rows(rows: Sequence[Row], tables: Mapping[int, Sequence[BBox]]) -> list[Row]:
    """The rows inside the page's tables (stretched up by one row's height, for a header the model left out), page
    by page; all rows of a page with no table, or whose tables hold no row with a value."""
    out: list[Row] = []
    for page in dict.fromkeys(r.page for r in rows):
        on_page = [r for r in rows if r.page == page]
        boxes = tables.get(page, ())
        reach = median(r.box.height for r in on_page)
        kept = [r for r in on_page if any(_within(r, t, reach) for t in boxes)]
        out += kept if any(r.values for r in kept) else on_page
    return out


__all__ = ["bound_rows", "page_tables"]
