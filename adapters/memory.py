"""Giving freed memory back to the operating system between pages.

ONNX Runtime and NumPy allocate and free hundreds of megabytes while a page is read. glibc's allocator keeps
what is freed inside its heaps (its mmap threshold rises after the first large free, so later large buffers land
in the heap too), and a worker's resident memory then stays at the sum of every stage's peak rather than the
largest one. `release_heap()` hands the free pages back (`malloc_trim(0)`, every arena); elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any


@functools.cache
def _libc() -> Any:
    """glibc when this process runs on it (it has `malloc_trim`), else None."""
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    trim = getattr(libc, "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return libc


def release_heap() -> bool:
    """Return the allocator's free memory to the OS; True when it could (glibc), False elsewhere."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
