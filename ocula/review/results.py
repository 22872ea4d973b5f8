"""The results file under review: `ocula extract`'s JSON lines, read once and never written.

Each document gets a stable id (its position among the file's sources) and the file it names, resolved as
`ocula finetune` resolves it (from the current folder, then from the results file's folder). Only these files
are ever served. When a source appears on several lines the last one wins, as in `ocula extract`'s own file.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocula.errors import InputError

MAX_RESULTS_BYTES = 512 << 20
MAX_DOCUMENTS = 100_000


@dataclass
class ReviewDocument:
    """One document of the results: its id, the record as written, and the file it names (None: not found)."""

    id: int
    record: dict[str, Any]
    path: Path | None
    line: int

    @property
    def source(self) -> str:
        return str(self.record["source"])

    @property
    def per_page(self) -> bool:
        return isinstance(self.record.get("value"), list)

    @property
    def status(self) -> str:
        """ok; partial (the extraction failed but holds a value); failed (no value at all)."""
        if self.record.get("status") == "ok":
            return "ok"
        return "failed" if self.record.get("value") is None else "partial"

    @property
    def confidence(self) -> float | None:
        """The lowest field confidence of the record; None when no field has one."""
        found = [
            f["confidence"]
            for f in (self.record.get("fields") or {}).values()
            if isinstance(f, dict) and isinstance(f.get("confidence"), int | float)
        ]
        return float(min(found)) if found else None


@dataclass
class ResultsFile:
    path: Path
    documents: list[ReviewDocument] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def by_source(self) -> dict[str, ReviewDocument]:
        return {d.source: d for d in self.documents}


def matches(document: ReviewDocument, patterns: Sequence[str] | None) -> bool:
    """Whether the document's source, as the record names it, matches any of the globs (no globs: every one)."""
    return not patterns or any(fnmatch.fnmatchcase(document.source, p) for p in patterns)


def resolve(source: str, results: Path) -> Path | None:
    """The file a record names: as written from the current folder, then from the results file's folder."""
    for candidate in (Path(source), results.parent / source):
        if candidate.is_file():
            return candidate.resolve()
    return None


def read_results(path: Path) -> ResultsFile:
    """Every document of a results file (the last record per source); lines that are not records are skipped."""
    try:
        size = path.stat().st_size
        if size > MAX_RESULTS_BYTES:
            raise InputError(str(path), f"results file of {size} bytes; at most {MAX_RESULTS_BYTES} are reviewed")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(str(path), f"cannot read the results file: {err}") from err
    latest: dict[str, tuple[int, dict[str, Any]]] = {}
    out = ResultsFile(path)
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            out.skipped.append(f"line {number}: not JSON ({err.msg})")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("source"), str):
            out.skipped.append(f'line {number}: not a record with a "source" path')
            continue
        latest.pop(record["source"], None)
        latest[record["source"]] = (number, record)
        if len(latest) > MAX_DOCUMENTS:
            raise InputError(str(path), f"more than {MAX_DOCUMENTS} documents; split the results file")
    for i, (number, record) in enumerate(latest.values()):
        out.documents.append(ReviewDocument(i, record, resolve(record["source"], path), number))
    if not out.documents:
        raise InputError(str(path), "no record to review")
    return out
