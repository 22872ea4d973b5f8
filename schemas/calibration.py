"""Confidence that follows the evidence: how often a value decided by a mechanism is right.

A field's raw figure says little by itself: a value a layout rule or a lone candidate decided had 1.0, and
such values were wrong about one time in four on receipts the rules were not fitted on. The calibration table
(`calibration.toml`, shipped with the package, fitted by `benchmarks/eval_confidence.py --fit` on development
documents) holds, per mechanism and per value kind, how many fields it decided and how many were right, and,
for the mechanisms where the model chose, breakpoints from the model's probability to the share right (an
isotonic fit). A field's confidence is then:

- a mechanism with breakpoints and a model probability: the breakpoints' map of the probability (linear
  between breakpoints, flat beyond the ends);
- otherwise the mechanism's share right for the field's kind, drawn towards the mechanism's share over all
  kinds by `prior` fields' weight (so a kind seen on few fields stays near its mechanism's figure), and that
  towards the share over all fields;
- a mechanism the table does not know: None (the caller keeps the raw figure).

Then the value's own evidence shifts that share on the log-odds scale: a value whose text is not well formed
for its kind (`ill_formed`: a date the date patterns do not read whole, stray symbols in text) or, failing
that, read from OCR lines whose confidence is below `ocr_low` (`low_ocr`) gets its evidence's fitted shift
(`[evidence]`, one figure each, fitted on every field so a few dozen such fields suffice).

Keys are mechanisms, value kinds and evidence only, never field names or collections, so the table carries
to any schema and any document.
"""

from __future__ import annotations

import math
import tomllib
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Protocol

PRIOR_FIELDS = 5.0
OCR_LOW = 0.96  # OCR line confidence below which a value's reading counts as doubtful
EVIDENCE = ("ill_formed", "low_ocr")


def evidence_of(ocr_confidence: float | None, well_formed: bool | None, ocr_low: float = OCR_LOW) -> str | None:
    """The doubt a value's own reading raises: "ill_formed", else "low_ocr", else None (nothing against it)."""
    if well_formed is False:
        return "ill_formed"
    if ocr_confidence is not None and ocr_confidence < ocr_low:
        return "low_ocr"
    return None


@dataclass(frozen=True)
class Shift:
    """A log-odds shift of the share right for values with one kind of evidence, and the fields it was fitted on."""

    shift: float = 0.0
    fields: int = 0
    right: int = 0


@dataclass(frozen=True)
class Tally:
    fields: int = 0
    right: int = 0


@dataclass(frozen=True)
class Curve:
    """Breakpoints of a non-decreasing map from the model's probability to the share of values right."""

    probability: tuple[float, ...]
    right: tuple[float, ...]

    def __call__(self, p: float) -> float:
        xs, ys = self.probability, self.right
        if p <= xs[0]:
            return ys[0]
        if p >= xs[-1]:
            return ys[-1]
        i = bisect_right(xs, p)
        x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
        return y0 if x1 == x0 else y0 + (y1 - y0) * (p - x0) / (x1 - x0)


class DecidedValue(Protocol):
    """What the table reads of a decided value."""

    @property
    def mechanism(self) -> str | None: ...
    @property
    def kind(self) -> str | None: ...
    @property
    def probability(self) -> float | None: ...
    @property
    def ocr_confidence(self) -> float | None: ...
    @property
    def well_formed(self) -> bool | None: ...


