"""Finding and composing rule packs: the bundled ones (`data/*.toml`), a user's TOML file, a `Pack` object, or a
pack registered under its name.

Every document gets the `base` pack, then the packs the caller names (`DEFAULT_PACKS` when it names none), then
the packs its schema selects (`x-ocula-packs` in the model's `json_schema_extra`), in that order.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ocula.schemas.packs.model import Pack, Rules, compose

PACKS_KEY = "x-ocula-packs"  # list[str], on a schema: packs its documents need besides the caller's
BASE_PACK = "base"
# The packs a document gets when the caller names none: English, and Malaysia's rules (the SROIE receipts').
DEFAULT_PACKS: tuple[str, ...] = ("en", "my")

PackSpec = str | os.PathLike[str] | Pack  # a pack's name, a TOML file, or a pack
_registered: dict[str, Pack] = {}


def load_pack(path: str | os.PathLike[str]) -> Pack:
    """A pack from a TOML file (the format of the bundled `data/*.toml`); its name defaults to the file's stem."""
    source = Path(path)
    with source.open("rb") as f:
        data: dict[str, Any] = tomllib.load(f)
    data.setdefault("name", source.stem)
    return Pack.model_validate(data)


@cache
def bundled_packs() -> dict[str, Pack]:
    """The packs shipped with Ocula, by name."""
    folder = resources.files("ocula.schemas.packs") / "data"
    out: dict[str, Pack] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            pack = Pack.model_validate({"name": entry.name[: -len(".toml")], **tomllib.loads(entry.read_text("utf-8"))})
            out[pack.name] = pack
    return out


def register_pack(pack: Pack) -> None:
    """Make `pack` known by its name (so a schema's `x-ocula-packs` or `packs=[...]` can name it); a registered
    pack replaces a bundled one of the same name."""
    _registered[pack.name] = pack
    _rules_of.cache_clear()


def known_packs() -> dict[str, Pack]:
    """Every pack a name can refer to: the bundled ones and those registered."""
    return {**bundled_packs(), **_registered}


def get_pack(spec: PackSpec) -> Pack:
    """The pack `spec` stands for: a `Pack`, a known pack's name, or a path to a TOML file."""
    if isinstance(spec, Pack):
        return spec
    known = known_packs()
    if isinstance(spec, str) and spec in known:
        return known[spec]
    if Path(spec).suffix == ".toml":
        return load_pack(spec)
    raise ValueError(f"unknown rule pack {str(spec)!r}: use one of {', '.join(sorted(known))} or a .toml file")


@lru_cache(maxsize=64)
def _rules_of(names: tuple[str, ...]) -> Rules:
    return compose([get_pack(n) for n in names], known_packs().values())


def rules_for(packs: Iterable[PackSpec] | None = None, selected: Sequence[str] = ()) -> Rules:
    """The rules a document gets: `base`, then `packs` (`DEFAULT_PACKS` when None), then the schema's
    `selected` packs. Compositions of named packs are made once."""
    specs: list[PackSpec] = [BASE_PACK, *(DEFAULT_PACKS if packs is None else packs), *selected]
    if all(isinstance(s, str) and s in known_packs() for s in specs):
        return _rules_of(tuple(dict.fromkeys(str(s) for s in specs)))
    return compose([get_pack(s) for s in specs], known_packs().values())


def schema_packs(schema: dict[str, Any]) -> tuple[str, ...]:
    """The packs a JSON schema selects (`x-ocula-packs` at its root)."""
    selected = schema.get(PACKS_KEY, ())
    return (selected,) if isinstance(selected, str) else tuple(selected)


def default_rules() -> Rules:
    """The rules of `base` and `DEFAULT_PACKS`."""
    return rules_for()
