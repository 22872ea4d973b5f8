"""Ranked decoding: each top-level field takes the page candidate the model finds most likely.

The grammar's greedy decoding commits to a value token by token, so a small model that starts a value
well but not the right one cannot go back. Ranking scores every candidate of a field as a whole, under a
prompt that names the field and its description, and keeps the best by mean log-prob per token (to the
power `length_power`, between a sum and a mean). The chosen values then fix the grounded schema's enums
and the usual constrained decode writes the object (fields left unranked, such as lists of line items,
are decoded by the grammar), so validation, retries and grounding are the same as for the JSON pass.

Two layout rules apply before the model is asked:
- a printed line holds one text field: a text value may not reuse lines an earlier text field took;
- a multiline field with an `x-ocula-after` hint (an address after the company name) is the block of
  lines that starts after that field's lines and runs until a line that holds another kind of value
  (a phone number, a date, an identifier) or an excluded label (see `blocks.py`).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from ocula.adapters.models.base import Message, ModelAdapter
from ocula.pipelines.grounding.blocks import block_after
from ocula.pipelines.grounding.grammar import GroundedSchema
from ocula.pipelines.grounding.lines import DocLine, group_readings
from ocula.schemas.kinds import AFTER_KEY, EXCLUDE_KEY

LENGTH_POWER = 0.5
TEXT_KINDS = ("text", "multiline", "name")

# the extraction prompt showing the page around these line ids (`extraction_messages(around=...)`)
PagePrompt = Callable[[Collection[int]], Sequence[Message]]


@dataclass
class RankedField:
    value: Any
    probability: float  # softmax of the candidates' scores (1.0 when a rule or a single candidate chose)
    candidates: int
    rule: str | None = None
    # what decided: "rule" (`rule` names it), "single_candidate" or "model_choice" (see schemas.results.Mechanism)
    mechanism: str = "model_choice"


@dataclass
class Ranking:
    fields: dict[str, RankedField] = field(default_factory=dict)

    def narrowed(self, grounded: GroundedSchema) -> dict[str, Any]:
        """The grounded schema with each ranked field fixed to its chosen value (and required, so the
        constrained pass cannot leave an optional one out)."""
        schema = copy.deepcopy(grounded.schema)
        props = schema.get("properties", {})
        required = list(schema.get("required", []))
        schema["required"] = required + [name for name in props if name in self.fields and name not in required]
        for name, ranked in self.fields.items():
            keep = {k: v for k, v in props[name].items() if k in ("title", "description")}
            props[name] = {**keep, "type": "null"} if ranked.value is None else {**keep, "enum": [ranked.value]}
        return schema


def _enum_values(node: dict[str, Any]) -> list[Any] | None:
    """The enum a grounded leaf allows (None for a node that is not an enum leaf)."""
    if "enum" in node:
        return list(node["enum"])
    alternatives = node.get("anyOf")
    if not alternatives:
        return None
    values: list[Any] = []
    for alt in alternatives:
        if "enum" in alt:
            values += alt["enum"]
        elif alt.get("type") != "null":
            return None
    return values or None


def _field_messages(messages: Sequence[Message], name: str, description: str) -> list[Message]:
    """The extraction prompt, asking for one field after the document, so the fixed part before it comes from
    the model's KV cache."""
    *head, last = messages
    ask = f'\nOnly the field "{name}"' + (f" ({description})." if description else ".")
    return [*head, Message(last.role, last.text + ask, last.images)]


def _lines_of(grounded: GroundedSchema, kind: str, value: Any) -> set[int]:
    found = grounded.lookup(kind, value)  # type: ignore[arg-type]
    return set(found[0].line_ids) if found else set()


