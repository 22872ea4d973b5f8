"""The locale an extraction reads a page under: the packs the caller gave, or those detected from the page's text
(`ocula.schemas.packs.detect`), recorded on the `Extraction` (`locale`, `locales`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocula.pipelines.grounding.lines import DocLine
from ocula.schemas.packs import BASE_PACK, Pack, PackSpec, schema_packs
from ocula.schemas.packs.detect import LocaleGuess, detect_locales


def _name(spec: PackSpec) -> str:
    if isinstance(spec, Pack):
        return spec.name
    return Path(spec).stem if str(spec).endswith(".toml") else str(spec)


@dataclass(frozen=True)
class PageLocale:
    """The packs to read a page under, and what to record of them."""

    packs: list[PackSpec]  # given or detected, before the schema's own packs
    locale: str | None  # the caller's first locale, or the best detected one
    locales: list[str]  # every locale pack applied, in order (the schema's included)
    guess: LocaleGuess | None = field(default=None, compare=False)  # the detection's scores, when it ran

    def mark(self, extraction: Any) -> Any:
        """`extraction` with its `locale` and `locales` set."""
        extraction.locale = self.locale
        extraction.locales = list(self.locales)
        return extraction


def page_locale(lines: Sequence[DocLine], packs: Sequence[PackSpec] | None, schema: dict[str, Any]) -> PageLocale:
    """The caller's `packs` when given, else the locales detected from the text of `lines` (with the fallbacks)."""
    guess = None
    if packs is None:
        guess = detect_locales(line.text for line in lines)
        chosen: list[PackSpec] = list(guess.packs())
        locale = guess.locale
    else:
        chosen = list(packs)
        locale = next((_name(p) for p in chosen if _name(p) != BASE_PACK), None)
    names = [_name(p) for p in (*chosen, *schema_packs(schema))]
    return PageLocale(chosen, locale, [n for n in dict.fromkeys(names) if n != BASE_PACK], guess)
