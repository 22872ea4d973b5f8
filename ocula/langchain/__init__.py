"""LangChain integration (`pip install "ocula[langchain]"`): a chat model, a Runnable, a document loader.

- `ChatOcula`: a chat model on Ocula's local models. `with_structured_output(Schema)` on messages carrying an
  image or a PDF runs Ocula's grounded extraction (the same pipeline as `ocula.extract`); on text it decodes
  under the schema's grammar. Tool calls under a grammar too.
- `OculaExtractor`: `ocula.extract` as a Runnable (document in, `Extraction` or its value out).
- `OculaLoader`: documents and photos as LangChain `Document`s (OCR text with line boxes, or extracted fields).

Guide: docs/langchain.md.
"""

try:
    import langchain_core  # noqa: F401
except ImportError as err:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        'ocula.langchain needs langchain-core: pip install "ocula[langchain]" (or pip install langchain-core)'
    ) from err

from ocula.langchain.chat import ChatOcula
from ocula.langchain.extractor import OculaExtractor
from ocula.langchain.loader import OculaLoader

__all__ = ["ChatOcula", "OculaExtractor", "OculaLoader"]
