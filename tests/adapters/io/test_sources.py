"""Every input entry is kept exactly once: broken links and unlistable folders are entries (reported, not
dropped); one file named twice is one entry (its resolved path is the key)."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest

from ocula.adapters.io import iter_sources, load_document
from ocula.schemas.errors import InputError


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x00" * 3 * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_a_broken_link_in_a_folder_is_an_entry_with_its_own_error(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(_png(4, 4))
    (tmp_path / "gone.png").symlink_to(tmp_path / "nowhere.png")
    assert iter_sources([tmp_path]) == [tmp_path / "a.png", tmp_path / "gone.png"]
    with pytest.raises(InputError, match=r"broken link \(to .*nowhere.png, which does not exist\)"):
        load_document(tmp_path / "gone.png")


def test_a_broken_link_named_directly_is_kept() -> None:
    assert iter_sources(["/nonexistent/x.png"]) == [Path("/nonexistent/x.png")]


def test_one_file_named_twice_is_one_entry_under_the_first_name(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "a.png").write_bytes(_png(4, 4))
    (tmp_path / "b.png").write_bytes(_png(4, 4))  # same bytes, another file: its own entry
    (tmp_path / "link.png").symlink_to(tmp_path / "a.png")
    monkeypatch.chdir(tmp_path)
    found = iter_sources(["a.png", str(tmp_path / "a.png"), tmp_path, "./a.png"])
    assert found == [Path("a.png"), tmp_path / "b.png"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can list a folder whatever its permissions")
def test_a_folder_that_cannot_be_listed_is_an_entry(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(_png(4, 4))
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        assert iter_sources([tmp_path]) == [tmp_path / "a.png", locked]
        with pytest.raises(InputError, match="a folder that cannot be listed"):
            load_document(locked)
    finally:
        locked.chmod(0o755)


def test_a_png_of_zero_width_is_an_empty_image_not_an_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "zero.png"
    path.write_bytes(_png(0, 5))
    with pytest.raises(InputError, match="empty image: the PNG header says 0x5 pixels"):
        load_document(path)
    with pytest.raises(InputError, match="empty image"):
        load_document(_png(7, 0))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 30)  # a PNG signature, then nothing readable
    with pytest.raises(InputError, match="invalid PNG image"):
        load_document(path)
