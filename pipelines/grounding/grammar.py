"""Grounded decoding for the ocr+llm engine: a JSON schema whose every string and number leaf may only
take text printed on the page (the candidates of the leaf's kind), and the map back from a decoded value
to the lines it came from.

Hallucinated strings are impossible by construction: the grammar has no way to spell a value that is not
on the page, and a leaf with no candidate on the page can only be null (a required one is then reported
as an `UngroundedField`, never filled with a made-up value). The trade-off: a value the OCR misread cannot
be corrected by the model, and a value that is not printed (derived, translated, summed) cannot be
produced; such fields should be plain (`grounded=False`).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ocula.pipelines.grounding.candidates import candidates_for
from ocula.pipelines.grounding.hints import apply_hints
from ocula.pipelines.grounding.label_words import NUMBER_VOCAB, all_labels
from ocula.pipelines.grounding.labels import LabelChoice, LabelHit, find_labels, label_candidates
from ocula.pipelines.grounding.lines import Candidate, DocLine
from ocula.pipelines.grounding.names import prefer_legal_names
from ocula.pipelines.grounding.values import finders
from ocula.schemas.errors import SchemaError
from ocula.schemas.kinds import (
    AFTER_KEY,
    EXCLUDE_KEY,
    HINT_KEYS,
    LABELS_KEY,
    PICK_KEY,
    ROUNDED_KEY,
    TOP_KEY,
    Kind,
    kind_of,
)
from ocula.schemas.packs import PackSpec, Rules, default_rules, rules_for, schema_packs

MAX_ENUM = 400  # candidates per leaf kept in the grammar (reading order)
# Hints that give a field a layout rule of its own: such a field keeps it, the label mechanism is for the others.
_LAYOUT_KEYS = (TOP_KEY, EXCLUDE_KEY, AFTER_KEY, PICK_KEY, ROUNDED_KEY)
_TEXT_KINDS = ("text", "multiline", "name")


@dataclass
class Narrowing:
    """How a leaf's candidates were narrowed: the distinct values found of its kind, those left, and the rules
    that narrowed them, in order (the last one decided when one value is left)."""

    found: int = 0
    kept: int = 0  # the values left in the leaf's enum
    rules: list[str] = field(default_factory=list)

    @property
    def rule(self) -> str | None:
        return self.rules[-1] if self.rules else None


@dataclass
class GroundedSchema:
    schema: dict[str, Any]
    # (kind, value as it appears in JSON) -> candidates that spell it
    index: dict[tuple[str, str], list[Candidate]] = field(default_factory=dict)
    kinds: dict[str, Kind] = field(default_factory=dict)  # leaf name -> kind used
    ungrounded: list[str] = field(default_factory=list)  # leaf names with no candidate: null in the grammar
    rules: Rules = field(default_factory=default_rules)  # the rule packs the candidates were found under
    # leaf name -> its candidates beside a printed label (`labels.py`), for fields whose values came from one
    labels: dict[str, LabelChoice] = field(default_factory=dict)
    narrowing: dict[str, Narrowing] = field(default_factory=dict)  # leaf name -> how its candidates narrowed

    def lookup(self, kind: Kind, value: Any) -> list[Candidate]:
        return self.index.get((kind, _key(value)), [])


def _key(value: Any) -> str:
    if isinstance(value, float | int | Decimal) and not isinstance(value, bool):
        return format(Decimal(str(value)).normalize(), "f")
    return str(value)


class _Builder:
    def __init__(self, lines: Sequence[DocLine], rules: Rules) -> None:
        self.lines = lines
        self.rules = rules
        self.cache: dict[Kind, list[Candidate]] = {}
        self.out = GroundedSchema({}, rules=rules)
        self.hits: dict[str, list[LabelHit]] = {}  # field name -> its labels on the page
        self.stops: list[LabelHit] = []  # the labels of every field of the object being visited
        self.depth = 0  # objects entered: the document's fields are those of the first

    def find_labels(self, properties: dict[str, Any]) -> None:
        """The labels of an object's fields on the page (a field's own, and where other fields' values end)."""
        phrases = all_labels(properties.items(), self.rules)
        stops = find_labels(self.lines, [p for ps in phrases.values() for p in ps], self.rules.vocabulary(NUMBER_VOCAB))
        self.stops = stops
        for name, own in phrases.items():
            self.hits[name] = [h for h in stops if h.phrase in own]

    def _beside_label(self, node: dict[str, Any], name: str, kind: Kind) -> LabelChoice | None:
        """The field's candidates beside its labels on the page (`labels.py`): for a field without a layout rule
        of its own, when a label of it is printed with a value of its kind beside it."""
        hits = self.hits.get(name)
        if not hits or any(k in node for k in _LAYOUT_KEYS):
            return None
        finder = None if kind in _TEXT_KINDS else finders(self.rules).get(kind)
        if finder is None and kind not in _TEXT_KINDS:
            return None
        choice = label_candidates(kind, self.lines, hits, self.stops, finder)
        if not choice.candidates and finder is not None and node.get("type") == "string" and "format" not in node:
            # a string field whose kind its name gave: the text beside its label, though no value of the kind
            # reads in it (an OCR slip in a month name)
            choice = label_candidates(kind, self.lines, hits, self.stops, None)
        return choice if choice.candidates else None

    def cands(self, kind: Kind) -> list[Candidate]:
        if kind not in self.cache:
            self.cache[kind] = candidates_for(kind, self.lines, self.rules)
        return self.cache[kind]

    def visit(self, node: dict[str, Any], name: str, optional: bool = False) -> dict[str, Any] | None:
        """The grounded form of `node`; None for an alternative of an Optional field with no candidate."""
        if "$ref" in node or "enum" in node or "const" in node:
            return node
        for key in ("anyOf", "allOf"):
            if key in node:  # hints given on an Optional field sit beside its alternatives
                hints = {k: v for k, v in node.items() if k in HINT_KEYS}
                alternatives = [self.visit({**hints, **sub}, name, optional=True) for sub in node[key]]
                kept = [a for a in alternatives if a is not None]
                if not kept:  # nothing of the field's kind on the page: any line, still grounded
                    kept = [a for a in (self.visit({**hints, **sub}, name) for sub in node[key]) if a is not None]
                node[key] = kept
                return node
        typ = node.get("type")
        if typ == "object" or "properties" in node:
            outer = self.hits, self.stops
            if self.depth == 0:  # labels are for the document's own fields, not a nested object's or a row's
                self.find_labels(node.get("properties", {}))
            else:
                self.hits, self.stops = {}, []
            self.depth += 1
            node["properties"] = {k: self.visit(v, k) for k, v in node.get("properties", {}).items()}
            if isinstance(node.get("additionalProperties"), dict):
                node["additionalProperties"] = self.visit(node["additionalProperties"], name)
            self.depth -= 1
            self.hits, self.stops = outer
            return node
        if typ == "array":
            if "items" in node:
                node["items"] = self.visit(node["items"], name)
                if node["items"].get("type") == "null":  # nothing on the page to list
                    node["maxItems"] = 0
                    node.pop("minItems", None)
                if _is_object(node["items"]):
                    # a row of a table carries an amount: no more rows than lines with an amount on them
                    rows = len({c.line_ids[0] for c in self.cands("amount")})
                    node["maxItems"] = max(1, min(node.get("maxItems", rows), rows))
            return node
        if typ in ("string", "number", "integer"):
            return self.leaf(node, name, optional)
        return node

    def leaf(self, node: dict[str, Any], name: str, optional: bool = False) -> dict[str, Any] | None:
        kind = kind_of(name, node, self.rules)
        grounded = self._enum(node, name, kind)
        if grounded is not None:
            return grounded
        if optional:
            return None  # the field's null alternative remains
        if node.get("type") == "string" and kind != "text":
            grounded = self._enum(node, name, "text")  # a required string: any line of the page
            if grounded is not None:
                return grounded
        # no candidate on the page: the leaf can only be null, never a value the model makes up (a required
        # field then fails validation and is reported as an `UngroundedField`)
        self.out.ungrounded.append(name)
        keep = {k: v for k, v in node.items() if k in ("title", "description")}
        return {**keep, "type": "null"}

    def _enum(self, node: dict[str, Any], name: str, kind: Kind) -> dict[str, Any] | None:
        self.out.kinds[name] = kind
        values: list[Any] = []
        typ = node.get("type")
        found = self.cands(kind if typ == "string" else _numeric_kind(kind, typ))
        trace: list[tuple[str, list[Candidate]]] = []
        choice = self._beside_label(node, name, kind if typ == "string" else _numeric_kind(kind, typ))
        if choice is not None:  # the values printed beside the field's label
            choice.among = len({c.text for c in found})
            self.out.labels[name] = choice
            trace.append(("label", found))
        cands = (
            [c.candidate for c in choice.candidates]
            if choice
            else apply_hints(
                found,
                self.lines,
                top=node.get(TOP_KEY),
                labels=self.rules.phrases(node.get(LABELS_KEY)),
                exclude=self.rules.phrases(node.get(EXCLUDE_KEY)),
                pick=node.get(PICK_KEY),
                rounded=self.rules.phrases(node.get(ROUNDED_KEY)),
                trace=trace,
            )
        )
        if kind == "name":
            preferred = prefer_legal_names(cands, self.rules)
            if len(preferred) < len(cands):
                trace.append(("legal_form", cands))
            cands = preferred
        seen: set[str] = set()
        for cand in cands:
            for value in _json_values(cand, node):
                key = (kind, _key(value))
                if key[1] in seen:
                    continue
                if len(values) < MAX_ENUM:
                    seen.add(key[1])
                    values.append(value)
                    # the occurrences the hints kept come first, so grounding cites the right row
                    self.out.index.setdefault(key, []).insert(0, cand)
        if not values:
            return None
        self.out.narrowing[name] = Narrowing(
            found=len(_distinct(found, node)),
            kept=len(values),
            rules=[rule for rule, _ in trace],
        )
        keep = {k: v for k, v in node.items() if k in ("title", "description")}
        return {**keep, "enum": values}


