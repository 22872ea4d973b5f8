"""A batch's progress on the terminal: one bar of documents, and a bar of pages for each long document in work.

A 300-page PDF is one document: the documents bar stays at 0/1 while its pages are read, so each document of at
least `PAGE_BAR_MIN_PAGES` pages gets a bar of its own, fed by the pages its worker reaches (`schedule`'s
`on_page`), gone when the document's record is written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ocula.pipelines.batch.workers import Task

PAGE_BAR_MIN_PAGES = 5  # a document of fewer pages is read in a moment: no bar of its own


class BatchProgress:
    """Bars on stderr (tqdm) when `enabled`; every method is a no-op otherwise."""

    def __init__(self, total: int, initial: int, enabled: bool) -> None:
        self.bar: Any = None
        self.pages: dict[str, Any] = {}  # document key -> its page bar
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=initial, unit="doc", file=sys.stderr, dynamic_ncols=True)

    def update(self, failed: int) -> None:
        """One more document done; `failed` of them so far failed."""
        if self.bar is not None:
            self.bar.set_postfix(failed=failed, refresh=False)
            self.bar.update(1)

    def page(self, task: Task, done: int, total: int) -> None:
        """`done` of the `total` pages of `task`'s document are read."""
        if self.bar is None or total < PAGE_BAR_MIN_PAGES:
            return
        bar = self.pages.get(task.key)
        if bar is None:
            from tqdm import tqdm

            name = Path(task.source).name
            bar = tqdm(total=total, unit="page", desc=name, leave=False, file=sys.stderr, dynamic_ncols=True)
            self.pages[task.key] = bar
        bar.n = min(done, total)  # a document sent to another worker starts again
        bar.refresh()

    def finish(self, key: str) -> None:
        """The document with this key has its record: its page bar goes."""
        bar = self.pages.pop(key, None)
        if bar is not None:
            bar.close()

    def close(self) -> None:
        for key in list(self.pages):
            self.finish(key)
        if self.bar is not None:
            self.bar.close()
