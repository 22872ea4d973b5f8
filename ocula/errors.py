"""Public home of Ocula's typed errors (defined in `ocula.schemas.errors` so every layer can raise them)."""

from ocula.schemas.errors import (
    InputError,
    ModelError,
    OculaError,
    SchemaError,
    ServerError,
    ServerTimeout,
    ServerUnreachable,
    UngroundedField,
    ValidationFailed,
)

__all__ = [
    "InputError",
    "ModelError",
    "OculaError",
    "SchemaError",
    "ServerError",
    "ServerTimeout",
    "ServerUnreachable",
    "UngroundedField",
    "ValidationFailed",
]
