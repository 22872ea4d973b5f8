"""Reading order of OCR lines: columns left to right, rows top to bottom, segments left to right in a row.
With a layout model's regions (`sort_in_regions`), the columns are those of its text regions and a caption is
read after its figure.

Pure functions over `Line` lists. Rows are found on skew-corrected centres (the page's skew is estimated
from the line quads), so a slightly rotated receipt still pairs each label with its amount.

A vertical gap counts as a column gutter only when it stays clear over most of the text's height and
the text on each side reads like prose (lines much wider than tall): a receipt's right-aligned amounts
leave the same kind of gap, and must be read row by row with their labels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise
from statistics import median

import numpy as np

from ocula.schemas import BBox, Detection, Line, union_all

# rows -------------------------------------------------------------------------------------------


def estimate_skew(lines: Sequence[Line], min_aspect: float = 3.0) -> float:
    """The page's skew in radians (positive: text runs down to the right), from the top edges of line quads.

    Only long lines with a 4-point polygon vote (their top edge angle is reliable); 0 without any.
    """
    angles: list[float] = []
    for line in lines:
        poly = line.polygon
        if not poly or len(poly) != 4 or line.box.width < min_aspect * max(line.box.height, 1e-6):
            continue
        (x0, y0), (x1, y1) = poly[0], poly[1]
        if x1 - x0 <= 0:
            continue
        angles.append(math.atan2(y1 - y0, x1 - x0))
    if not angles:
        return 0.0
    angle = median(angles)
    return angle if abs(angle) < math.radians(20) else 0.0


def _deskewed_y(line: Line, angle: float) -> tuple[float, float, float]:
    """Top, centre and bottom of the line after rotating the page by `-angle` about the origin."""
    cx, cy = line.box.center
    y = cy * math.cos(angle) - cx * math.sin(angle)
    # The axis-aligned box of a skewed line is taller than the text by about width * sin(angle).
    half = max(line.box.height - abs(line.box.width * math.sin(angle)), 0.3 * line.box.height) / 2
    return (y - half, y, y + half)


def group_rows(lines: Sequence[Line], angle: float | None = None) -> list[list[Line]]:
    """Rows top to bottom, each sorted left to right. A line joins a row when the vertical centres overlap:
    its centre lies inside the row's span or the row's centre inside the line's span (after deskewing)."""
    if not lines:
        return []
    angle = estimate_skew(lines) if angle is None else angle
    spans = [(_deskewed_y(line, angle), line) for line in lines]
    spans.sort(key=lambda s: s[0][1])
    rows: list[list[tuple[tuple[float, float, float], Line]]] = []
    for span, line in spans:
        top, centre, bottom = span
        if rows:
            row = rows[-1]
            r_top = sum(s[0] for s, _ in row) / len(row)
            r_bottom = sum(s[2] for s, _ in row) / len(row)
            r_centre = (r_top + r_bottom) / 2
            if r_top <= centre <= r_bottom or top <= r_centre <= bottom:
                row.append((span, line))
                continue
        rows.append([(span, line)])
    return [sorted((line for _, line in row), key=lambda ln: ln.box.x0) for row in rows]


def order_rows(lines: Sequence[Line], angle: float | None = None) -> list[Line]:
    """Lines row by row, top to bottom and left to right (no column detection)."""
    return [line for row in group_rows(lines, angle) for line in row]


# columns ----------------------------------------------------------------------------------------


def find_column_gaps(
    lines: Sequence[Line],
    *,
    min_clear: float = 0.6,
    min_gap: float | None = None,
    min_column_aspect: float = 6.0,
    min_lines: int = 3,
) -> list[float]:
    """x positions of column gutters, left to right (empty for a single column).

    A gutter is a run of x left free by line boxes on at least `min_clear` of the text rows, at
    least `min_gap` wide (default: the median line height), with at least `min_lines` lines on each side
    whose median width/height is at least `min_column_aspect` (prose, not a column of numbers).
    """
    if len(lines) < 2 * min_lines:
        return []
    boxes = np.array([line.box.as_tuple() for line in lines], dtype=float)
    x_lo, y_lo = boxes[:, 0].min(), boxes[:, 1].min()
    x_hi, y_hi = boxes[:, 2].max(), boxes[:, 3].max()
    if x_hi - x_lo <= 0 or y_hi - y_lo <= 0:
        return []
    heights = boxes[:, 3] - boxes[:, 1]
    gap_needed = float(np.median(heights)) if min_gap is None else min_gap
    # A coarse raster of the text area: which rows of pixels each x column has ink-boxes in.
    scale = min(1.0, 1024.0 / max(x_hi - x_lo, y_hi - y_lo))
    w = math.ceil((x_hi - x_lo) * scale) + 1
    h = math.ceil((y_hi - y_lo) * scale) + 1
    grid = np.zeros((h, w), dtype=bool)
    for x0, y0, x1, y1 in boxes:
        c0, c1 = int((x0 - x_lo) * scale), math.ceil((x1 - x_lo) * scale)
        r0, r1 = int((y0 - y_lo) * scale), math.ceil((y1 - y_lo) * scale)
        grid[r0 : r1 + 1, c0 : c1 + 1] = True
    # Per x column, the fraction of text rows (rows holding any line) free of boxes: the spacing between
    # lines does not count as clear.
    clear = 1.0 - grid[grid.any(axis=1)].mean(axis=0)
    is_clear = clear >= min_clear
    gaps: list[float] = []
    col = 0
    while col < w:
        if not is_clear[col]:
            col += 1
            continue
        start = col
        while col < w and is_clear[col]:
            col += 1
        lo, hi = x_lo + start / scale, x_lo + col / scale
        if start > 0 and col < w and hi - lo >= gap_needed:
            gaps.append((lo + hi) / 2)
    return [g for g in gaps if _columns_either_side(lines, g, gaps, min_column_aspect, min_lines)]


