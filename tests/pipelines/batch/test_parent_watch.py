"""A batch whose parent is killed with SIGKILL leaves no process behind: workers and resource tracker end."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from pydantic import BaseModel

from ocula.pipelines.batch.parent_watch import set_death_signal

TESTS = Path(__file__).resolve().parent
START_DEADLINE = 240.0  # seconds for the workers to start on a loaded machine (spawn imports numpy, pydantic, ...)
EXIT_DEADLINE = 30.0  # bounded wait for the orphans to go; they normally go within a fraction of a second


class Doc(BaseModel):
    name: str


def spin_extract(path: Path, schema: type[BaseModel]) -> None:
    """Marks the document as started (a file named after the worker's pid next to it), then computes for ever:
    a worker busy in Python code, holding the interpreter lock, as a document in the middle of its work."""
    (path.parent / f"busy-{os.getpid()}").write_text("busy")
    deadline = time.monotonic() + 600
    n = 0
    while time.monotonic() < deadline:
        n = (n * 31 + 7) % 1_000_003
    raise RuntimeError("not killed")


def sleep_extract(path: Path, schema: type[BaseModel]) -> None:
    """Marks the document as started, then waits inside a C call (as in a model or OCR call)."""
    (path.parent / f"busy-{os.getpid()}").write_text("busy")
    time.sleep(600)


RUNNER = """
import sys
sys.path.insert(0, {tests!r})
import test_parent_watch as t
from ocula.pipelines.batch.runner import run_batch
run_batch(sys.argv[2:], t.Doc, sys.argv[1], extract_fn=getattr(t, {fn!r}), progress=False, workers=2)
"""


def _busy_workers(folder: Path, proc: subprocess.Popen, count: int) -> list[psutil.Process]:
    """The batch's descendants once `count` workers have started a document (polled, bounded wait)."""
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(folder.glob("busy-*"))) >= count:
            return psutil.Process(proc.pid).children(recursive=True)
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"the workers did not start a document within {START_DEADLINE:g} s (exit code {proc.poll()})")


def _running(processes: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
        except psutil.NoSuchProcess:
            pass
    return alive


def _kill_marked(marker: Path) -> None:
    """Kill the process whose pid `marker` holds, if it still runs (a failed test leaves nothing behind)."""
    if marker.exists() and marker.read_text():
        with contextlib.suppress(psutil.NoSuchProcess):
            for p in _running([psutil.Process(int(marker.read_text()))]):
                p.kill()


@pytest.mark.parametrize("fn", ["spin_extract", "sleep_extract"])
def test_sigkill_of_the_parent_leaves_no_process_behind(tmp_path: Path, fn: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    inputs = [folder / f"doc{i}.png" for i in range(4)]
    for path in inputs:
        path.write_text(path.name)
    code = RUNNER.format(tests=str(TESTS), fn=fn)
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", code, str(out), *map(str, inputs)], start_new_session=True)
    children: list[psutil.Process] = []
    try:
        children = _busy_workers(folder, proc, count=2)
        workers = {int(p.name.split("-")[1]) for p in folder.glob("busy-*")}
        assert workers <= {c.pid for c in children}  # the busy workers are the batch's own children
        assert len(children) >= 3  # two workers and the multiprocessing resource tracker
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=EXIT_DEADLINE)
        deadline = time.monotonic() + EXIT_DEADLINE
        while _running(children) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = _running(children)
        assert not survivors, [(p.pid, p.cmdline()) for p in survivors]
    finally:
        if proc.poll() is None:
            children += psutil.Process(proc.pid).children(recursive=True)
            proc.kill()
        for p in _running(children):  # a failed run leaves nothing behind either
            p.kill()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_death_signal_reaches_a_child_whose_parent_dies(tmp_path: Path) -> None:
    """A process that set the death signal is killed by the kernel when its parent dies."""
    marker = tmp_path / "child.pid"
    middle = (
        "import subprocess, sys, time\nchild = subprocess.Popen([sys.executable, '-c', sys.argv[1]])\ntime.sleep(600)\n"
    )
    child = (
        "import os, sys, time\n"
        f"sys.path.insert(0, {str(TESTS)!r})\n"
        "from ocula.pipelines.batch.parent_watch import set_death_signal\n"
        "assert set_death_signal()\n"
        f"open({str(marker)!r}, 'w').write(str(os.getpid()))\n"
        "time.sleep(600)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", middle, child], start_new_session=True)
    try:
        deadline = time.monotonic() + START_DEADLINE
        while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        grandchild = psutil.Process(int(marker.read_text()))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=EXIT_DEADLINE)
        deadline = time.monotonic() + EXIT_DEADLINE
        while _running([grandchild]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running([grandchild])
    finally:
        if proc.poll() is None:
            proc.kill()
        _kill_marked(marker)


def watched_child(marker: str) -> None:
    """A multiprocessing child relying on the watching thread alone (no death signal), then busy in Python."""
    from ocula.pipelines.batch import parent_watch

    parent_watch.set_death_signal = lambda *args: False
    parent_watch.die_with_parent()
    Path(marker).write_text(str(os.getpid()))
    n = 0
    while True:
        n = (n * 31 + 7) % 1_000_003


WATCHED = """
import multiprocessing as mp, sys, time
sys.path.insert(0, {tests!r})
import test_parent_watch as t
if __name__ == "__main__":
    p = mp.get_context("spawn").Process(target=t.watched_child, args=(sys.argv[1],))
    p.start()
    time.sleep(600)
"""


def test_the_watching_thread_alone_ends_an_orphan(tmp_path: Path) -> None:
    """Where the kernel offers no death signal, the thread watching the parent ends the process."""
    marker = tmp_path / "child.pid"
    script = tmp_path / "watched.py"
    script.write_text(WATCHED.format(tests=str(TESTS)))
    proc = subprocess.Popen([sys.executable, str(script), str(marker)], start_new_session=True)
    try:
        deadline = time.monotonic() + START_DEADLINE
        while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        child = psutil.Process(int(marker.read_text()))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=EXIT_DEADLINE)
        deadline = time.monotonic() + EXIT_DEADLINE
        while _running([child]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running([child])
    finally:
        if proc.poll() is None:
            proc.kill()
        _kill_marked(marker)


def test_death_signal_is_refused_off_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert set_death_signal() is False
