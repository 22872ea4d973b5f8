"""A worker process that ends when its parent does, even in the middle of a document.

Two mechanisms, both set up by `die_with_parent` as the first thing a worker does:

- Linux: `prctl(PR_SET_PDEATHSIG, SIGKILL)`, through ctypes. The kernel kills the worker the moment its parent
  dies, whatever the worker is doing (inside llama.cpp, ONNX Runtime or a PDF render). A parent that died
  before the call is caught by comparing `os.getppid()` with the parent multiprocessing recorded.
- Everywhere: a daemon thread waits on the parent's sentinel (`multiprocessing.parent_process()`: a pipe on
  POSIX, a process handle on Windows) and ends the process with `os._exit` when it fires, so a worker on a
  system without `prctl` stops within a moment of its parent too (as soon as the thread gets the interpreter).

With every worker gone, the multiprocessing resource tracker the parent started sees the last end of its pipe
close and exits by itself: a killed batch leaves no process behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
from multiprocessing.connection import wait

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
ORPHAN_EXIT_CODE = 70  # what a worker exits with when it finds its parent gone


def set_death_signal(sig: int = signal.SIGKILL if hasattr(signal, "SIGKILL") else 9) -> bool:
    """Ask the Linux kernel to send `sig` to this process when its parent dies; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _orphaned(parent_pid: int) -> bool:
    """Whether the parent that started this process is gone (POSIX: this process was handed to another)."""
    return os.name == "posix" and os.getppid() != parent_pid


def _watch(sentinel: object) -> None:
    with contextlib.suppress(OSError, ValueError):
        wait([sentinel])  # type: ignore[list-item]
    os._exit(ORPHAN_EXIT_CODE)


def die_with_parent() -> None:
    """Make this multiprocessing child end as soon as its parent does (no-op in a process that is not one)."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.pid is None:
        return
    set_death_signal()
    if _orphaned(parent.pid):  # the parent died before the death signal was armed
        os._exit(ORPHAN_EXIT_CODE)
    sentinel = parent.sentinel
    if sentinel is not None:
        threading.Thread(target=_watch, args=(sentinel,), name="ocula-parent-watch", daemon=True).start()
