"""Page progress of long documents: workers tell the pages they read, the batch shows a bar per long document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from ocula.adapters.io.document import Document, Page
from ocula.pipelines.batch.extract import _reporting
from ocula.pipelines.batch.progress import PAGE_BAR_MIN_PAGES, BatchProgress
from ocula.pipelines.batch.records import Record
from ocula.pipelines.batch.schedule import schedule
from ocula.pipelines.batch.workers import Task
from ocula.schemas import Extraction, ModelInfo


class Doc(BaseModel):
    name: str


class PagedExtract:
    """A document is a file holding its page count; `read` tells each page as it reaches it, then the end."""

    def read(self, path: Path, on_page: Any = None) -> tuple[str, int]:
        pages = int(path.read_text())
        for done in range(pages):
            if on_page is not None:
                on_page(done, pages)
        if on_page is not None:
            on_page(pages, pages)
        return path.name, pages

    def decode(self, read: tuple[str, int], schema: type[BaseModel]) -> Extraction:
        return Extraction[schema](value=schema(name=read[0]), model=ModelInfo(name="fake", backend="test"))  # type: ignore[valid-type]


def test_the_pages_a_worker_reads_reach_the_parent(tmp_path: Path) -> None:
    todo = []
    for index, pages in enumerate((7, 2)):
        path = tmp_path / f"doc{index}.pdf"
        path.write_text(str(pages))
        todo.append(Task(index, str(path), str(path), f"key{index}", path.stem))
    seen: list[tuple[int, int, int]] = []
    records: list[Record] = []
    schedule(
        todo,
        records.append,
        PagedExtract(),
        Doc,
        workers=1,
        timeout=None,
        overlay_dir=None,
        prefetch=False,
        on_page=lambda task, done, total: seen.append((task.index, done, total)),
    )
    assert [r["status"] for r in records] == ["ok", "ok"]
    assert seen == [(0, n, 7) for n in range(8)] + [(1, n, 2) for n in range(3)]


def test_a_long_document_gets_a_page_bar_until_its_record(capsys: pytest.CaptureFixture[str]) -> None:
    bar = BatchProgress(total=2, initial=0, enabled=True)
    long = Task(0, "scan.pdf", "in/scan.pdf", "k-long", "scan")
    short = Task(1, "two.pdf", "in/two.pdf", "k-short", "two")
    bar.page(short, 1, PAGE_BAR_MIN_PAGES - 1)
    assert not bar.pages  # a short document: the documents bar is enough
    for done in range(0, 301, 100):
        bar.page(long, done, 300)
    assert list(bar.pages) == ["k-long"] and bar.pages["k-long"].n == 300
    bar.finish("k-long")
    bar.update(failed=0)
    assert not bar.pages
    bar.close()
    err = capsys.readouterr().err
    assert "scan.pdf" in err and "200/300" in err and "page" in err


def test_a_disabled_bar_ignores_pages() -> None:
    bar = BatchProgress(total=1, initial=0, enabled=False)
    bar.page(Task(0, "a", "a", "k", "a"), 3, 300)
    bar.finish("k")
    bar.close()
    assert not bar.pages


def test_each_part_of_a_document_tells_its_place_in_the_whole() -> None:
    def load(i: int) -> Page:
        return Page(i, None)  # type: ignore[arg-type]

    whole = Document("doc.pdf", [2, 4, 6], load)
    told: list[tuple[int, int]] = []
    part = _reporting(Document("doc.pdf", [4], load), whole, lambda done, total: told.append((done, total)))
    assert [p.index for p in part.pages()] == [4] and told == [(1, 3)]
    assert _reporting(whole, whole, None) is whole
