"""Lists of objects (line items, table rows) decoded as a choice of the page's table rows.

Each top-level `list[Model]` field of a grounded extraction is filled from the page's rows (see
`pipelines/grounding/item_choice.py`): the list's length comes from the page, each row is used once, in page
order, and each item's fields come from its row's cells, so every value has the box of the cells that spell it.
The constrained JSON pass writes the other fields only; the lists are put into its answer before validation.

The answer is then checked: Pydantic (the schema's own validators too), and the lists' consistency (quantity x
unit price is the line total; the line totals add up to a total of the page, give or take its tax, rounding and
discount rows). A list that fails is decided again with the error fed back to the model, and the lists closest
to the model's choice are tried in turn; a list still inconsistent after that is kept and flagged (its field
result is marked invalid, and the extraction's errors say why), never passed off as right.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ocula.adapters.models.base import Generation, GenerationRequest, Message, ModelAdapter
from ocula.pipelines.extract.validate import validate_answer
from ocula.pipelines.grounding.item_checks import PageTotals, check_items, product_errors, sum_errors
from ocula.pipelines.grounding.item_choice import (
    RowCandidate,
    candidates,
    chosen_values,
    decide,
    selections,
    settle_by_sum,
)
from ocula.pipelines.grounding.item_fields import ItemShape, item_shape
from ocula.pipelines.grounding.lines import DocLine
from ocula.pipelines.grounding.tables import table_words
from ocula.schemas import BBox, FieldResult, FieldSource, union_all
from ocula.schemas.packs import Rules


def list_fields(schema: dict[str, Any]) -> list[str]:
    """Top-level properties of a bounded JSON schema that are arrays of objects."""
    defs = schema.get("$defs", {})
    out = []
    for name, node in schema.get("properties", {}).items():
        for alt in [node, *node.get("anyOf", [])]:
            items = alt.get("items") if alt.get("type") == "array" else None
            if isinstance(items, dict) and ("$ref" in items or items.get("type") == "object"):
                target = defs.get(items["$ref"].rsplit("/", 1)[-1], {}) if "$ref" in items else items
                if "properties" in target:
                    out.append(name)
                    break
    return out


def _cells_error(error: str) -> bool:
    """An error about one item's own cells ("items/2: quantity ... x unit price ..."), not about the list."""
    return "/" in error.split(":", 1)[0]


def _array(node: dict[str, Any]) -> dict[str, Any]:
    return next(alt for alt in [node, *node.get("anyOf", [])] if alt.get("type") == "array")


