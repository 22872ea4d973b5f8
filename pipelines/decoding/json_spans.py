"""Character spans of every leaf value in a JSON text, keyed by path ("items/0/price"), so each field's
value can be tied to the tokens (and log-probs) that produced it."""

from __future__ import annotations

import json
import re

_WS = re.compile(r"[ \t\n\r]*")
_decoder = json.JSONDecoder()


def leaf_spans(text: str) -> dict[str, tuple[int, int]]:
    """Map each leaf path to (start, end) of its value in `text`; raises ValueError on invalid JSON."""
    spans: dict[str, tuple[int, int]] = {}
    end = _value(text, _skip(text, 0), "", spans)
    if _skip(text, end) != len(text):
        raise ValueError(f"extra data after JSON at {end}")
    return spans


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]


def _value(text: str, pos: int, path: str, spans: dict[str, tuple[int, int]]) -> int:
    if pos >= len(text):
        raise ValueError("unexpected end of JSON")
    ch = text[pos]
    if ch == "{":
        pos = _skip(text, pos + 1)
        if text.startswith("}", pos):
            return pos + 1
        while True:
            key, pos = json.decoder.scanstring(text, pos + 1)
            pos = _skip(text, pos)
            if not text.startswith(":", pos):
                raise ValueError(f"expected ':' at {pos}")
            pos = _value(text, _skip(text, pos + 1), f"{path}/{key}" if path else key, spans)
            pos = _skip(text, pos)
            if text.startswith(",", pos):
                pos = _skip(text, pos + 1)
                continue
            if text.startswith("}", pos):
                return pos + 1
            raise ValueError(f"expected ',' or '}}' at {pos}")
    if ch == "[":
        pos = _skip(text, pos + 1)
        if text.startswith("]", pos):
            return pos + 1
        index = 0
        while True:
            pos = _skip(text, _value(text, pos, f"{path}/{index}" if path else str(index), spans))
            index += 1
            if text.startswith(",", pos):
                pos = _skip(text, pos + 1)
                continue
            if text.startswith("]", pos):
                return pos + 1
            raise ValueError(f"expected ',' or ']' at {pos}")
    _, end = _decoder.raw_decode(text, pos)
    spans[path] = (pos, end)
    return end
