"""The corrections file: every change a reviewer makes, one JSON line each, appended and fsynced.

The file sits next to the results (`results.jsonl` -> `results.corrections.jsonl`); the results file itself is
never written. A change reaches the disk before the request that made it is answered, so a killed server loses
nothing it confirmed; a line cut short by a crash is skipped on reading, and the next change starts a new line.
Undo is a change too (it names the change it takes back), so the file is the whole history.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ocula.errors import InputError

ACTIONS = ("accept", "edit", "pick", "absent", "add_item", "done", "undo")
MAX_CORRECTIONS_BYTES = 256 << 20
MAX_EVENTS = 1_000_000


def corrections_path(results: Path) -> Path:
    """`results.jsonl` -> `results.corrections.jsonl`, in the same folder."""
    return results.with_name(f"{results.stem}.corrections.jsonl")


class CorrectionStore:
    """Append-only corrections of one results file; `events` holds every valid line read or written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.events: list[dict[str, Any]] = []
        self.skipped: list[str] = []
        self._lock = threading.Lock()
        self._read()

    def _read(self) -> None:
        if not self.path.exists():
            return
        try:
            size = self.path.stat().st_size
            if size > MAX_CORRECTIONS_BYTES:
                raise InputError(str(self.path), f"corrections file of {size} bytes; at most {MAX_CORRECTIONS_BYTES}")
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError as err:
            raise InputError(str(self.path), f"cannot read the corrections file: {err}") from err
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                self.skipped.append(f"line {number}: not JSON (cut short?)")
                continue
            if not _valid(event):
                self.skipped.append(f"line {number}: not a correction")
                continue
            self.events.append(event)
        if len(self.events) > MAX_EVENTS:
            raise InputError(str(self.path), f"more than {MAX_EVENTS} corrections")

    @property
    def next_seq(self) -> int:
        return max((int(e["seq"]) for e in self.events), default=0) + 1

    def append(self, event: dict[str, Any]) -> dict[str, Any]:
        """Write `event` (with its sequence number and time added) and fsync it; returns the stored event."""
        with self._lock:
            if len(self.events) >= MAX_EVENTS:
                raise InputError(str(self.path), f"more than {MAX_EVENTS} corrections")
            stored = {"seq": self.next_seq, "time": datetime.now(UTC).isoformat(timespec="milliseconds"), **event}
            if not _valid(stored):
                raise ValueError(f"not a correction: {stored}")
            line = json.dumps(stored, ensure_ascii=False, separators=(",", ":")) + "\n"
            new_file = not self.path.exists()
            with self.path.open("ab") as f:
                if f.tell() > 0 and not _ends_with_newline(self.path):
                    f.write(b"\n")  # a line cut short by a crash stays on its own line
                f.write(line.encode("utf-8"))
                f.flush()
                os.fsync(f.fileno())
            if new_file:
                _fsync_folder(self.path.parent)
            self.events.append(stored)
            return stored


def _valid(event: Any) -> bool:
    return (
        isinstance(event, dict)
        and isinstance(event.get("seq"), int)
        and event.get("action") in ACTIONS
        and isinstance(event.get("source"), str)
    )


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
