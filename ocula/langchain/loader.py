"""`OculaLoader`: documents and photos as LangChain `Document`s, page by page, produced lazily.

- `mode="ocr"`: one `Document` per page; content is the page text in reading order; metadata has `source`,
  `page` (0-based), `page_width`, `page_height`, `engine` and `lines` (text, box `[x0, y0, x1, y1]` in page
  pixels, confidence, `start`/`end` offsets in the page text). `load_and_split(splitter)` gives chunks whose
  `lines` are only those in the chunk, with the chunk's `box` (see `chunks.keep_chunk_lines`, which does the
  same for `splitter.split_documents(loader.load())`).
- `mode="extract"`: the schema's fields as JSON content; metadata has `source`, `page` (or `pages` with
  `per_page=False`), `schema`, `fields` (per leaf: value, page, box, confidence), `confidence` (mean of the
  fields'), `valid` and `errors`. With `per_page=True` (the default) each page is extracted on its own.

Import direction: OCR and extraction go through the public facade `ocula.api`, imported lazily.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from statistics import fmean
from typing import Any, Literal

from langchain_core.document_loaders import BaseLoader
from langchain_core.documents import Document as LCDocument
from pydantic import BaseModel

from ocula.adapters.io.document import Document
from ocula.adapters.io.loading import load_document
from ocula.adapters.models.base import ModelAdapter
from ocula.langchain.chunks import keep_chunk_lines, with_spans
from ocula.schemas import BBox, Extraction, OCRPage

PathLike = str | os.PathLike[str]


def _box(box: BBox | None) -> list[float] | None:
    return None if box is None else [box.x0, box.y0, box.x1, box.y1]


def _page_of(document: Document, index: int) -> Document:
    return Document(document.source, [index], document.loader, document.kind, document.dpi, document.metadata)


def ocr_metadata(source: str, page: OCRPage) -> dict[str, Any]:
    return {
        "source": source,
        "page": page.page,
        "page_width": page.width,
        "page_height": page.height,
        "engine": page.engine,
        "lines": with_spans(
            [{"text": line.text, "box": _box(line.box), "confidence": line.confidence} for line in page.lines]
        ),
    }


def extraction_metadata(source: str, result: Extraction[Any]) -> dict[str, Any]:
    fields = {
        path: {"value": f.value, "page": f.page, "box": _box(f.box), "confidence": f.confidence}
        for path, f in result.fields.items()
    }
    confidences = [f.confidence for f in result.fields.values() if f.confidence is not None]
    return {
        "source": source,
        "schema": result.schema_name,
        "page_sizes": [list(size) for size in result.page_sizes],
        "fields": fields,
        "confidence": fmean(confidences) if confidences else None,
        "valid": result.ok,
        "errors": list(result.errors),
    }


def extraction_content(result: Extraction[Any]) -> str:
    value = result.value
    return value.model_dump_json() if isinstance(value, BaseModel) else json.dumps(value)


class OculaLoader(BaseLoader):
    """Load `sources` (paths of images or PDFs) as LangChain documents; see the module docstring."""

    def __init__(
        self,
        sources: PathLike | Sequence[PathLike],
        *,
        mode: Literal["ocr", "extract"] = "ocr",
        schema: type[BaseModel] | str | None = None,
        model: str | ModelAdapter | None = None,
        engine: str | None = None,
        ocr: str = "rapidocr",
        per_page: bool = True,
        dpi: int = 150,
        pages: str | list[int] | None = None,
        **extract_options: Any,
    ) -> None:
        if mode not in ("ocr", "extract"):
            raise ValueError(f"mode must be 'ocr' or 'extract', not {mode!r}")
        if mode == "extract" and schema is None:
            raise ValueError("mode='extract' needs a schema")
        self.sources = [sources] if isinstance(sources, str | os.PathLike) else list(sources)
        self.mode = mode
        self.schema = schema
        self.model = model
        self.engine = engine
        self.ocr_engine = ocr
        self.per_page = per_page
        self.dpi = dpi
        self.pages = pages
        self.extract_options = extract_options

    def lazy_load(self) -> Iterator[LCDocument]:
        """One document per page (or per source for `mode="extract", per_page=False`), rendered as asked for."""
        limits = self._ocr_limits() if self.mode == "ocr" else {}
        for source in self.sources:
            document = load_document(source, dpi=self.dpi, pages=self.pages, **limits)
            if self.mode == "ocr":
                yield from self._ocr(document)
            elif self.per_page:
                for index in document.page_indices:
                    yield self._extract(_page_of(document, index), page=index)
            else:
                yield self._extract(document, page=None)

    def load_and_split(self, text_splitter: Any = None) -> list[LCDocument]:
        """Pages split by `text_splitter` (default: LangChain's recursive character splitter), each chunk with
        only the lines it contains and their union `box` in its metadata."""
        return keep_chunk_lines(super().load_and_split(text_splitter))

    def _ocr_limits(self) -> dict[str, int | None]:
        """Pages are loaded no larger than the OCR engine reads them (`ocr_working_limits`); an engine name this
        process does not know gets no limits here and fails in `ocula.ocr` with its own message."""
        from ocula.adapters.ocr import engine_names, get_engine
        from ocula.pipelines.ocr.pages import ocr_working_limits

        if self.ocr_engine.lower() not in engine_names():
            return {}
        return ocr_working_limits(get_engine(self.ocr_engine))

    def _ocr(self, document: Document) -> Iterator[LCDocument]:
        from ocula.api import ocr

        for index in document.page_indices:
            (page,) = ocr(_page_of(document, index), engine=self.ocr_engine)
            yield LCDocument(page_content=page.text, metadata=ocr_metadata(document.source, page))

    def _extract(self, document: Document, page: int | None) -> LCDocument:
        from ocula.api import extract

        options = {"ocr": self.ocr_engine, "on_error": "partial", **self.extract_options}
        result = extract(document, self.schema, self.model, self.engine, **options)  # type: ignore[arg-type]
        assert isinstance(result, Extraction)
        metadata = extraction_metadata(document.source, result)
        if page is None:
            metadata["pages"] = list(document.page_indices)
        else:
            metadata["page"] = page
        return LCDocument(page_content=extraction_content(result), metadata=metadata)
