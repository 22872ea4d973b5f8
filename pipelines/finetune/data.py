"""Labelled documents for fine-tuning: the JSON lines `ocula extract` writes, with `value` corrected by the user.

Each record needs `source` (the document's path, as `ocula extract` wrote it; a relative path is tried from the
current folder, then from the examples file's folder) and `value` (the corrected object; a list of objects, one
per page, for a `--per-page` run). Other keys (`fields`, `status`, `error`...) are ignored, so a record whose
extraction failed becomes usable once its value is filled in. When a source appears on several lines the last
one wins, as in `ocula extract`'s own file. A record that cannot be used (bad JSON, no value, a value the schema
rejects, a missing or unreadable file) is skipped with its reason; `LabelledSet.skipped` lists them.

Each page is read by the extraction pipeline's own OCR step, and the OCR result is cached on disk by the file's
content hash, OCR engine and resolution, so a second training run on the same documents reads no page again.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ocula.adapters.io.loading import load_document
from ocula.adapters.ocr.base import OCREngine
from ocula.pipelines.batch.records import content_hash, one_line
from ocula.pipelines.extract.ocr_llm import OcrLlmExtractor
from ocula.pipelines.finetune.calls import CallRecorder
from ocula.schemas import InputError, OCRPage


@dataclass
class LabelledDocument:
    """One training example: the OCR'd pages of a document (or of one page) and its gold value (JSON mode)."""

    source: str
    pages: list[OCRPage]
    value: dict[str, Any]


@dataclass
class Skipped:
    line: int
    source: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line} ({self.source})" if self.line else self.source
        return f"{where}: {self.reason}"


@dataclass
class LabelledSet:
    documents: list[LabelledDocument] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def gold_value(schema: type[BaseModel], value: Any) -> dict[str, Any]:
    """The value validated by the schema, in the JSON form an extraction record holds; ValueError when invalid."""
    if not isinstance(value, dict):
        raise ValueError(f"value is {type(value).__name__}, not an object")
    try:
        return schema.model_validate(value).model_dump(mode="json")
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "value"
        count = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
        raise ValueError(f"value not valid for {schema.__name__}: {where}: {first['msg']}{count}") from None


def parse_records(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[Skipped]]:
    """(line number, record) of every usable JSON line, the last per source; and the lines skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(str(path), f"cannot read the examples file: {err}") from err
    latest: dict[str, tuple[int, dict[str, Any]]] = {}
    skipped: list[Skipped] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            skipped.append(Skipped(number, "?", f"not JSON ({err.msg})"))
            continue
        if not isinstance(record, dict) or not isinstance(record.get("source"), str):
            skipped.append(Skipped(number, "?", 'not a record with a "source" path'))
            continue
        if record["source"] in latest:
            earlier = latest.pop(record["source"])[0]
            skipped.append(Skipped(earlier, record["source"], f"replaced by line {number} (same source)"))
        latest[record["source"]] = (number, record)
    return list(latest.values()), skipped


def resolve_source(source: str, examples: Path) -> Path | None:
    for candidate in (Path(source), examples.parent / source):
        if candidate.is_file():
            return candidate
    return None


class OCRCache:
    """OCR results on disk, keyed by file content, engine and resolution."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _file(self, digest: str, engine: str, dpi: int) -> Path | None:
        return self.folder / f"{digest}-{engine}-{dpi}.json" if self.folder else None

    def get(self, digest: str, engine: str, dpi: int) -> list[OCRPage] | None:
        file = self._file(digest, engine, dpi)
        if file is None or not file.is_file():
            return None
        try:
            return [OCRPage.model_validate(p) for p in json.loads(file.read_text())["pages"]]
        except (OSError, ValueError, KeyError):
            return None  # a damaged entry is read again

    def put(self, digest: str, engine: str, dpi: int, pages: Sequence[OCRPage]) -> None:
        file = self._file(digest, engine, dpi)
        if file is None:
            return
        file.parent.mkdir(parents=True, exist_ok=True)
        staging = file.with_suffix(".tmp")
        staging.write_text(json.dumps({"pages": [p.model_dump(mode="json") for p in pages]}))
        staging.replace(file)


def read_pages(path: Path, ocr: OCREngine, dpi: int, cache: OCRCache) -> list[OCRPage]:
    """The pages of a document as the extraction pipeline reads them, from the cache when it has them."""
    digest = content_hash(path)
    if digest is None:
        raise InputError(str(path), "cannot read the file")
    engine = getattr(ocr, "name", type(ocr).__name__)
    pages = cache.get(digest, engine, dpi)
    if pages is None:
        reader = OcrLlmExtractor(CallRecorder(), ocr)
        pages = reader.read_pages(load_document(path, dpi=dpi))[0]
        cache.put(digest, engine, dpi, pages)
    return pages


def read_labelled(
    examples: Path,
    schema: type[BaseModel],
    ocr: OCREngine,
    *,
    dpi: int = 150,
    cache_dir: Path | None = None,
    progress: bool = False,
) -> LabelledSet:
    """Every usable labelled document of a JSONL file, OCR'd; the records that could not be used, with why."""
    records, skipped = parse_records(examples)
    out = LabelledSet(skipped=skipped)
    cache = OCRCache(cache_dir)
    for n, (number, record) in enumerate(records, 1):
        source = record["source"]
        value = record.get("value")
        if value is None:
            out.skipped.append(Skipped(number, source, "no value (fill in the corrected value)"))
            continue
        path = resolve_source(source, examples)
        if path is None:
            out.skipped.append(Skipped(number, source, "file not found"))
            continue
        values = value if isinstance(value, list) else [value]
        try:
            golds = [gold_value(schema, v) for v in values]
            pages = read_pages(path, ocr, dpi, cache)
        except (ValueError, InputError) as err:
            out.skipped.append(Skipped(number, source, one_line(str(err), 300)))
            continue
        if isinstance(value, list):
            if len(values) != len(pages):
                reason = f"{len(values)} per-page values for {len(pages)} page(s)"
                out.skipped.append(Skipped(number, source, reason))
                continue
            out.documents += [LabelledDocument(source, [p], g) for p, g in zip(pages, golds, strict=True)]
        else:
            out.documents.append(LabelledDocument(source, pages, golds[0]))
        if progress:
            print(f"read {n}/{len(records)}: {source}, {len(pages)} page(s)", file=sys.stderr)
    out.skipped.sort(key=lambda s: s.line)
    return out