def rank_fields(
    model: ModelAdapter,
    page: PagePrompt,
    schema: dict[str, Any],
    grounded: GroundedSchema,
    lines: Sequence[DocLine],
    *,
    length_power: float = LENGTH_POWER,
) -> Ranking:
    """Choose each top-level enum field's value (see the module docstring); fields are visited in schema
    order, so layout rules can refer to fields chosen before them. The model is asked about a field under
    `page(ids)`: the prompt showing the lines around its candidates' lines, so its work follows the
    candidates rather than the page's length."""
    ranking = Ranking()
    used: set[int] = set()
    props = grounded.schema.get("properties", {})
    described = schema.get("properties", {})
    for name, node in props.items():
        values = _enum_values(node)
        if not values:
            continue
        kind = grounded.kinds.get(name, "text")
        description = described.get(name, {}).get("description", "")

        def ask(choices: list[Any], about: str = description, kind: str = kind, name: str = name) -> RankedField:
            around = {i for v in choices for i in _lines_of(grounded, kind, v)}
            return _by_model(model, page(around), name, about, choices, length_power)

        hints = _hints(described.get(name, {}))
        narrowed = grounded.narrowing.get(name)
        rule = narrowed.rule if narrowed and narrowed.found > 1 else None
        if kind in TEXT_KINDS and used:
            free = [v for v in values if not (_lines_of(grounded, kind, v) & used)]
            if free and len(free) < len(values):
                rule = "distinct_lines"
            values = free or values
        chosen = None
        after = hints.get(AFTER_KEY)
        if kind == "multiline" and after in ranking.fields:
            prev = ranking.fields[after]
            block = block_after(
                lines,
                _lines_of(grounded, grounded.kinds.get(after, "text"), prev.value),
                grounded.rules.phrases(hints.get(EXCLUDE_KEY)),
                grounded.rules,
            )
            texts = [
                t for t in dict.fromkeys(" ".join(ln.text for ln in r) for r in group_readings(block)) if t in values
            ]
            if len(texts) == 1:
                chosen = RankedField(texts[0], 1.0, len(values), rule="block", mechanism="rule")
            elif texts:  # the engines read the block differently: the model chooses between the readings
                chosen = ask(texts)
                chosen = RankedField(chosen.value, chosen.probability, len(values), rule="block")
        labelled = grounded.labels.get(name)
        if chosen is None and labelled is not None:  # the values beside the field's label (`labels.py`)
            beside = f'the value printed beside the label "{labelled.label}"'
            chosen = ask(values, f"{description}; {beside}" if description else beside)
            if labelled.among > 1:  # the label chose among several values of the field's kind
                chosen.rule = "label"
                chosen.mechanism = "label" if chosen.mechanism == "single_candidate" else chosen.mechanism
        if chosen is None:
            chosen = ask(values)
            if chosen.mechanism == "single_candidate" and rule:
                chosen.mechanism, chosen.rule = "rule", rule
        ranking.fields[name] = chosen
        if kind in TEXT_KINDS:
            used |= _lines_of(grounded, kind, chosen.value)
    return ranking


def _hints(node: dict[str, Any]) -> dict[str, Any]:
    hints = {k: v for k, v in node.items() if k.startswith("x-ocula-")}
    for alt in node.get("anyOf", []):
        hints.update({k: v for k, v in alt.items() if k.startswith("x-ocula-")})
    return hints


def _by_model(
    model: ModelAdapter,
    messages: Sequence[Message],
    name: str,
    description: str,
    values: list[Any],
    length_power: float,
) -> RankedField:
    if len(values) == 1:
        return RankedField(values[0], 1.0, 1, rule="only", mechanism="single_candidate")
    prompt = model.render(_field_messages(messages, name, description), assistant_prefix='{"' + name + '":')
    rows = model.token_logprobs(prompt, [json.dumps(v, ensure_ascii=False) for v in values])
    scores = [sum(r) / max(len(r), 1) ** length_power for r in rows]
    best = max(range(len(values)), key=scores.__getitem__)
    top = scores[best]
    total = sum(math.exp(s - top) for s in scores)
    return RankedField(values[best], 1.0 / total, len(values))


__all__ = ["PagePrompt", "RankedField", "Ranking", "rank_fields"]