def dumps(value: Any) -> str:
    """Compact JSON with decimals written as they are ("13.90", not 13.9)."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return format(value, "f")
    return json.dumps(value, ensure_ascii=False)


class EmptyObject(ModelAdapter):
    """Stands in for the model in the JSON pass of a page with no text: there is nothing to write. (A schema that
    is all lists leaves the JSON pass one answer, `{}`, which `ForcedWriter` writes.)"""

    name = "empty-object"
    backend = "none"

    def generate(self, request: GenerationRequest) -> Generation:
        return Generation(text="{}", finish_reason="stop")


@dataclass
class RowList:
    """One list field: its shape, candidate rows, chosen rows and the page's totals; `flag` is the consistency
    error left after the retry."""

    shape: ItemShape
    cands: list[RowCandidate]
    totals: PageTotals
    picks: list[bool] = field(default_factory=list)
    flag: str | None = None

    def __post_init__(self) -> None:
        self.picks = self.picks or [c.chosen for c in self.cands]

    @property
    def chosen(self) -> list[RowCandidate]:
        kept = [c for c, keep in zip(self.cands, self.picks, strict=True) if keep]
        return kept[: self.shape.max_items] if self.shape.max_items is not None else kept

    def items(self, picks: Sequence[bool] | None = None) -> list[dict[str, Any]]:
        values = chosen_values(self.cands, picks if picks is not None else self.picks)
        return values[: self.shape.max_items] if self.shape.max_items is not None else values

    def overflow(self) -> str | None:
        found = sum(self.picks)
        if self.shape.max_items is not None and found > self.shape.max_items:
            return f"{self.shape.name}: {found} rows on the page, the schema keeps the first {self.shape.max_items}"
        return None


class RowLists:
    """The list fields of one extraction (see the module docstring)."""

    def __init__(self, model: ModelAdapter | None, messages: Sequence[Message], lists: list[RowList]) -> None:
        self.model = model
        self.messages = list(messages)
        self.lists = lists
        self.retried = False

    @classmethod
    def plan(
        cls,
        model: ModelAdapter | None,
        messages: Sequence[Message],
        schema: dict[str, Any],
        lines: Sequence[DocLine],
        rules: Rules,
        tables: Mapping[int, Sequence[BBox]] | None = None,
    ) -> RowLists | None:
        """The row lists of a bounded JSON schema's list fields, decided; None when it has no list of objects.
        `tables`: the table regions the layout model found, by page (they bound the candidate rows)."""
        names = list_fields(schema)
        if not names:
            return None
        out = []
        for name in names:
            shape = item_shape(
                name, _array(schema["properties"][name]), schema.get("$defs", {}), rules, table_words(rules)
            )
            cands, totals = candidates(lines, shape, rules, tables)
            settle_by_sum(cands, shape, totals)
            decide(model, messages, shape, cands)
            out.append(RowList(shape, cands, totals))
        return cls(model, messages, out)

    def without(self, spec: dict[str, Any]) -> dict[str, Any]:
        """A JSON schema without the list fields (the JSON pass does not write them)."""
        out = copy.deepcopy(spec)
        names = {rl.shape.name for rl in self.lists}
        out["properties"] = {k: v for k, v in out.get("properties", {}).items() if k not in names}
        if "required" in out:
            out["required"] = [k for k in out["required"] if k not in names]
        return out

    def splice(self, text: str, override: dict[str, list[dict[str, Any]]] | None = None) -> str:
        """The JSON pass's answer with the lists put in (in the schema's order of fields)."""
        data = json.loads(text, parse_float=Decimal)
        for rl in self.lists:
            data[rl.shape.name] = (override or {}).get(rl.shape.name, rl.items())
        return dumps(data)

    def validate(
        self, schema: type[BaseModel], text: str, context: dict[str, Any] | None = None
    ) -> tuple[Any, list[str], str]:
        """(instance or None, errors, the answer validated): see the module docstring."""
        raw = self.splice(text)
        value, errors = validate_answer(schema, raw, context)
        checks = self._checks()
        if value is not None and not checks:
            return value, [], raw
        # the rows chosen can make the line totals add up; no other choice of rows mends a row's own cells
        mine = [e for e in checks if not _cells_error(e)] + [e for e in errors if self._about_lists(e)]
        if mine and not self.retried:
            self.retried = True
            found = self._retry(schema, text, context, mine)
            if found is not None:
                return found
            raw = self.splice(text)
            value, errors = validate_answer(schema, raw, context)
            checks = self._checks()
        if value is not None:  # valid, but not consistent: kept and flagged
            for rl in self.lists:
                errs = check_items(rl.items(), rl.shape, rl.totals)
                rl.flag = "; ".join(errs) if errs else None
            return value, [], raw
        return None, errors, raw

    def _about_lists(self, error: str) -> bool:
        path = error.split(":", 1)[0]
        return path == "(object)" or any(path.split("/")[0] == rl.shape.name for rl in self.lists)

    def _checks(self) -> list[str]:
        return [e for rl in self.lists for e in check_items(rl.items(), rl.shape, rl.totals)]

    def _retry(
        self, schema: type[BaseModel], text: str, context: dict[str, Any] | None, errors: list[str]
    ) -> tuple[Any, list[str], str] | None:
        """Decide again with the errors in the prompt, then try the lists closest to the model's choice: a list
        is taken when it is not empty, adds up to a total of the page (when the page prints one), has no more
        items off their product than before, and the whole answer validates."""
        for rl in self.lists:
            decide(self.model, self.messages, rl.shape, rl.cands, errors)
            first, rl.picks = rl.picks, [c.chosen for c in rl.cands]
            before = len(product_errors(rl.items(first), rl.shape))
            for picks in selections(rl.cands):
                items = rl.items(picks)
                if not items or len(product_errors(items, rl.shape)) > before:
                    continue
                if sum_errors(items, rl.shape, rl.totals):
                    continue
                value, _ = validate_answer(schema, self.splice(text, {rl.shape.name: items}), context)
                if value is not None:
                    rl.picks = list(picks)
                    break
            else:
                rl.picks = first
        raw = self.splice(text)
        value, _ = validate_answer(schema, raw, context)
        if value is not None and not self._checks():
            return value, [], raw
        return None

    def flags(self) -> list[str]:
        """What is wrong with the lists that were kept: inconsistent, or cut to the schema's bound."""
        return [f for rl in self.lists for f in (rl.flag, rl.overflow()) if f]

    def field_results(self) -> dict[str, FieldResult]:
        """A result per item (its rows' box) and per field of an item (its cells' box), by path
        (`items/0`, `items/0/amount`); the list's own result when it is flagged."""
        out: dict[str, FieldResult] = {}
        for rl in self.lists:
            name = rl.shape.name
            for i, cand in enumerate(rl.chosen):
                item = cand.item
                confidence = 1.0 if cand.rule else cand.probability
                decided: dict[str, Any] = (
                    {"mechanism": "rule", "rule": cand.rule}
                    if cand.rule
                    else {"mechanism": "model_choice", "probability": cand.probability}
                )
                values = {k: v.value for k, v in cand.values.items()}
                out[f"{name}/{i}"] = FieldResult(
                    path=f"{name}/{i}",
                    value=json.loads(dumps(values)),
                    page=item.anchor.page,
                    box=item.box,
                    source=FieldSource(kind="ocr_lines", line_ids=list(item.line_ids), text=item.text),
                    confidence=confidence,
                    **decided,
                )
                for key, filled in cand.values.items():
                    cells = filled.cells
                    value = json.loads(dumps(filled.value))
                    parsed = str(filled.value) if isinstance(filled.value, Decimal) else None
                    out[f"{name}/{i}/{key}"] = FieldResult(
                        path=f"{name}/{i}/{key}",
                        value=value,
                        raw=dumps(filled.value),
                        parsed=parsed,
                        page=cells[0].box.page,
                        box=union_all([c.box for c in cells]),
                        source=FieldSource(
                            kind="ocr_lines",
                            line_ids=list(dict.fromkeys(c.line_id for c in cells)),
                            text=" ".join(c.text for c in cells),
                        ),
                        confidence=confidence,
                        **decided,
                    )
            problem = "; ".join(f for f in (rl.flag, rl.overflow()) if f)
            if problem:
                out[name] = FieldResult(
                    path=name, value=json.loads(dumps(rl.items())), valid=False, error=problem, confidence=None
                )
        return out


__all__ = ["EmptyObject", "RowList", "RowLists", "dumps", "list_fields"]
