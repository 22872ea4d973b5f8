"""Model backends behind one interface (`ModelAdapter`)."""

from ocula.adapters.models.base import (
    Capabilities,
    Constraint,
    Generation,
    GenerationRequest,
    Message,
    ModelAdapter,
    Sampling,
)

__all__ = ["Capabilities", "Constraint", "Generation", "GenerationRequest", "Message", "ModelAdapter", "Sampling"]
