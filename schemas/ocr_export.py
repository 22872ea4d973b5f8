"""OCR results as plain text, hOCR and Markdown. Pure functions of `OCRPage`s."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from itertools import pairwise
from statistics import median

from ocula.schemas.results import Line, OCRPage, Word

PAGE_BREAK = "\f"

# C0 controls other than tab, newline, carriage return (XML 1.0 forbids them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|])")
_MD_BLOCK_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])")


def _as_list(pages: OCRPage | Sequence[OCRPage]) -> list[OCRPage]:
    return [pages] if isinstance(pages, OCRPage) else list(pages)


def to_text(pages: OCRPage | Sequence[OCRPage]) -> str:
    """One text line per OCR line, in the page's order; pages separated by a form feed."""
    return PAGE_BREAK.join(page.text for page in _as_list(pages))


# hOCR -------------------------------------------------------------------------------------------

_HOCR_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
<head>
<title>{title}</title>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>
<meta name="ocr-system" content="ocula"/>
<meta name="ocr-capabilities" content="ocr_page ocr_line ocrx_word"/>
</head>
<body>
"""


def _xml_text(text: str) -> str:
    return escape(_CONTROL.sub("", text), quote=True)


def _bbox(word_or_line: Word | Line) -> str:
    x0, y0, x1, y1 = word_or_line.box.as_int()
    return f"bbox {x0} {y0} {x1} {y1}"


def _wconf(confidence: float | None) -> str:
    return "" if confidence is None else f"; x_wconf {round(max(0.0, min(1.0, confidence)) * 100)}"


def to_hocr(pages: OCRPage | Sequence[OCRPage], *, title: str = "", image: str | None = None) -> str:
    """An hOCR 1.2 (XHTML) document: `ocr_page` > `ocr_line` > `ocrx_word`, each with `bbox`; words carry
    `x_wconf` (0-100). A line without word boxes becomes one word with the line's box; control characters
    (which XML forbids) are dropped, and words left empty are skipped."""
    out = [_HOCR_HEAD.format(title=_xml_text(title))]
    for n, page in enumerate(_as_list(pages), start=1):
        image_part = f'image "{image}"; ' if image else ""
        title_attr = _xml_text(f"{image_part}bbox 0 0 {page.width} {page.height}; ppageno {page.page}")
        out.append(f'<div class="ocr_page" id="page_{n}" title="{title_attr}">\n')
        for i, line in enumerate(page.lines, start=1):
            out.append(f'  <span class="ocr_line" id="line_{n}_{i}" title="{_bbox(line)}">')
            words = line.words or [Word(text=line.text, box=line.box, confidence=line.confidence)]
            spans = [
                f'<span class="ocrx_word" id="word_{n}_{i}_{j}" title="{_bbox(w)}{_wconf(w.confidence)}">'
                f"{_xml_text(w.text)}</span>"
                for j, w in enumerate(words, start=1)
                if _CONTROL.sub("", w.text).strip()
            ]
            out.append(" ".join(spans))
            out.append("</span>\n")
        out.append("</div>\n")
    out.append("</body>\n</html>\n")
    return "".join(out)


# Markdown ---------------------------------------------------------------------------------------


def _md_inline(text: str) -> str:
    return _MD_INLINE.sub(r"\\\1", " ".join(_CONTROL.sub("", text).split()))


def _md_block(text: str) -> str:
    """Escape what would start a heading, quote or list at the start of a Markdown line."""
    return _MD_BLOCK_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)


def _same_row(prev: Line, line: Line) -> bool:
    return line.box.y0 < prev.box.center[1] < line.box.y1 or prev.box.y0 < line.box.center[1] < prev.box.y1


def _rows(lines: Sequence[Line]) -> list[list[Line]]:
    """Consecutive lines whose vertical centres overlap (a label and its amount) share one row."""
    rows: list[list[Line]] = []
    for line in lines:
        if rows and _same_row(rows[-1][-1], line):
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


def _paragraphs(lines: Sequence[Line], gap_ratio: float) -> list[list[Line]]:
    """Consecutive lines, split where the vertical gap to the next line exceeds `gap_ratio` line heights
    (or where the next line starts above the previous one: a new column)."""
    if not lines:
        return []
    height = median(ln.box.height for ln in lines) or 1.0
    paras: list[list[Line]] = [[lines[0]]]
    for prev, line in pairwise(lines):
        gap = line.box.y0 - prev.box.y1
        if not _same_row(prev, line) and (gap > gap_ratio * height or line.box.y1 < prev.box.y0):
            paras.append([])
        paras[-1].append(line)
    return paras


def to_markdown(pages: OCRPage | Sequence[OCRPage], *, gap_ratio: float = 0.8) -> str:
    """Markdown: a `## Page N` heading per page, blocks of lines split into paragraphs at large vertical
    gaps; consecutive lines of one row share a Markdown line, other line breaks are kept (trailing
    backslash); Markdown syntax in the text is escaped."""
    out: list[str] = []
    for n, page in enumerate(_as_list(pages), start=1):
        out.append(f"## Page {n}\n")
        for para in _paragraphs(page.lines, gap_ratio):
            rows = [" ".join(t for ln in row if (t := _md_inline(ln.text))) for row in _rows(para)]
            rows = [_md_block(r) for r in rows if r]
            if rows:
                out.append("\\\n".join(rows) + "\n")
    return "\n".join(out)
