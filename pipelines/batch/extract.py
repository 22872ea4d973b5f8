"""The extractor a batch worker runs: picklable settings, models loaded once per worker process.

`read(path)` loads a document and OCRs its pages (with the layout model's regions when `layout` is on: decided
for the batch's schema by `for_schema`, before any worker starts); `decode(read, schema)` runs the language
model. A worker
calls `read` for the next document on a thread while `decode` runs for the current one (ONNX Runtime and
llama.cpp release the GIL), so OCR overlaps decoding. Any extract function may offer this split; a plain
function `(path, schema) -> Extraction` is called whole.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from ocula.adapters.io.document import Document, Page
from ocula.adapters.io.loading import load_document
from ocula.adapters.models import registry
from ocula.adapters.models.base import ModelAdapter
from ocula.adapters.models.bundled import DEFAULT_MODEL
from ocula.adapters.ocr import DEFAULT_OCR
from ocula.pipelines.extract.engine import Engine, EngineName, check_layout, make_extractor, uses_layout
from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor
from ocula.pipelines.ocr.pages import ocr_working_limits
from ocula.schemas import Extraction, OCRPage

ModelLoader = Callable[..., ModelAdapter]
PageProgress = Callable[[int, int], None]  # (pages done, pages in all)
ExtractFn = Callable[[Path, type[BaseModel]], "Extraction[Any] | list[Extraction[Any]]"]


def _reporting(part: Document, whole: Document, on_page: PageProgress | None) -> Document:
    """`part` of `whole` telling `on_page(pages of whole before it, pages of whole)` as each page is loaded."""
    if on_page is None:
        return part
    position = {index: n for n, index in enumerate(whole.page_indices)}

    def loader(index: int) -> Page:
        on_page(position.get(index, 0), len(whole))
        return part.loader(index)

    return dataclasses.replace(part, loader=loader)


@dataclass
class ReadDocument:
    """A document loaded and, for the ocr+llm engine, OCR'd: what `decode` needs."""

    document: Document
    pages: list[list[OCRPage]] = field(default_factory=list)  # one list per part (one part unless per page)


