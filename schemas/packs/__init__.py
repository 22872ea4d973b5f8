"""Rule packs: locale and document knowledge (currency markers, number formats, month names, legal forms,
postcodes, address layout, label vocabularies, field-name words) as data that the grounding modules read.

    from ocula.schemas.packs import rules_for
    rules = rules_for(["en", "my"])        # base + English + Malaysia (the default)
    rules = rules_for(["en", "my.toml"])   # a pack of your own, from a TOML file like those in data/
"""

from ocula.schemas.packs.loader import (
    BASE_PACK,
    DEFAULT_PACKS,
    PACKS_KEY,
    PackSpec,
    bundled_packs,
    default_rules,
    get_pack,
    known_packs,
    load_pack,
    register_pack,
    rules_for,
    schema_packs,
)
from ocula.schemas.packs.model import (
    VOCAB_PREFIX,
    AddressLayout,
    Currency,
    NumberFormat,
    Pack,
    Rules,
    compose,
    vocab,
)

__all__ = [
    "BASE_PACK",
    "DEFAULT_PACKS",
    "PACKS_KEY",
    "VOCAB_PREFIX",
    "AddressLayout",
    "Currency",
    "NumberFormat",
    "Pack",
    "PackSpec",
    "Rules",
    "bundled_packs",
    "compose",
    "default_rules",
    "get_pack",
    "known_packs",
    "load_pack",
    "register_pack",
    "rules_for",
    "schema_packs",
    "vocab",
]
