"""Expanding the user's inputs (files, folders, globs) into a list of document paths."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".pdf", ".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".tif", ".tiff", ".webp", ".bmp", ".gif"}
)
"""File name endings (lower case) picked up when a folder or glob is expanded."""

_GLOB_CHARS = frozenset("*?[")


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def _walk(folder: Path, recursive: bool) -> list[Path]:
    """Supported files under `folder`, sorted, skipping hidden files and folders."""
    candidates = folder.rglob("*") if recursive else folder.iterdir()
    found = []
    for path in candidates:
        hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
        if not hidden and path.is_file() and is_supported(path):
            found.append(path)
    return sorted(found)


def _expand(text: str, recursive: bool) -> Iterable[Path]:
    path = Path(text).expanduser()
    if path.is_dir():
        return _walk(path, recursive)
    if path.exists() or not _GLOB_CHARS & set(text):
        return [path]  # an existing file whatever its name (content decides), or a missing path
    matches = sorted(Path(m) for m in glob.glob(os.path.expanduser(text), recursive=recursive))
    found: list[Path] = []
    for match in matches:
        found.extend(_walk(match, recursive) if match.is_dir() else [match] if is_supported(match) else [])
    return found if matches else [path]


def iter_sources(inputs: Sequence[str | os.PathLike[str]], *, recursive: bool = True) -> list[Path]:
    """Files named by `inputs`, in order and without repeats.

    A file is kept whatever its suffix (its content decides how it is read). A folder gives its files with
    a supported suffix (`SUPPORTED_SUFFIXES`), sorted, descending into sub-folders when `recursive`
    (hidden files and folders are skipped). A glob gives its matches the same way (`**` works when
    `recursive`). A path that does not exist, or a glob that matches nothing, is kept as it is, so the
    caller tries it and reports the failure for that input rather than dropping it silently.
    """
    out: dict[Path, None] = {}
    for raw in inputs:
        for path in _expand(os.fspath(raw), recursive):
            out.setdefault(path, None)
    return list(out)
