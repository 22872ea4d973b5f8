"""Per mechanism: how many fields it decided and how many of them were right.

A benchmark row records, per field, what `decision` reads off its `FieldResult` (mechanism, rule, kind, the
model's probability, the confidence reported) beside whether the field was right; `tally` counts them by
mechanism, by mechanism and rule, and by mechanism and kind, and `markdown_table` prints the first two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

try:
    from benchmarks.extraction_info import MISSING, mechanism_of
except ImportError:  # run as a script
    from extraction_info import MISSING, mechanism_of  # type: ignore[no-redef]


def decision(field_result: Any) -> dict[str, Any]:
    """What decided a field and how sure it was, as JSON (missing parts as None)."""
    return {
        "mechanism": mechanism_of(field_result) if field_result is not None else None,
        "rule": getattr(field_result, "rule", None),
        "kind": getattr(field_result, "kind", None),
        "probability": getattr(field_result, "probability", None),
        "confidence": getattr(field_result, "confidence", None),
        "ocr_confidence": getattr(field_result, "ocr_confidence", None),
        "well_formed": getattr(field_result, "well_formed", None),
    }


def tally(samples: Iterable[tuple[dict[str, Any], bool]]) -> dict[str, dict[str, dict[str, int]]]:
    """(decision, right) pairs counted per mechanism, per `mechanism:rule` and per `mechanism/kind`."""
    out: dict[str, dict[str, dict[str, int]]] = {
        "mechanism": defaultdict(lambda: {"n": 0, "right": 0}),
        "rule": defaultdict(lambda: {"n": 0, "right": 0}),
        "kind": defaultdict(lambda: {"n": 0, "right": 0}),
    }
    for d, right in samples:
        mech = d.get("mechanism") or MISSING
        keys = {"mechanism": mech, "kind": f"{mech}/{d.get('kind') or MISSING}"}
        if d.get("rule"):
            keys["rule"] = f"{mech}:{d['rule']}"
        for table, key in keys.items():
            out[table][key]["n"] += 1
            out[table][key]["right"] += bool(right)
    return {table: dict(sorted(counts.items())) for table, counts in out.items()}


def markdown_table(counts: dict[str, dict[str, dict[str, int]]]) -> list[str]:
    """Markdown rows: each mechanism, then each rule under it (fields, right, share right)."""
    out = ["| mechanism | fields | right | share right |", "|---|---|---|---|"]
    for mech, c in counts["mechanism"].items():
        out.append(f"| {mech} | {c['n']} | {c['right']} | {c['right'] / c['n']:.2f} |")
        for key, r in counts["rule"].items():
            if key.split(":", 1)[0] == mech:
                out.append(f"| &nbsp; {key} | {r['n']} | {r['right']} | {r['right'] / r['n']:.2f} |")
    return out