@dataclass(frozen=True)
class Calibration:
    total: Tally = Tally()
    mechanisms: Mapping[str, Tally] = field(default_factory=dict)
    kinds: Mapping[tuple[str, str], Tally] = field(default_factory=dict)  # (mechanism, kind) -> tally
    curves: Mapping[str, Curve] = field(default_factory=dict)  # mechanism -> probability map
    evidence: Mapping[str, Shift] = field(default_factory=dict)  # "ill_formed" / "low_ocr" -> shift
    ocr_low: float = OCR_LOW
    prior: float = PRIOR_FIELDS
    fitted_on: str = ""

    def confidence(
        self,
        mechanism: str | None,
        kind: str | None = None,
        probability: float | None = None,
        *,
        ocr_confidence: float | None = None,
        well_formed: bool | None = None,
    ) -> float | None:
        """How often a value decided by `mechanism` (of `kind`, with the model's `probability`, read with
        `ocr_confidence` and `well_formed` or not) is right."""
        share = self.base_share(mechanism, kind, probability)
        if share is None:
            return None
        shift = self.evidence.get(evidence_of(ocr_confidence, well_formed, self.ocr_low) or "")
        return share if shift is None or shift.shift == 0.0 else shifted(share, shift.shift)

    def confidence_of(self, decided: DecidedValue) -> float | None:
        """`confidence` of a value that carries its own evidence (a `FieldResult`, a benchmark sample)."""
        return self.confidence(
            decided.mechanism,
            decided.kind,
            decided.probability,
            ocr_confidence=decided.ocr_confidence,
            well_formed=decided.well_formed,
        )

    def base_share(
        self, mechanism: str | None, kind: str | None = None, probability: float | None = None
    ) -> float | None:
        """The share right from the mechanism, kind and probability alone (before the evidence's shift)."""
        if mechanism is None or mechanism not in self.mechanisms:
            return None
        curve = self.curves.get(mechanism)
        if curve is not None and probability is not None:
            return curve(probability)
        overall = _share(self.total, 0.5, 0.0)
        share = _share(self.mechanisms[mechanism], overall, self.prior)
        if kind is not None and (mechanism, kind) in self.kinds:
            share = _share(self.kinds[(mechanism, kind)], share, self.prior)
        return share

    def to_toml(self) -> str:
        """The table as TOML text (the format `load_calibration` reads)."""
        out = [
            "# How often each mechanism's values were right, per value kind, and the model's probability mapped to",
            "# the share right. Written by benchmarks/eval_confidence.py --fit; see ocula.schemas.calibration.",
            f"fitted_on = {_quote(self.fitted_on)}",
            f"prior = {self.prior}",
            f"total = {{ fields = {self.total.fields}, right = {self.total.right} }}",
        ]
        for mech, tally in sorted(self.mechanisms.items()):
            out += ["", f"[mechanisms.{mech}]", f"fields = {tally.fields}", f"right = {tally.right}"]
            kinds = sorted((k, t) for (m, k), t in self.kinds.items() if m == mech)
            if kinds:
                out.append("kinds = { " + ", ".join(f"{k} = [{t.fields}, {t.right}]" for k, t in kinds) + " }")
            curve = self.curves.get(mech)
            if curve is not None:
                out.append("probability = [" + ", ".join(f"{x:.4f}" for x in curve.probability) + "]")
                out.append("right_share = [" + ", ".join(f"{y:.4f}" for y in curve.right) + "]")
        if self.evidence:
            out += ["", "[evidence]", f"ocr_low = {self.ocr_low}"]
            for name, ev in sorted(self.evidence.items()):
                out.append(f"{name} = {{ shift = {ev.shift:.4f}, fields = {ev.fields}, right = {ev.right} }}")
        return "\n".join(out) + "\n"


def shifted(share: float, shift: float) -> float:
    """`share` moved by `shift` on the log-odds scale (0 and 1 stay put)."""
    if share <= 0.0 or share >= 1.0:
        return share
    return 1.0 / (1.0 + math.exp(-(math.log(share / (1.0 - share)) + shift)))


def _share(tally: Tally, prior_share: float, weight: float) -> float:
    if tally.fields + weight <= 0:
        return prior_share
    return (tally.right + weight * prior_share) / (tally.fields + weight)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_calibration(data: Mapping[str, Any]) -> Calibration:
    """A `Calibration` from the table's parsed TOML."""
    total = data.get("total", {})
    mechanisms, kinds, curves = {}, {}, {}
    for mech, entry in data.get("mechanisms", {}).items():
        mechanisms[mech] = Tally(int(entry["fields"]), int(entry["right"]))
        for kind, (n, right) in entry.get("kinds", {}).items():
            kinds[(mech, kind)] = Tally(int(n), int(right))
        if "probability" in entry:
            xs = tuple(float(x) for x in entry["probability"])
            ys = tuple(float(y) for y in entry["right_share"])
            if len(xs) != len(ys) or not xs or list(xs) != sorted(xs):
                raise ValueError(f"calibration curve of {mech}: breakpoints must be sorted and paired")
            curves[mech] = Curve(xs, ys)
    evidence_table = dict(data.get("evidence", {}))
    ocr_low = float(evidence_table.pop("ocr_low", OCR_LOW))
    evidence = {}
    for name, entry in evidence_table.items():
        if name not in EVIDENCE:
            raise ValueError(f"calibration evidence {name!r}: expected one of {', '.join(EVIDENCE)}")
        evidence[name] = Shift(float(entry["shift"]), int(entry.get("fields", 0)), int(entry.get("right", 0)))
    return Calibration(
        total=Tally(int(total.get("fields", 0)), int(total.get("right", 0))),
        mechanisms=mechanisms,
        kinds=kinds,
        curves=curves,
        evidence=evidence,
        ocr_low=ocr_low,
        prior=float(data.get("prior", PRIOR_FIELDS)),
        fitted_on=str(data.get("fitted_on", "")),
    )


def load_calibration(path: str | Path | None = None) -> Calibration:
    """The calibration table at `path`, or the one shipped with the package."""
    if path is None:
        return default_calibration()
    return parse_calibration(tomllib.loads(Path(path).read_text("utf-8")))


@lru_cache(maxsize=1)
def default_calibration() -> Calibration:
    text = files("ocula.schemas").joinpath("calibration.toml").read_text("utf-8")
    return parse_calibration(tomllib.loads(text))


__all__ = [
    "EVIDENCE",
    "OCR_LOW",
    "Calibration",
    "Curve",
    "Shift",
    "Tally",
    "default_calibration",
    "evidence_of",
    "load_calibration",
    "parse_calibration",
    "shifted",
]