def _distinct(cands: list[Candidate], node: dict[str, Any]) -> list[Any]:
    """The distinct JSON values candidates offer a leaf, in their order (at most `MAX_ENUM`)."""
    out: dict[str, Any] = {}
    for cand in cands:
        for value in _json_values(cand, node):
            out.setdefault(_key(value), value)
        if len(out) >= MAX_ENUM:
            break
    return list(out.values())[:MAX_ENUM]


def free_text_fields(bounded: dict[str, Any]) -> list[str]:
    """Paths of a bounded schema's parts whose text only the model could write, never a page candidate: the
    keys of a dict (`dict[str, int]`), bounded by the grammar but not by the page."""
    defs = bounded.get("$defs", {})
    found: list[str] = []

    def walk(node: Any, path: str, seen: tuple[str, ...]) -> None:
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(defs.get(name), path, (*seen, name))
            return
        if node.get("patternProperties"):
            found.append(path or "(object)")
        for key in ("anyOf", "allOf", "oneOf", "prefixItems"):
            for sub in node.get(key, []):
                walk(sub, path, seen)
        walk(node.get("items"), f"{path}[]", seen)
        for name, sub in node.get("properties", {}).items():
            walk(sub, f"{path}.{name}" if path else name, seen)

    walk(bounded, "", ())
    return found


