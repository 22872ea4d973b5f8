"""`OculaExtractor`: `ocula.extract` as a LangChain Runnable, so extraction composes in LCEL chains.

```python
chain = OculaExtractor(schema=Receipt) | (lambda extraction: extraction.value.total)
chain.invoke("samples/receipt.jpg")
```

Input: see `sources.to_source` (paths, bytes, images, `{"source": ...}`, messages with an image or PDF).
Output: the `Extraction` (or only its validated `value` with `return_value=True`). `batch`, `stream` and the
async variants come from `Runnable` (threads; the model serialises its own calls).

Import direction: the extraction pipeline is reached through the public facade `ocula.api`, imported lazily
in `_extract`; a loaded `ModelAdapter` passed as `model` is used as it is.
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig, RunnableSerializable
from pydantic import BaseModel, ConfigDict, Field

from ocula.adapters.models.base import ModelAdapter
from ocula.langchain.sources import to_source


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

    def _extract(self, value: Any) -> Any:
        from ocula.api import extract

        result = extract(to_source(value), self.schema_, self.model, self.engine, **self.options)  # type: ignore[arg-type]
        if not self.return_value:
            return result
        return [r.value for r in result] if isinstance(result, list) else result.value

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Extract from one document (`kwargs` are ignored, as `Runnable.invoke` allows)."""
        return self._call_with_config(self._extract, input, config)
