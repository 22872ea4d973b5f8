"""Split `OculaLoader` pages keep their evidence: each chunk's metadata holds only the lines it contains.

A LangChain text splitter copies a page's metadata into every chunk, so each chunk would carry all the line
boxes of its page. `keep_chunk_lines` trims them: a page's `lines` carry their `start`/`end` offsets in the page
text, a chunk is found in that text (from `start_index` when the splitter added it, else by searching after
the previous chunk of the same page), and only the lines overlapping it stay. The chunk also gets `start_index`
and `box`, the union of its lines' boxes, so a retrieval hit can be drawn on its page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.documents import Document as LCDocument

LINES_KEY = "lines"


def page_text(lines: Sequence[dict[str, Any]]) -> str:
    """The page text the lines make (the OCR page's text: lines joined by newlines)."""
    return "\n".join(str(line["text"]) for line in lines)


def with_spans(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines with `start` and `end`, their character offsets in `page_text(lines)`."""
    out, offset = [], 0
    for line in lines:
        end = offset + len(str(line["text"]))
        out.append({**line, "start": offset, "end": end})
        offset = end + 1
    return out


def _union(boxes: list[list[float]]) -> list[float] | None:
    if not boxes:
        return None
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


def keep_chunk_lines(chunks: Sequence[LCDocument]) -> list[LCDocument]:
    """`chunks` (split from `OculaLoader` pages, in order) with each one's metadata trimmed to its own lines.

    Chunks without line metadata (other loaders, `mode="extract"`) are returned as they are."""
    previous: dict[tuple[Any, Any], int] = {}  # (source, page) -> start of the page's previous chunk
    out = []
    for chunk in chunks:
        lines = chunk.metadata.get(LINES_KEY)
        if not isinstance(lines, list) or not lines or "start" not in lines[0]:
            out.append(chunk)
            continue
        key = (chunk.metadata.get("source"), chunk.metadata.get("page"))
        start = chunk.metadata.get("start_index")
        if not isinstance(start, int) or start < 0:
            text = page_text(lines)
            start = text.find(chunk.page_content, previous.get(key, -1) + 1)
            if start < 0:
                start = text.find(chunk.page_content)
        if start < 0:  # the splitter changed the text: keep lines whose text is in the chunk
            kept = [line for line in lines if str(line["text"]) in chunk.page_content]
        else:
            previous[key] = start
            end = start + len(chunk.page_content)
            kept = [line for line in lines if line["start"] < end and line["end"] > start]
        metadata = {**chunk.metadata, LINES_KEY: kept}
        if start >= 0:
            metadata["start_index"] = start
        metadata["box"] = _union([line["box"] for line in kept if line.get("box") is not None])
        out.append(LCDocument(page_content=chunk.page_content, metadata=metadata, id=chunk.id))
    return out