def refuse_free_text(bounded: dict[str, Any]) -> None:
    """`SchemaError` naming the first field whose text the grounded grammar cannot take from the page."""
    paths = free_text_fields(bounded)
    if paths:
        raise SchemaError(
            paths[0],
            "a dict's keys would be written by the model, not read from the page (no value without evidence); "
            "name the fields in a model, use list[...] of a model, or extract with grounded=False",
        )


def _is_object(node: dict[str, Any]) -> bool:
    return node.get("type") == "object" or "properties" in node or "$ref" in node


def _numeric_kind(kind: Kind, typ: str | None) -> Kind:
    if typ == "integer":
        return "integer"
    return kind if kind in ("amount", "number", "percent") else "number"


def _json_values(cand: Candidate, node: dict[str, Any]) -> list[Any]:
    """The JSON values a candidate offers to a leaf of this JSON type (empty when it does not fit)."""
    typ = node.get("type")
    if typ == "string":
        if node.get("format") == "date":
            return [d.isoformat() for d in (cand.parsed or []) if isinstance(d, date)]
        if "maxLength" in node and len(cand.text) > node["maxLength"]:
            return []
        return [cand.text]
    parsed = cand.parsed
    if parsed is None:
        return []
    number: Any = int(parsed) if typ == "integer" else float(parsed)
    if typ == "integer" and Decimal(parsed) != int(parsed):
        return []
    lo, hi = node.get("minimum"), node.get("maximum")
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        return []
    return [number]


def grounded_schema(
    bounded: dict[str, Any], lines: Sequence[DocLine], packs: Sequence[PackSpec] | None = None
) -> GroundedSchema:
    """Replace each string/number leaf of a bounded JSON schema by the enum of its page candidates, found under
    the rule packs `packs` (the default packs when None) and those the schema selects (`x-ocula-packs`)."""
    builder = _Builder(lines, rules_for(packs, schema_packs(bounded)))
    schema = copy.deepcopy(bounded)
    defs = schema.pop("$defs", None)
    root = builder.visit(schema, "")
    if defs:
        builder.depth = 1  # a definition is a nested object's or a list's
        root["$defs"] = {k: builder.visit(v, k) for k, v in defs.items()}
    builder.out.schema = root
    return builder.out
