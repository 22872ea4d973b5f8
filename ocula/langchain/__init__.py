"""LangChain integration: a Runnable for extraction, a chat model, a document loader.

`OculaExtractor` (documents -> `Extraction`), `ChatOcula` (chat model with grammar-constrained structured
output and tool calls; images read by OCR for text-only models), `OculaLoader` (pages as `Document`s).
"""

from ocula.langchain.chat import ChatOcula
from ocula.langchain.extractor import OculaExtractor
from ocula.langchain.loader import OculaLoader

__all__ = ["ChatOcula", "OculaExtractor", "OculaLoader"]
