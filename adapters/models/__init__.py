"""Model backends behind one interface (`ModelAdapter`)."""

from .base import Capabilities, Constraint, Generation, GenerationRequest, Message, ModelAdapter, Sampling

__all__ = ["Capabilities", "Constraint", "Generation", "GenerationRequest", "Message", "ModelAdapter", "Sampling"]