def _columns_either_side(
    lines: Sequence[Line], gap: float, gaps: list[float], min_aspect: float, min_lines: int
) -> bool:
    """Both neighbouring columns of `gap` hold enough prose-like lines."""
    i = gaps.index(gap)
    left_edge = gaps[i - 1] if i > 0 else -math.inf
    right_edge = gaps[i + 1] if i + 1 < len(gaps) else math.inf
    left = [ln for ln in lines if left_edge <= ln.box.x0 and ln.box.x1 <= gap]
    right = [ln for ln in lines if gap <= ln.box.x0 and ln.box.x1 <= right_edge]

    def prose(side: list[Line]) -> bool:
        aspects = [ln.box.width / max(ln.box.height, 1e-6) for ln in side]
        return len(side) >= min_lines and median(aspects) >= min_aspect

    return prose(left) and prose(right)


def _column_of(line: Line, edges: Sequence[float], min_share: float = 0.8) -> int | None:
    """Index of the column between `edges` holding at least `min_share` of the line's width; None when the
    line crosses a gutter (a title or a footer). A line may overhang a gutter's middle a little."""
    width = max(line.box.width, 1e-6)
    for i in range(len(edges) - 1):
        overlap = min(line.box.x1, edges[i + 1]) - max(line.box.x0, edges[i])
        if overlap >= min_share * width:
            return i
    return None


def sort_lines(
    lines: Sequence[Line],
    *,
    columns: bool = True,
    min_clear: float = 0.6,
    min_column_aspect: float = 6.0,
    gutters: Sequence[float] | None = None,
) -> list[Line]:
    """Lines in reading order (`columns=False`: rows only; the other options go to `find_column_gaps`;
    `gutters`: the column gutters' x positions, found elsewhere, e.g. from layout regions).

    With columns found, lines that cross a gutter (titles, footers) cut the page into bands; within a band
    the columns are read left to right, each row by row; a crossing line is read with the lines of its own
    row (a running header and the page number) between the bands above and below it.
    """
    lines = list(lines)
    if not lines:
        return []
    angle = estimate_skew(lines)
    if gutters is not None:
        gaps = sorted(gutters)
    else:
        gaps = find_column_gaps(lines, min_clear=min_clear, min_column_aspect=min_column_aspect) if columns else []
    if not gaps:
        return order_rows(lines, angle)
    edges = [-math.inf, *gaps, math.inf]
    column = {id(ln): _column_of(ln, edges) for ln in lines}
    spanning = order_rows([ln for ln in lines if column[id(ln)] is None], angle)
    remaining = [ln for ln in lines if column[id(ln)] is not None]
    out: list[Line] = []
    for cut in [*spanning, None]:
        top = math.inf if cut is None else cut.box.y0
        band = [ln for ln in remaining if ln.box.center[1] < top]
        for i in range(len(edges) - 1):
            out.extend(order_rows([ln for ln in band if column[id(ln)] == i], angle))
        remaining = [ln for ln in remaining if ln.box.center[1] >= top]
        if cut is not None:
            row = [ln for ln in remaining if ln.box.center[1] <= cut.box.y1]
            remaining = [ln for ln in remaining if ln.box.center[1] > cut.box.y1]
            out.extend(order_rows([*row, cut], angle))
    return out


# regions ----------------------------------------------------------------------------------------

# Layout regions that stand in a column of the page body (headers and footers run across it).
BODY_REGIONS = frozenset({"text", "title", "table", "figure", "caption", "equation"})
SPANNING = 0.6  # a region at least this share of the body's width spans the columns (a title, a wide figure)


