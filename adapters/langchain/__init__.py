"""LangChain integration: Runnables, a chat model, a document loader."""
