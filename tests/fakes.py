"""Test doubles shared by several test modules."""

from ocula.adapters.models.base import Capabilities, Generation, GenerationRequest, ModelAdapter


class FixedAnswer(ModelAdapter):
    """A text model that always gives the same answer (the OCR around it stays real)."""

    name = "fixed"
    backend = "test"
    capabilities = Capabilities(constraints=frozenset({"json_schema"}))

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.calls = 0

    def generate(self, request: GenerationRequest) -> Generation:
        self.calls += 1
        return Generation(text=self.answer)
