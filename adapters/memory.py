"""Giving freed memory back to the operating system between pages.

ONNX Runtime and NumPy allocate and free hundreds of megabytes while a page is read. glibc's allocator keeps
what is freed inside its heaps (its mmap threshold rises after the first large free, so later large buffers land
in the heap too), and a worker's resident memory then stays at the sum of every stage's peak rather than the
largest one. `release_heap()` hands the free pages back (`malloc_trim(0)`, every arena); elsewhere it does nothing.

`map_large_blocks()` fixes the threshold instead (4 MB): every block that large gets a mapping of its own, handed
back the moment it is freed, so a long run's heap does not grow with the large buffers of the pages it has read
(over the 178 pages of `benchmarks/bench_length.py`, the peak of the late large pages was 1165-1205 MB without
it and 1015-1021 MB with it, for about 2 % more OCR time). A threshold the user set (`MALLOC_MMAP_THRESHOLD_`)
is kept.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
from typing import Any

LARGE_BLOCK = 4 * 1024 * 1024
"""Bytes from which glibc gives a block a mapping of its own (`map_large_blocks`)."""
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)


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


@functools.cache
def map_large_blocks(threshold: int = LARGE_BLOCK) -> bool:
    """Have glibc map every block of `threshold` bytes or more on its own, returned to the OS when freed (once per
    process); True when set, False off glibc or when the user set `MALLOC_MMAP_THRESHOLD_`."""
    libc = _libc()
    if libc is None or os.environ.get("MALLOC_MMAP_THRESHOLD_") or not hasattr(libc, "mallopt"):
        return False
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, threshold))


def release_heap() -> bool:
    """Return the allocator's free memory to the OS; True when it could (glibc), False elsewhere."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
