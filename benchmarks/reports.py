"""A benchmark's report: its tables printed, the whole report saved as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_report(report: dict[str, Any], out: str | Path | None, as_markdown: Callable[[dict[str, Any]], str]) -> None:
    """Save the report as JSON at `out` (when given) and print its markdown tables."""
    if out:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=1, default=str))
    print(as_markdown(report))


__all__ = ["write_report"]