@dataclass
class PipelineExtract:
    """Settings of a batch extraction. Picklable; the model and OCR engine load lazily in the worker.

    `threads` caps llama.cpp and ONNX Runtime threads (set it to cores / workers when running workers side
    by side). `loader(name, **options)` loads the model; the default is the model registry's
    (`ocula.adapters.models.registry.load`, uncached: a worker loads its model once), `ocula.load_model` caches.
    `layout` and `exclude_regions` are `ocula.extract`'s: the OCR runs the bundled layout model and leaves out the
    lines in the `exclude_regions` regions; `layout=None` (default) is decided for a schema by `for_schema` (on
    when the schema has a list of objects or `exclude_regions` names a region), which `run_batch` calls.
    """

    model: str = DEFAULT_MODEL
    engine: EngineName | None = None
    ocr: str = DEFAULT_OCR
    orientation: str | int = "auto"  # how pages lie: see ocula.pipelines.ocr.orientation
    deskew: bool = False  # the OCR reads a page lying askew straightened: see ocula.pipelines.ocr.deskew
    max_attempts: int = 3
    per_page: bool = False
    dpi: int = 150
    pages: str | None = None  # the user's 1-based "1-3,5" (every page when None)
    grounded: bool = True
    threads: int | None = None
    loader: ModelLoader | None = None
    adapter: str | None = None  # a folder written by `ocula finetune`
    decoding: Literal["ranked", "json"] = "ranked"  # see ExtractOptions.decoding
    locale: list[str] | None = None  # locale packs of every document; None: detected per document
    layout: bool | None = None  # the layout model with the OCR; None: decided by the schema (for_schema)
    exclude_regions: tuple[str, ...] = ()  # region labels whose lines are left out, e.g. ("header", "footer")
    _state: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # settings with `layout` decided, by schema (`for_schema`), each loading its models once
    _bound: dict[type[BaseModel], PipelineExtract] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.exclude_regions = check_layout(self.layout, self.exclude_regions)  # ValueError before any work

    def for_schema(self, schema: type[BaseModel]) -> PipelineExtract:
        """These settings with `layout` decided for `schema` (`uses_layout`, the rule of `ocula.extract`); the
        same object when it was given, and the same copy for the same schema."""
        if self.layout is not None:
            return self
        if schema not in self._bound:
            layout = uses_layout(None, self.exclude_regions, schema)
            self._bound[schema] = dataclasses.replace(self, layout=layout, _state={}, _bound={})
        return self._bound[schema]

    def identity(self) -> dict[str, Any]:
        """What changes a result: goes into every document's key."""
        return (
            {
                "model": self.model,
                "engine": self.engine or "auto",
                "ocr": self.ocr,
                "max_attempts": self.max_attempts,
                "per_page": self.per_page,
                "dpi": self.dpi,
                "grounded": self.grounded,
            }
            | self._adapter_identity()
            | ({"decoding": self.decoding} if self.decoding != "ranked" else {})
            | ({"locale": list(self.locale)} if self.locale is not None else {})
            | ({"orientation": self.orientation} if self.orientation != "auto" else {})
            | ({"deskew": True} if self.deskew else {})
            | ({"pages": self.pages} if self.pages is not None else {})
            | ({"layout": True} if self.layout else {})  # off: the keys of runs before the layout model
            | ({"exclude_regions": list(self.exclude_regions)} if self.exclude_regions else {})
        )

    def _adapter_identity(self) -> dict[str, Any]:
        """The adapter's folder and weights hash, only when there is one (keys of plain runs stay the same)."""
        if self.adapter is None:
            return {}
        from ocula.adapters.models.lora.load import read_adapter

        info = read_adapter(self.adapter)
        return {"adapter": str(info.folder), "adapter_id": info.id}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_state"] = state["_bound"] = {}  # loaded models stay in their process
        return state

    # loading -------------------------------------------------------------------------------------
    def setup(self) -> None:
        """Load the model and the OCR engine (called once per worker, before the first document)."""
        if self._state:
            return
        if self.layout is None:
            raise ValueError("PipelineExtract(layout=None) is decided by the schema: call for_schema(schema) first")
        if self.threads:
            os.environ.setdefault("OMP_NUM_THREADS", str(self.threads))
        loader = self.loader or registry.load
        on_llamacpp = registry.default_backend(self.model) == registry.LLAMACPP
        options: dict[str, Any] = {"n_threads": self.threads} if self.threads and on_llamacpp else {}
        if self.adapter is not None:
            options["adapter"] = self.adapter
        if self.engine == Engine.VLM:
            options.update(registry.image_load_options(self.model))  # the user says the model reads images
        model = loader(self.model, **options)
        opts = ExtractOptions(
            max_attempts=self.max_attempts,
            on_error="partial",
            grounded=self.grounded,
            decoding=self.decoding,
            packs=list(self.locale) if self.locale is not None else None,
        )
        from ocula.adapters.ocr import get_engine

        ocr_options = {"threads": self.threads} if self.threads and self.ocr.startswith("rapidocr") else {}
        from ocula.pipelines.ocr.orientation import with_orientation

        def ocr_engine() -> Any:
            engine = with_orientation(get_engine(self.ocr, **ocr_options), self.orientation, self.deskew)
            if not self.layout:
                return engine
            from ocula.pipelines.detect.layout import default_layout_engine
            from ocula.pipelines.ocr.regions import with_regions

            return with_regions(engine, self.exclude_regions, default_layout_engine(self.threads))

        engine, extractor = make_extractor(self.engine, model, opts, ocr_engine, orientation=self.orientation)
        self._state.update(engine=engine, extractor=extractor)

    # the two stages ----------------------------------------------------------------------------
    def _parts(self, document: Document) -> list[Document]:
        if not self.per_page:
            return [document]
        return [
            Document(document.source, [i], document.loader, document.kind, document.dpi, document.metadata)
            for i in document.page_indices
        ]

    def read(self, path: Path, on_page: PageProgress | None = None) -> ReadDocument:
        """Load the document; OCR its pages when the engine reads OCR text, telling `on_page(done, total)` as
        each page is reached and when all are read. For OCR, a page larger than the working resolution or the
        side the OCR engine reads at is loaded shrunk to it (`adapters.io.working`); the OCR maps its boxes back
        to the page's own pixels."""
        self.setup()
        reads_ocr = self._state["engine"] == Engine.OCR_LLM
        extractor: OcrLlmExtractor | None = self._state["extractor"] if reads_ocr else None
        limits = ocr_working_limits(extractor.ocr) if extractor is not None else {}
        document = load_document(path, dpi=self.dpi, pages=self.pages, **limits)
        read = ReadDocument(document)
        if extractor is not None:
            parts = [_reporting(part, document, on_page) for part in self._parts(document)]
            read.pages = [extractor.read_pages(part)[0] for part in parts]
            if on_page is not None:
                on_page(len(document), len(document))
        return read

    def decode(self, read: ReadDocument, schema: type[BaseModel]) -> Extraction[Any] | list[Extraction[Any]]:
        """Run the model on a read document: one Extraction, or one per page with `per_page`."""
        self.setup()
        extractor = self._state["extractor"]
        parts = self._parts(read.document)
        if self._state["engine"] == Engine.OCR_LLM:
            results = [extractor.run_on_pages(pages, schema, source=read.document.source) for pages in read.pages]
        else:
            results = [extractor.run(part, schema) for part in parts]
        return results if self.per_page else results[0]

    def __call__(self, path: Path, schema: type[BaseModel]) -> Extraction[Any] | list[Extraction[Any]]:
        bound = self.for_schema(schema)  # layout=None: the copy with it decided for this schema, kept
        return bound.decode(bound.read(path), schema)
