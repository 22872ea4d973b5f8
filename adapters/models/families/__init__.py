"""The transformers side of vision-language families, keyed by `ocula.schemas.families.Family`.

`table.py`: classes and image placeholder per family (`TRANSFORMERS_FAMILIES`, `family_for`); `sizes.py`: input
sizes and pixel budgets; `templates.py`: chat templates for checkpoints without one; `classes.py`: processor
classes that load without torchvision. What is not transformers-specific is the family's record in
`ocula.schemas.families`.
"""

from ocula.adapters.models.families.classes import processor_class
from ocula.adapters.models.families.table import GENERIC, TRANSFORMERS_FAMILIES, TransformersFamily, family_for
from ocula.adapters.models.families.templates import chat_template_for

__all__ = [
    "GENERIC",
    "TRANSFORMERS_FAMILIES",
    "TransformersFamily",
    "chat_template_for",
    "family_for",
    "processor_class",
]