def region_gutters(lines: Sequence[Line], regions: Sequence[Detection], min_lines: int = 3) -> list[float]:
    """x positions of column gutters read from layout regions: gaps between the x extents of the body's narrow
    regions, with regions on both sides side by side (overlapping in height) and prose-like lines on both sides
    (as `find_column_gaps` asks, so a receipt's label and amount columns stay one column)."""
    body = [r.box for r in regions if r.label in BODY_REGIONS]
    if len(body) < 2:
        return []
    left, right = min(b.x0 for b in body), max(b.x1 for b in body)
    narrow = sorted((b for b in body if b.width < SPANNING * (right - left)), key=lambda b: b.x0)
    spans: list[list[float]] = []
    for box in narrow:
        if spans and box.x0 < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], box.x1)
        else:
            spans.append([box.x0, box.x1])
    gaps = [(a[1] + b[0]) / 2 for a, b in pairwise(spans)]
    out = []
    for gap in gaps:
        lhs = [b for b in narrow if b.x1 <= gap]
        rhs = [b for b in narrow if b.x0 >= gap]
        if any(min(a.y1, b.y1) > max(a.y0, b.y0) for a in lhs for b in rhs):
            out.append(gap)
    return [g for g in out if _columns_either_side(lines, g, out, 6.0, min_lines)]


def _holder(line: Line, regions: Sequence[Detection]) -> int | None:
    """Index of the smallest region holding at least half of the line's box."""
    held = [i for i, r in enumerate(regions) if line.box.intersection(r.box) >= 0.5 * max(line.box.area, 1e-6)]
    return min(held, key=lambda i: regions[i].box.area) if held else None


def _figure_of(caption: BBox, regions: Sequence[Detection]) -> int | None:
    """The figure or table a caption belongs to: the nearest one, above, below or beside it, at most twice the
    caption's height away."""
    near = []
    for i, r in enumerate(regions):
        if r.label in ("figure", "table"):
            dx = max(0.0, r.box.x0 - caption.x1, caption.x0 - r.box.x1)
            dy = max(0.0, r.box.y0 - caption.y1, caption.y0 - r.box.y1)
            if math.hypot(dx, dy) <= 2 * caption.height:
                near.append((math.hypot(dx, dy), i))
    return min(near)[1] if near else None


def sort_in_regions(lines: Sequence[Line], regions: Sequence[Detection]) -> list[Line]:
    """Lines in reading order with the page's layout regions: by `sort_lines` with the column gutters the regions
    show (`region_gutters`), as given when they show none; then each caption's lines read right after the lines
    of its figure or table (when it holds text), wherever the caption stands beside it."""
    lines = list(lines)
    gutters = region_gutters(lines, regions)
    ordered = sort_lines(lines, gutters=gutters) if gutters else lines
    for c, caption in enumerate(regions):
        if caption.label != "caption":
            continue
        figure = _figure_of(caption.box, regions)
        holder = {id(ln): _holder(ln, regions) for ln in ordered}
        own = [ln for ln in ordered if holder[id(ln)] == c]
        if figure is None or not own or not any(holder[id(ln)] == figure for ln in ordered):
            continue
        rest = [ln for ln in ordered if holder[id(ln)] != c]
        last = max(i for i, ln in enumerate(rest) if holder[id(ln)] == figure)
        ordered = [*rest[: last + 1], *own, *rest[last + 1 :]]
    return ordered


# merging ----------------------------------------------------------------------------------------


def _merge(left: Line, right: Line) -> Line:
    texts = [t for t in (left.text.strip(), right.text.strip()) if t]
    confs = [(ln.confidence, max(len(ln.text), 1)) for ln in (left, right) if ln.confidence is not None]
    confidence = sum(c * n for c, n in confs) / sum(n for _, n in confs) if confs else None
    polygon = None
    if left.polygon and right.polygon and len(left.polygon) == 4 and len(right.polygon) == 4:
        polygon = [left.polygon[0], right.polygon[1], right.polygon[2], left.polygon[3]]
    alternatives = []
    if left.alternatives or right.alternatives:
        alternatives = [
            " ".join(
                t for t in ((left.alternatives or [left.text])[0], (right.alternatives or [right.text])[0]) if t.strip()
            )
        ]
    return Line(
        text=" ".join(texts),
        box=union_all([left.box, right.box]),
        confidence=confidence,
        words=[*left.words, *right.words],
        polygon=polygon,
        alternatives=alternatives,
    )


def merge_row_fragments(lines: Sequence[Line], max_gap_ratio: float = 1.0) -> list[Line]:
    """Join segments of one row that the detector split, when the horizontal gap between neighbours is at
    most `max_gap_ratio` x their mean height and no column gutter lies between them; returns lines in
    reading order. Words are kept, the text is
    joined with one space, the confidence is the character-weighted mean.

    A small ratio (about 1) joins words of one phrase; a large one would also swallow label-amount pairs.
    """
    edges = [-math.inf, *find_column_gaps(lines), math.inf]
    out: list[Line] = []
    for row in group_rows(lines):
        current = row[0]
        for nxt in row[1:]:
            gap = nxt.box.x0 - current.box.x1
            height = (current.box.height + nxt.box.height) / 2
            same_column = _column_of(current, edges) == _column_of(nxt, edges)
            if gap <= max_gap_ratio * height and same_column:
                current = _merge(current, nxt)
            else:
                out.append(current)
                current = nxt
        out.append(current)
    return sort_lines(out)
