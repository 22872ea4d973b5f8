"""Reading order on hand-made line boxes: columns, skewed rows, receipts, fragment merging."""

from __future__ import annotations

import math
import random

from ocula.pipelines.ocr.reading_order import (
    estimate_skew,
    find_column_gaps,
    group_rows,
    merge_row_fragments,
    sort_lines,
)
from ocula.schemas import BBox, Line, Word


def line(text: str, x0: float, y0: float, x1: float, y1: float, conf: float | None = 0.9) -> Line:
    box = BBox(x0=x0, y0=y0, x1=x1, y1=y1)
    return Line(
        text=text,
        box=box,
        confidence=conf,
        words=[Word(text=text, box=box)],
        polygon=[(x0, y0), (x1, y0), (x1, y1), (x0, y1)],
    )


def rotated_line(text: str, cx: float, cy: float, w: float, h: float, angle: float) -> Line:
    """A line whose quad is rotated by `angle` radians about its centre (positive: down to the right)."""
    c, s = math.cos(angle), math.sin(angle)
    corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    poly = [(cx + x * c - y * s, cy + x * s + y * c) for x, y in corners]
    return Line(text=text, box=BBox.from_polygon(poly), polygon=poly)


def texts(lines: list[Line]) -> list[str]:
    return [ln.text for ln in lines]


def shuffled(lines: list[Line], seed: int = 0) -> list[Line]:
    out = list(lines)
    random.Random(seed).shuffle(out)
    return out


def two_column_page() -> list[Line]:
    """A running title with the page number on its row, two columns of prose of 6 lines each (rows
    aligned; one right-column line starts a little inside the gutter), a footer across both."""
    lines = [line("Title of the page", 100, 40, 1000, 80), line("12", 1060, 44, 1100, 76)]
    for i in range(6):
        y = 120 + i * 40
        lines.append(line(f"left {i} lorem ipsum dolor sit", 100, y, 560, y + 24))
        lines.append(line(f"right {i} lorem ipsum dolor sit", 590 if i == 4 else 640, y, 1100, y + 24))
    lines.append(line("Footer across both columns", 100, 400, 1100, 430))
    return lines


def test_two_columns_read_column_by_column_between_title_and_footer() -> None:
    order = texts(sort_lines(shuffled(two_column_page())))
    assert order[:2] == ["Title of the page", "12"]
    assert order[2:8] == [f"left {i} lorem ipsum dolor sit" for i in range(6)]
    assert order[8:14] == [f"right {i} lorem ipsum dolor sit" for i in range(6)]
    assert order[14] == "Footer across both columns"


def test_column_gap_lies_in_the_gutter() -> None:
    gaps = find_column_gaps(two_column_page())
    assert len(gaps) == 1
    assert 560 <= gaps[0] <= 640


def test_without_column_detection_rows_interleave() -> None:
    order = texts(sort_lines(shuffled(two_column_page()), columns=False))
    assert order[2:4] == ["left 0 lorem ipsum dolor sit", "right 0 lorem ipsum dolor sit"]


def receipt() -> list[Line]:
    """Centred header, then label (left) and amount (right) on each row: not two columns."""
    lines = [line("SHOP NAME SDN BHD", 150, 20, 450, 50), line("NO 1 JALAN SATU", 170, 55, 430, 80)]
    labels = ["COFFEE", "TEA WITH MILK", "BREAD", "SUBTOTAL", "GST 6%", "TOTAL", "CASH", "CHANGE"]
    for i, label in enumerate(labels):
        y = 120 + i * 30
        lines.append(line(label, 20, y, 20 + 14 * len(label), y + 20))
        lines.append(line(f"{i + 1}.50", 500, y + 2, 560, y + 20))
    return lines


def test_receipt_label_is_followed_by_its_amount() -> None:
    lines = receipt()
    assert find_column_gaps(lines) == []
    order = texts(sort_lines(shuffled(lines, seed=3)))
    assert order[:2] == ["SHOP NAME SDN BHD", "NO 1 JALAN SATU"]
    assert order[2:6] == ["COFFEE", "1.50", "TEA WITH MILK", "2.50"]
    assert order[order.index("TOTAL") + 1] == "6.50"


def test_skewed_rows_stay_paired() -> None:
    """A page rotated by 3 degrees: the right end of each row sits lower than its left end, by more than
    the gap between rows would allow an unskewed grouping to tolerate."""
    angle = math.radians(3)
    lines: list[Line] = []
    for i in range(6):
        cy = 100 + i * 28
        # Long label on the left, short amount 700 px to the right: 700 * sin(3°) ≈ 37 px lower.
        lines.append(rotated_line(f"label {i} with a long description", 200, cy, 300, 18, angle))
        lines.append(rotated_line(f"{i}.00", 900, cy + 700 * math.sin(angle), 60, 18, angle))
    assert abs(estimate_skew(lines) - angle) < 1e-6
    rows = group_rows(shuffled(lines))
    assert [texts(r) for r in rows] == [[f"label {i} with a long description", f"{i}.00"] for i in range(6)]
    # Without deskewing the same boxes group wrongly.
    assert [texts(r) for r in group_rows(lines, angle=0.0)] != [texts(r) for r in rows]


def test_row_is_sorted_left_to_right_and_rows_top_to_bottom() -> None:
    lines = [line("c", 300, 10, 340, 30), line("a", 10, 12, 50, 32), line("b", 150, 8, 200, 28)]
    lines.append(line("d", 10, 60, 50, 80))
    assert texts(sort_lines(lines)) == ["a", "b", "c", "d"]


def test_merge_joins_close_fragments_but_not_far_ones() -> None:
    lines = [
        line("TOTAL", 20, 100, 90, 120, conf=1.0),
        line("AMOUNT", 100, 100, 200, 120, conf=0.5),  # 10 px gap, height 20: merged
        line("12.50", 500, 100, 560, 120),  # 300 px gap: kept apart
        line("next row", 20, 140, 120, 160),
    ]
    merged = merge_row_fragments(shuffled(lines), max_gap_ratio=1.0)
    assert texts(merged) == ["TOTAL AMOUNT", "12.50", "next row"]
    first = merged[0]
    assert first.box.as_tuple() == (20, 100, 200, 120)
    assert [w.text for w in first.words] == ["TOTAL", "AMOUNT"]
    assert first.polygon == [(20, 100), (200, 100), (200, 120), (20, 120)]
    assert first.confidence is not None and abs(first.confidence - (5 * 1.0 + 6 * 0.5) / 11) < 1e-9
    # A larger ratio also takes in the amount.
    assert texts(merge_row_fragments(lines, max_gap_ratio=20))[0] == "TOTAL AMOUNT 12.50"


def test_merge_never_crosses_a_column_gutter() -> None:
    merged = merge_row_fragments(two_column_page(), max_gap_ratio=10)
    assert "left 0 lorem ipsum dolor sit" in texts(merged)
    assert len(merged) == len(two_column_page())


def test_empty_input() -> None:
    assert sort_lines([]) == []
    assert merge_row_fragments([]) == []
    assert group_rows([]) == []
