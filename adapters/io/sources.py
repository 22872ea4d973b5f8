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


def _entry(path: Path) -> bool:
    """A file, or a link to nothing (kept, so its failure is reported rather than silently dropped)."""
    return path.is_file() or (path.is_symlink() and not path.exists())


def _walk(folder: Path, recursive: bool) -> list[Path]:
    """Supported files under `folder` (broken links with a supported name too), sorted, skipping hidden files
    and folders. A folder that cannot be listed is kept as an entry of its own, so it is reported."""
    found: list[Path] = []
    unreadable: list[Path] = []
    for root, dirs, files in os.walk(folder, onerror=lambda err: unreadable.append(Path(err.filename))):
        base = Path(root)
        dirs[:] = [d for d in dirs if not d.startswith(".")] if recursive else []
        for name in files:  # broken links are among the files
            path = base / name
            if not name.startswith(".") and is_supported(path) and _entry(path):
                found.append(path)
    return sorted(found) + sorted(unreadable)


def _expand(text: str, recursive: bool) -> Iterable[Path]:
    path = Path(text).expanduser()
    if path.is_dir():
        return _walk(path, recursive)
    if path.exists() or path.is_symlink() or not _GLOB_CHARS & set(text):
        return [path]  # an existing file whatever its name (content decides), a broken link, or a missing path
    matches = sorted(Path(m) for m in glob.glob(os.path.expanduser(text), recursive=recursive))
    found: list[Path] = []
    for match in matches:
        found.extend(_walk(match, recursive) if match.is_dir() else [match] if is_supported(match) else [])
    found = [p for p in found if p.is_dir() or _entry(p)]  # a glob of files: no FIFOs, sockets, devices
    return found if matches else [path]


def iter_sources(inputs: Sequence[str | os.PathLike[str]], *, recursive: bool = True) -> list[Path]:
    """Files named by `inputs`, in order and without repeats.

    A file is kept whatever its suffix (its content decides how it is read). A folder gives its files with
    a supported suffix (`SUPPORTED_SUFFIXES`), sorted, descending into sub-folders when `recursive`
    (hidden files and folders are skipped). A glob gives its matches the same way (`**` works when
    `recursive`). A path that does not exist, or a glob that matches nothing, is kept as it is, so the
    caller tries it and reports the failure for that input rather than dropping it silently; so is a broken
    link and a folder that cannot be listed. One file named twice (a relative and an absolute path, a link
    and its target) is kept once, under the first name given: the key is the resolved path.
    """
    out: dict[str, Path] = {}
    for raw in inputs:
        for path in _expand(os.fspath(raw), recursive):
            out.setdefault(os.path.realpath(path), path)
    return list(out.values())
