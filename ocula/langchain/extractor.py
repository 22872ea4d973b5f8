"""`OculaExtractor`: `ocula.extract` as a LangChain Runnable, so extraction composes in LCEL chains.

```python
chain = OculaExtractor(schema=Receipt) | (lambda extraction: extraction.value.total)
chain.invoke("samples/receipt.jpg")
```

Input: see `sources.to_source` (paths, bytes, images, `{"source": ...}`, messages with an image or PDF).
Output: the `Extraction` (or only its validated `value` with `return_value=True`). `batch`, `stream` and the
async variants come from `Runnable` (threads; the model serialises its own calls).

Callbacks and tracers see the extraction as a chain run whose child runs are the pipeline's model calls: each
generation a chat-model run (messages, answer, token usage, the model's name), each candidate scoring an LLM
run (see `tracing.ReportingModel`). A model given with `adapter=` (a fine-tuned LoRA) is loaded by
`ocula.extract` itself and its calls are not reported one by one.

Errors: `InputError` (the document cannot be read) and `SchemaError` (the schema cannot be decoded) are not
worth retrying; `ServerError`s of a served model are. `with_retry(retry_if_exception_type=(ServerError,))`.
A schema of boxes or regions on the text-only engine raises `ModelError` pointing to `ocula.detect`.

Import direction: the extraction pipeline is reached through the public facade `ocula.api`, imported lazily
in `_extract`; a loaded `ModelAdapter` passed as `model` is used as it is.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForChainRun
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from pydantic import BaseModel, ConfigDict, Field

from ocula.adapters.models.base import ModelAdapter
from ocula.langchain.sources import to_source
from ocula.langchain.tracing import ReportingModel
from ocula.schemas.regions import refuse_regions_on_text


class OculaExtractor(RunnableSerializable[Any, Any]):
    """Extract `schema` from a document or photo with Ocula's pipeline."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    schema_: type[BaseModel] | str = Field(default="receipt", alias="schema")
    """A Pydantic class, or a ready schema's name (`receipt`) or `module:Class`."""
    model: str | ModelAdapter | None = None
    """A model name (None: the bundled default) or a loaded `ModelAdapter`."""
    engine: str | None = None
    """`ocr+llm` or `vlm` (None: chosen from what the model can read)."""
    return_value: bool = False
    """Return only the validated instance instead of the `Extraction`."""
    options: dict[str, Any] = Field(default_factory=dict)
    """Further keyword arguments of `ocula.extract` (`ocr`, `max_attempts`, `on_error`, `grounded`,
    `instructions`, `dpi`, `pages`, `per_page`, `max_new_tokens`, ...)."""

    def __init__(self, schema: type[BaseModel] | str = "receipt", **kwargs: Any) -> None:
        known = set(type(self).model_fields) | {"schema"}
        extra = {k: kwargs.pop(k) for k in list(kwargs) if k not in known}
        options = {**kwargs.pop("options", {}), **extra}
        super().__init__(schema=schema, options=options, **kwargs)

    @property
    def InputType(self) -> type:
        return object

    def _model(self) -> ModelAdapter | None:
        """The model to run (loaded once per process), or None when `ocula.extract` must load it (`adapter=`)."""
        if isinstance(self.model, ModelAdapter):
            return self.model
        if "adapter" in self.options:
            return None
        from ocula.adapters.models.registry import image_load_options
        from ocula.api import load_model

        # engine="vlm" says that the model reads images (a served model cannot tell), as in `ocula.extract`
        return load_model(self.model, **(image_load_options(self.model) if self.engine == "vlm" else {}))

    def _extract(self, value: Any, run_manager: CallbackManagerForChainRun | None = None) -> Any:
        from ocula.api import extract
        from ocula.schema_loader import resolve_schema

        source = to_source(value)
        schema = resolve_schema(self.schema_)
        model: ModelAdapter | str | None = self._model()
        if isinstance(model, ModelAdapter):
            if not (self.engine == "vlm" or (self.engine is None and model.capabilities.images)):
                refuse_regions_on_text(schema.model_json_schema(), model.name)
            if run_manager is not None:
                model = ReportingModel(model, run_manager.get_child())
        else:
            model = self.model  # type: ignore[assignment]
        result = extract(source, schema, model, self.engine, **self.options)  # type: ignore[arg-type]
        if not self.return_value:
            return result
        return [r.value for r in result] if isinstance(result, list) else result.value

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Extract from one document (`kwargs` are ignored, as `Runnable.invoke` allows)."""
        return self._call_with_config(self._extract, input, config)
