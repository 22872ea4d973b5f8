"""The extractor a batch worker runs: picklable settings, models loaded once per worker process.

`read(path)` loads a document and OCRs its pages; `decode(read, schema)` runs the language model. A worker
calls `read` for the next document on a thread while `decode` runs for the current one (ONNX Runtime and
llama.cpp release the GIL), so OCR overlaps decoding. Any extract function may offer this split; a plain
function `(path, schema) -> Extraction` is called whole.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from ocula.adapters.io.document import Document
from ocula.adapters.io.loading import load_document
from ocula.adapters.models.base import ModelAdapter
from ocula.adapters.models.bundled import BUNDLED, bundled_gguf
from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor
from ocula.schemas import Extraction, ModelError, OCRPage

ModelLoader = Callable[..., ModelAdapter]
ExtractFn = Callable[[Path, type[BaseModel]], "Extraction[Any] | list[Extraction[Any]]"]

DEFAULT_BUNDLED = "smollm2-135m"


def uses_llamacpp(name: str) -> bool:
    return name in BUNDLED or name.endswith(".gguf")


def load_gguf(name: str, *, adapter: str | None = None, **options: Any) -> ModelAdapter:
    """Default loader: a bundled model or a `.gguf` file on llama.cpp (pass `loader=` for other models);
    `adapter` applies a fine-tuned adapter folder (see `ocula finetune`)."""
    from ocula.adapters.models.llamacpp import LlamaCppModel

    if adapter is not None:
        from ocula.adapters.models.lora.load import load_adapted

        return load_adapted(name, adapter, **options)
    if name in BUNDLED:
        return LlamaCppModel.load(bundled_gguf(name), name=name, **options)
    if name.endswith(".gguf"):
        return LlamaCppModel.load(name, **options)
    raise ModelError(f"{name}: the batch's default loader reads bundled or .gguf models; pass loader=load_model")


@dataclass
class ReadDocument:
    """A document loaded and, for the ocr+llm engine, OCR'd: what `decode` needs."""

    document: Document
    pages: list[list[OCRPage]] = field(default_factory=list)  # one list per part (one part unless per page)


@dataclass
class PipelineExtract:
    """Settings of a batch extraction. Picklable; the model and OCR engine load lazily in the worker.

    `threads` caps llama.cpp and ONNX Runtime threads (set it to cores / workers when running workers side
    by side). `loader(name, **options)` loads the model; the default reads bundled and `.gguf` models.
    """

    model: str = DEFAULT_BUNDLED
    engine: Literal["ocr+llm", "vlm"] | None = None
    ocr: str = "rapidocr"
    orientation: str | int = "auto"  # how pages lie: see ocula.pipelines.ocr.orientation
    max_attempts: int = 3
    per_page: bool = False
    dpi: int = 150
    grounded: bool = True
    threads: int | None = None
    loader: ModelLoader | None = None
    adapter: str | None = None  # a folder written by `ocula finetune`
    decoding: Literal["ranked", "json"] = "ranked"  # see ExtractOptions.decoding
    _state: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

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
            | ({"orientation": self.orientation} if self.orientation != "auto" else {})
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
        state["_state"] = {}  # loaded models stay in their process
        return state

    # loading -------------------------------------------------------------------------------------
    def setup(self) -> None:
        """Load the model and the OCR engine (called once per worker, before the first document)."""
        if self._state:
            return
        if self.threads:
            os.environ.setdefault("OMP_NUM_THREADS", str(self.threads))
        loader = self.loader or load_gguf
        options: dict[str, Any] = {"n_threads": self.threads} if self.threads and uses_llamacpp(self.model) else {}
        if self.adapter is not None:
            options["adapter"] = self.adapter
        if self.engine == "vlm" and self.model.startswith("openai:"):
            options["images"] = True  # --engine vlm with a served model: the user says the served model reads images
        model = loader(self.model, **options)
        engine = self.engine or ("vlm" if model.capabilities.images else "ocr+llm")
        opts = ExtractOptions(
            max_attempts=self.max_attempts, on_error="partial", grounded=self.grounded, decoding=self.decoding
        )
        from ocula.adapters.ocr import get_engine

        ocr_options = {"threads": self.threads} if self.threads and self.ocr.startswith("rapidocr") else {}
        need_ocr = engine == "ocr+llm" or self.grounded
        from ocula.pipelines.ocr.orientation import with_orientation

        ocr = with_orientation(get_engine(self.ocr, **ocr_options), self.orientation) if need_ocr else None
        if engine == "ocr+llm":
            extractor: Any = OcrLlmExtractor(model, ocr, opts)  # type: ignore[arg-type]
        elif engine == "vlm":
            if not model.capabilities.images:
                raise ModelError(f"{model.name} cannot read images: use engine 'ocr+llm' or a vision-language model")
            from ocula.pipelines.extract.vlm import VlmExtractor  # type: ignore[import-not-found]

            extractor = VlmExtractor(model, opts, ocr=ocr)
        else:
            raise ModelError(f"unknown engine {engine!r}: use 'ocr+llm' or 'vlm'")
        self._state.update(engine=engine, extractor=extractor)

    # the two stages ----------------------------------------------------------------------------
    def _parts(self, document: Document) -> list[Document]:
        if not self.per_page:
            return [document]
        return [
            Document(document.source, [i], document.loader, document.kind, document.dpi, document.metadata)
            for i in document.page_indices
        ]

    def read(self, path: Path) -> ReadDocument:
        """Load the document; OCR its pages when the engine reads OCR text."""
        self.setup()
        document = load_document(path, dpi=self.dpi)
        read = ReadDocument(document)
        if self._state["engine"] == "ocr+llm":
            extractor: OcrLlmExtractor = self._state["extractor"]
            read.pages = [extractor.read_pages(part)[0] for part in self._parts(document)]
        return read

    def decode(self, read: ReadDocument, schema: type[BaseModel]) -> Extraction[Any] | list[Extraction[Any]]:
        """Run the model on a read document: one Extraction, or one per page with `per_page`."""
        self.setup()
        extractor = self._state["extractor"]
        parts = self._parts(read.document)
        if self._state["engine"] == "ocr+llm":
            results = []
            for pages in read.pages:
                result = extractor.run_on_pages(pages, schema, source=read.document.source)
                result.timings = {"ocr": sum(p.seconds or 0.0 for p in pages), **result.timings}
                results.append(result)
        else:
            results = [extractor.run(part, schema) for part in parts]
        return results if self.per_page else results[0]

    def __call__(self, path: Path, schema: type[BaseModel]) -> Extraction[Any] | list[Extraction[Any]]:
        return self.decode(self.read(path), schema)
