"""Parsers of each model family's native grounding text into `(label, raw box numbers)` pairs.

A parser only reads text; the numbers stay in the family's convention (see `box_formats`). Which formats a
family answers in is its record's `parsers` (`families.FAMILY_RECORDS`), keys of `GROUNDING_FORMATS`.
`parse_detections` joins a parser and the box conversion into `Detection`s in original-page pixels.
Parsers never raise on model output: a malformed part is skipped and the rest is kept.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from ocula.schemas.box_formats import Size, convention_for_family, get_convention, to_page_box
from ocula.schemas.families import FAMILY_RECORDS, Family, FamilyRecord
from ocula.schemas.geometry import PageTransform
from ocula.schemas.results import Detection

Parsed = list[tuple[str, list[float]]]
Parser = Callable[[str], Parsed]


# ---------------------------------------------------------------------------------------- helpers
def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            return None
    return None


def _numbers(v: Any, n: int = 4) -> list[float] | None:
    if not isinstance(v, list | tuple) or len(v) != n:
        return None
    out = [_number(x) for x in v]
    return None if any(x is None for x in out) else out  # type: ignore[return-value]


def _label(v: Any) -> str:
    return " ".join(str(v).split()) if v is not None else ""


# --------------------------------------------------------------------------------- token formats
_PALIGEMMA = re.compile(r"((?:<loc\d{4}>){4})\s*(?:<seg\d{3}>)*\s*([^;<]*)")
_LOC4 = re.compile(r"<loc(\d{4})>")


def parse_paligemma(text: str) -> Parsed:
    """`<loc0123><loc0456><loc0789><loc1000> cat ; <loc...>x4 dog` (y0 x0 y1 x1, 1024 bins)."""
    out: Parsed = []
    for m in _PALIGEMMA.finditer(text):
        out.append((_label(m.group(2)), [float(v) for v in _LOC4.findall(m.group(1))]))
    return out


_FLORENCE_NOISE = re.compile(r"</?s>|<pad>|<[A-Z_]+>")
_FLORENCE_RUN = re.compile(r"([^<]*)((?:<loc_\d+>)+)")
_LOC_N = re.compile(r"<loc_(\d+)>")


def parse_florence2(text: str) -> Parsed:
    """`car<loc_52><loc_333><loc_932><loc_774>wheel<loc_..>x4<loc_..>x4` (x0 y0 x1 y1, 1000 bins).

    One label may be followed by several boxes; region proposals have no label. The generated text may
    still carry `</s><s>` and the task token (`<OD>`); a run whose token count is not a multiple of 4
    keeps its whole boxes and drops the rest.
    """
    out: Parsed = []
    for m in _FLORENCE_RUN.finditer(_FLORENCE_NOISE.sub("", text)):
        label = _label(m.group(1))
        locs = [float(v) for v in _LOC_N.findall(m.group(2))]
        out.extend((label, locs[i : i + 4]) for i in range(0, len(locs) - 3, 4))
    return out


_KOSMOS = re.compile(r"(?:<phrase>(.*?)</phrase>)?\s*<object>(.*?)</object>", re.S)
_PATCH_PAIR = re.compile(r"^\s*<patch_index_(\d+)>\s*<patch_index_(\d+)>\s*$")


def parse_kosmos2(text: str) -> Parsed:
    """`<phrase> a cat</phrase><object><patch_index_0044><patch_index_0863></object>` (patch pairs).

    Several boxes for one phrase are separated by `</delimiter_of_multi_objects/>`.
    """
    out: Parsed = []
    for m in _KOSMOS.finditer(text):
        label = _label(m.group(1))
        for part in m.group(2).split("</delimiter_of_multi_objects/>"):
            pair = _PATCH_PAIR.match(part)
            if pair:
                out.append((label, [float(pair.group(1)), float(pair.group(2))]))
    return out


_QWEN2_TOKENS = re.compile(r"<\|object_ref_start\|>(.*?)<\|object_ref_end\|>|<\|box_start\|>(.*?)<\|box_end\|>", re.S)
_NUM = re.compile(r"-?\d+(?:\.\d+)?")


def parse_qwen2_tokens(text: str) -> Parsed:
    """`<|object_ref_start|>cat<|object_ref_end|><|box_start|>(x0,y0),(x1,y1)<|box_end|>` (0-1000).

    A box takes the label of the nearest reference before it.
    """
    out: Parsed = []
    label = ""
    for m in _QWEN2_TOKENS.finditer(text):
        if m.group(1) is not None:
            label = _label(m.group(1))
            continue
        nums = [float(v) for v in _NUM.findall(m.group(2))]
        if len(nums) == 4:
            out.append((label, nums))
    return out


_REF_BOX = re.compile(r"(?:<ref>(.*?)</ref>)?\s*<box>(.*?)</box>", re.S)


def parse_ref_box(text: str) -> Parsed:
    """InternVL / Qwen-VL: `<ref>cat</ref><box>[[x0, y0, x1, y1], ...]</box>` (0-1000)."""
    out: Parsed = []
    for m in _REF_BOX.finditer(text):
        label = _label(m.group(1))
        nums = [float(v) for v in _NUM.findall(m.group(2))]
        if nums and len(nums) % 4 == 0:
            out.extend((label, nums[i : i + 4]) for i in range(0, len(nums), 4))
    return out


_MOLMO_POINT = re.compile(r"<point\s+([^>]*)>(.*?)</point>", re.S)
_MOLMO_POINTS = re.compile(r"<points\s+([^>]*)>(.*?)</points>", re.S)
_ATTR = re.compile(r'(\w+)\s*=\s*"([^"]*)"')


def parse_molmo(text: str) -> Parsed:
    """`<point x="61.5" y="40.6" alt="cat">cat</point>` (percent): each point as a zero-size box."""
    out: Parsed = []
    for m in _MOLMO_POINT.finditer(text):
        attrs = dict(_ATTR.findall(m.group(1)))
        x, y = _number(attrs.get("x")), _number(attrs.get("y"))
        if x is not None and y is not None:
            out.append((_label(m.group(2) or attrs.get("alt")), [x, y, x, y]))
    for m in _MOLMO_POINTS.finditer(text):
        attrs = dict(_ATTR.findall(m.group(1)))
        for i in range(1, len(attrs) + 1):
            x, y = _number(attrs.get(f"x{i}")), _number(attrs.get(f"y{i}"))
            if x is None or y is None:
                break
            out.append((_label(m.group(2) or attrs.get("alt")), [x, y, x, y]))
    return out


# ---------------------------------------------------------------------------------- JSON formats
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)(?:```|$)", re.S)
_FLAT_OBJECT = re.compile(r"\{[^{}]*\}")


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:  # Python-style dicts with single quotes
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return None


def _json_candidates(text: str) -> Iterator[Any]:
    """Parsed JSON values in `text`: fenced blocks first, else the whole text; if neither parses (truncated
    output, trailing commas, prose around it), every flat `{...}` object that parses on its own."""
    blocks = [m.group(1) for m in _FENCE.finditer(text)] or [text]
    for block in blocks:
        whole = _loads(block.strip())
        if whole is not None:
            yield whole
            continue
        for m in _FLAT_OBJECT.finditer(block):
            obj = _loads(m.group(0))
            if obj is not None:
                yield obj


def _walk_objects(value: Any, list_keys: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for v in value:
            yield from _walk_objects(v, list_keys)
    elif isinstance(value, dict):
        for k in list_keys:
            if isinstance(value.get(k), list):
                yield from _walk_objects(value[k], list_keys)
                return
        yield value


def json_parser(
    box_keys: tuple[str, ...],
    label_keys: tuple[str, ...] = ("label",),
    corner_keys: tuple[str, str, str, str] | None = None,
    list_keys: tuple[str, ...] = ("objects", "detections", "boxes"),
) -> Parser:
    """A parser for JSON lists of objects holding a 4-number box under one of `box_keys` (or four scalar
    `corner_keys`) and a label under one of `label_keys`."""

    def parse(text: str) -> Parsed:
        out: Parsed = []
        for value in _json_candidates(text):
            for obj in _walk_objects(value, list_keys):
                nums = next((n for k in box_keys if (n := _numbers(obj.get(k))) is not None), None)
                if nums is None and corner_keys is not None:
                    nums = _numbers([obj.get(k) for k in corner_keys])
                if nums is None:
                    continue
                label = next((obj[k] for k in label_keys if obj.get(k) is not None), "")
                out.append((_label(label), nums))
        return out

    return parse


parse_qwen_json = json_parser(("bbox_2d",), ("label",))
parse_gemini_json = json_parser(("box_2d",), ("label",))
parse_ocula_json = json_parser(("box",), ("label",))
parse_moondream = json_parser((), ("label",), corner_keys=("x_min", "y_min", "x_max", "y_max"))


def first_of(*parsers: Parser) -> Parser:
    """The result of the first parser that finds anything."""

    def parse(text: str) -> Parsed:
        for p in parsers:
            found = p(text)
            if found:
                return found
        return []

    return parse


# ------------------------------------------------------------------------------------- tables
GROUNDING_FORMATS: dict[str, Parser] = {
    "paligemma_loc": parse_paligemma,
    "florence2_loc": parse_florence2,
    "kosmos2_patch": parse_kosmos2,
    "qwen2_tokens": parse_qwen2_tokens,
    "qwen_json": parse_qwen_json,
    "ref_box": parse_ref_box,
    "gemini_json": parse_gemini_json,
    "moondream_json": parse_moondream,
    "molmo_points": parse_molmo,
    "ocula_json": parse_ocula_json,
}


def family_parser(record: FamilyRecord) -> Parser:
    """The parser of a family's answers: its record's formats, the first that finds anything."""
    formats = record.parsers
    return GROUNDING_FORMATS[formats[0]] if len(formats) == 1 else first_of(*(GROUNDING_FORMATS[f] for f in formats))


# Each family's parser, from its record (`families.FAMILY_RECORDS`).
FAMILY_PARSERS: dict[Family, Parser] = {family: family_parser(r) for family, r in FAMILY_RECORDS.items()}


def parse_grounding(text: str, family: Family | str) -> Parsed:
    """`(label, raw numbers)` pairs in the family's convention; `ValueError` for an unknown family."""
    return FAMILY_PARSERS[Family.parse(family)](text)


