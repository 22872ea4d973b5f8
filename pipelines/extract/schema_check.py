"""A schema checked once, before any document is read.

`check_schema` raises the `SchemaError` a document would meet later, naming the field: a shape the grammar
cannot bound (`Any`, an open `dict`, a list without an item type, a recursive model, a pattern the grammar
cannot hold; see `ocula.schemas.constraints`) and, on the grounded `ocr+llm` engine, text only the model could
write (a dict's keys; see `ocula.pipelines.grounding.grammar.refuse_free_text`). The CLI calls it before the
first document is opened (exit code 2), `ocula.extract` before it reads the source.
"""

from __future__ import annotations

from pydantic import BaseModel

from ocula.pipelines.extract.ocr_llm import schema_constraint
from ocula.pipelines.grounding.grammar import refuse_free_text
from ocula.schemas.constraints import SchemaConstraint


def check_schema(schema: type[BaseModel], *, grounded_text: bool = True) -> SchemaConstraint:
    """The schema's bounded form (cached per class), or `SchemaError`. `grounded_text`: the values will be
    chosen among the page's text (the `ocr+llm` engine with `grounded=True`)."""
    bounded = schema_constraint(schema)
    if grounded_text:
        refuse_free_text(bounded.schema)
    return bounded


__all__ = ["check_schema"]
