"""`benchmarks/eval_deskew.py`: the upright reading's lines, turned with the page, are the reference a turned
reading is matched against; the summary has one row per angle and reading."""

from __future__ import annotations

from benchmarks.eval_deskew import line_scores, summarize, table
from ocula.schemas import BBox, Line, OCRPage, PageTransform


def _page(boxes: list[tuple[float, float, float, float]], texts: list[str], size=(400, 300)) -> OCRPage:
    lines = [Line(text=t, box=BBox.from_corners(*b)) for t, b in zip(texts, boxes, strict=True)]
    return OCRPage(width=size[0], height=size[1], lines=lines)


def test_a_reading_of_the_turned_page_where_the_lines_went_scores_full() -> None:
    upright = _page([(20, 20, 300, 50), (20, 100, 250, 130)], ["TOTAL 12.50", "CASH 20.00"])
    turn = PageTransform.rotate((400, 300), 3.0)
    moved = [
        BBox.from_polygon(turn.map_point(x, y) for x, y in [(b.x0, b.y0), (b.x1, b.y0), (b.x0, b.y1), (b.x1, b.y1)])
        for b in (ln.box for ln in upright.lines)
    ]
    read = _page([b.as_tuple() for b in moved], ["total 12.50", "CASH 2O.00"], turn.dst_size)
    assert line_scores(upright, read, turn) == {"lines": 2, "matched": 2, "same_text": 1, "ned_sum": 0.1}
    nothing = _page([], [], turn.dst_size)
    assert line_scores(upright, nothing, turn)["matched"] == 0


def test_summary_rows() -> None:
    scores = {"lines": 10, "matched": 9, "same_text": 8, "ned_sum": 0.5}
    at = {
        "estimate": 3.1,
        "error": 0.1,
        "error_vs_own": 0.0,
        "ocr_cpu_s": 2.0,
        "deskew_cpu_s": 0.02,
        "plain": scores,
        "deskew": scores,
    }
    row = {
        "page": "a.jpg",
        "upright_ocr_cpu_s": 2.0,
        "own_skew": 0.1,
        "straight_deskew_cpu_s": 0.01,
        "straight_deskew": {"lines": 10, "matched": 10, "same_text": 10, "ned_sum": 0.0},
        "fields_upright": None,
        "fields_straight_deskew": None,
        "+3": at,
        "-6": at | {"error": -0.3},
    }
    summary = summarize([row])
    assert [(e["angle"], e["reading"]) for e in summary["table"]][2:] == [
        ("+3", "plain"),
        ("+3", "deskew"),
        ("-6", "plain"),
        ("-6", "deskew"),
    ]
    minus6 = summary["table"][-1]
    assert minus6["line_recall"] == 0.9 and minus6["error_max"] == 0.3 and minus6["deskew_cpu_share"] == 0.01
    assert "| -6 | deskew | 0.9 |" in table(summary)