def parse_detections(
    text: str,
    family: Family | str,
    *,
    input_size: Size,
    transform: PageTransform | None = None,
    page: int = 0,
    resized_size: Size | None = None,
    fmt: str | None = None,
    convention: str | None = None,
) -> list[Detection]:
    """Model text -> `Detection`s in original-page pixels.

    `fmt` (a `GROUNDING_FORMATS` key) and `convention` (a `BOX_CONVENTIONS` key) override the family's
    defaults, e.g. `fmt="ocula_json", convention="norm1000_xyxy"` for a native family decoded under Ocula's
    grammar. Boxes whose numbers cannot be converted are skipped.
    """
    parser = GROUNDING_FORMATS[fmt] if fmt is not None else None
    conv = get_convention(convention) if convention is not None else convention_for_family(family)
    pairs = parser(text) if parser is not None else parse_grounding(text, family)
    out: list[Detection] = []
    for label, values in pairs:
        try:
            box = to_page_box(
                values, conv, input_size=input_size, transform=transform, page=page, resized_size=resized_size
            )
        except ValueError:
            continue
        out.append(Detection(label=label, box=box))
    return out


__all__ = [
    "FAMILY_PARSERS",
    "GROUNDING_FORMATS",
    "Parsed",
    "Parser",
    "family_parser",
    "first_of",
    "json_parser",
    "parse_detections",
    "parse_florence2",
    "parse_gemini_json",
    "parse_grounding",
    "parse_kosmos2",
    "parse_molmo",
    "parse_moondream",
    "parse_ocula_json",
    "parse_paligemma",
    "parse_qwen2_tokens",
    "parse_qwen_json",
    "parse_ref_box",
]
