"""Corrected records: the results with the reviewer's corrections applied, as `ocula finetune --examples` reads them.

Each exported line is the document's record with `value` and `fields` corrected, `status` and `error` as the
schema judges the corrected value, `source` the document's absolute path (so the file can be read from any
folder), `schema` the schema it was reviewed with (so `ocula finetune` needs no `--schema`), and a `review`
summary. By default only documents a reviewer touched are written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocula.errors import InputError
from ocula.pipelines.batch.records import one_line
from ocula.review.results import matches
from ocula.review.session import ReviewSession
from ocula.review.state import DocumentState


@dataclass
class ExportSummary:
    written: int
    invalid: int
    left: int


def corrected_record(state: DocumentState, schema: str | None = None) -> dict[str, Any]:
    """The document's record corrected; `schema`: the name of the schema it was reviewed with."""
    document = state.document
    record = dict(document.record)
    fields = {
        path: {
            "value": f.value,
            "page": f.page,
            "box": f.box,
            "confidence": f.confidence,
            "source": f.source,
            "review": f.state,
        }
        for path, f in state.fields.items()
    }
    reviewers = sorted({str(e.get("reviewer")) for e in state.applied})
    invalid = [f"{e['path']}: {e['message']}" for e in state.errors]
    record.update(
        source=str(document.path) if document.path is not None else document.source,
        value=state.value,
        fields=fields,
        status="error" if invalid else "ok",
        error=one_line("; ".join(invalid)) if invalid else None,
        review={
            "source": document.source,
            "done": state.done,
            "corrections": sum(e["action"] != "done" for e in state.applied),
            "checked": sum(f.state != "unchecked" for f in state.fields.values()),
            "fields": len(state.fields),
            "reviewers": reviewers,
        },
    )
    if schema is not None:
        record["schema"] = schema
    return record


def export(
    session: ReviewSession,
    out: Path,
    *,
    everything: bool = False,
    done_only: bool = False,
    only: Sequence[str] | None = None,
) -> ExportSummary:
    """Write the corrected records to `out` (replaced whole, never the results or corrections file); `only`:
    globs the documents' sources must match (a training split, say)."""
    if out.resolve() in (session.path.resolve(), session.store.path.resolve()):
        raise InputError(str(out), "the export cannot overwrite the results or the corrections file")
    written = invalid = left = 0
    lines: list[str] = []
    for document in session.results.documents:
        state = session.state(document.id)
        if not matches(document, only) or (done_only and not state.done) or not (everything or state.changed):
            left += 1
            continue
        record = corrected_record(state, session.schema_name(document))
        invalid += record["status"] != "ok"
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
        written += 1
    staging = out.with_name(out.name + ".tmp")
    try:
        with staging.open("w", encoding="utf-8") as f:
            f.writelines(lines)
            f.flush()
            os.fsync(f.fileno())
        staging.replace(out)
    except OSError as err:
        raise InputError(str(out), f"cannot write the export: {err}") from err
    return ExportSummary(written, invalid, left)
