"""A bad-input corpus, generated in a temporary folder, through the CLI (`render`, `ocr`, `extract`) and the API.

Every entry gets exactly one outcome, the one written next to it: an error line with its exact reason, or its
pages. The same corpus is one mixed folder for the CLI: files of other suffixes and hidden files are not
entries, a broken link and a file named twice are, each once.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result
from PIL import Image
from typer.testing import CliRunner

import ocula
import ocula.cli.extract
import ocula.cli.ocr
import ocula.cli.render  # (the imports register the commands)
from ocula.cli import app
from ocula.schemas.errors import InputError
from tests.adapters.io.test_loading import encrypted_pdf, png_with_size

SIZE = (64, 48)  # width, height of the generated images: small, so OCR stays quick


def _image(mode: str = "RGB", size: tuple[int, int] = SIZE) -> Image.Image:
    colour = {"RGB": (250, 250, 250), "RGBA": (250, 250, 250, 128), "CMYK": (0, 0, 0, 5)}.get(mode, 200)
    return Image.new(mode, size, colour)


def _bytes(img: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def _exif_rotated() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90 degrees clockwise to view
    return _bytes(_image(), "JPEG", exif=exif)


def _tiff(pages: int) -> bytes:
    frames = [_image() for _ in range(pages)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    return buf.getvalue()


def _pdf(pages: int) -> bytes:
    frames = [_image(size=(100, 50)) for _ in range(pages)]
    buf = io.BytesIO()
    frames[0].save(buf, "PDF", resolution=72, save_all=True, append_images=frames[1:])
    return buf.getvalue()


def _no_pages_pdf() -> bytes:
    """A well-formed PDF whose page tree holds no page."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 3\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


@dataclass(frozen=True)
class Case:
    name: str  # path inside the corpus folder
    make: Callable[[], bytes] | None  # None: a link to nothing
    error: str | None = None  # the reason, as a regular expression matched whole; None: it reads
    pages: int = 1
    size: tuple[int, int] = SIZE  # width, height of its first page


CASES = [
    Case("zero_bytes.png", lambda: b"", "empty file \\(0 bytes\\)"),
    Case("truncated.jpg", lambda: _bytes(_image(), "JPEG")[:200], "truncated or corrupt image \\(.+\\)"),
    Case("truncated.png", lambda: _bytes(_image(), "PNG")[:60], "truncated or corrupt image \\(.+\\)"),
    Case("text.jpg", lambda: b"this is not a photo\n" * 20, "not an image or PDF \\(unknown format\\)"),
    Case("encrypted.pdf", lambda: encrypted_pdf(b"secret"), "encrypted PDF: it needs a password to open"),
    Case("corrupt.pdf", lambda: b"%PDF-1.4\n" + b"\x00garbage" * 40, "corrupt or unreadable PDF \\(.+\\)"),
    Case("no_pages.pdf", _no_pages_pdf, "PDF has no pages"),
    Case("bomb.png", lambda: png_with_size(40000, 40000), "image .*exceeds the limit.*decompression bomb.*"),
    Case("zero_width.png", lambda: _png_header_only(0, 5), "empty image: the PNG header says 0x5 pixels"),
    Case("broken_link.png", None, "broken link \\(to .*nowhere\\.png, which does not exist\\)"),
    Case("cmyk.jpg", lambda: _bytes(_image("CMYK"), "JPEG")),
    Case("deep16.png", lambda: _bytes(_image("I;16"), "PNG")),
    Case("rgba.png", lambda: _bytes(_image("RGBA"), "PNG")),
    Case("palette.gif", lambda: _bytes(_image("P"), "GIF")),
    Case("three_pages.tiff", lambda: _tiff(3), pages=3),
    Case("exif_rotated.jpg", _exif_rotated, size=(SIZE[1], SIZE[0])),
    Case("ünïcödé 目录/résumé 日本.png", lambda: _bytes(_image(), "PNG")),
    Case("one_pixel.png", lambda: _bytes(_image(size=(1, 1)), "PNG"), size=(1, 1)),
    Case("two_pages.pdf", lambda: _pdf(2), pages=2, size=(100, 50)),
]
NOT_ENTRIES = ("notes.txt", ".hidden.png", "schema_with_syntax_error.py")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for case in CASES:
        path = folder / case.name
        path.parent.mkdir(parents=True, exist_ok=True)
        if case.make is None:
            path.symlink_to(folder / "nowhere.png")
        else:
            path.write_bytes(case.make())
    (folder / "notes.txt").write_text("a mixed folder: not a document suffix")
    (folder / ".hidden.png").write_bytes(_bytes(_image(), "PNG"))
    (folder / "schema_with_syntax_error.py").write_text("class Broken(BaseModel)\n    x: int\n")
    return folder


def _reason(case: Case, line: str) -> None:
    assert case.error is not None
    assert re.fullmatch(case.error, line), f"{case.name}: {line!r} does not match {case.error!r}"


def _one_line_per_entry(corpus: Path, lines: list[str]) -> dict[str, str]:
    """Each entry's one line (the text after its path); fails on a missing, repeated or stray line."""
    by_case: dict[str, str] = {}
    for line in lines:
        hits = [c.name for c in CASES if f"{corpus / c.name}: " in line]
        assert len(hits) == 1, f"a line for {len(hits)} entries: {line!r}"
        assert hits[0] not in by_case, f"two lines for {hits[0]}"
        by_case[hits[0]] = line.split(f"{corpus / hits[0]}: ", 1)[1]
    assert sorted(by_case) == sorted(c.name for c in CASES)
    return by_case


# the API ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_api_outcome(corpus: Path, case: Case) -> None:
    path = corpus / case.name
    if case.error is not None:
        with pytest.raises(InputError) as err:
            ocula.ocr(path, dpi=72)
        assert err.value.source == str(path)
        _reason(case, err.value.reason)
        return
    pages = ocula.ocr(path, dpi=72)  # a PDF page of 100 x 50 points is 100 x 50 pixels
    assert len(pages) == case.pages
    assert (pages[0].width, pages[0].height) == case.size
    assert pages[0].lines == []  # plain pages: nothing to read, nothing made up


# the CLI ------------------------------------------------------------------------------------------------
def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_render_gives_one_line_per_entry(corpus: Path, tmp_path: Path) -> None:
    result = run("render", str(corpus), "--out", str(tmp_path), "--dpi", "72")
    assert result.exit_code == 1
    lines = result.stdout.splitlines() + result.stderr.splitlines()
    by_case = _one_line_per_entry(corpus, [ln for ln in lines if ln])
    for case in CASES:
        if case.error is not None:
            _reason(case, by_case[case.name])
            assert f"error: {corpus / case.name}: " in result.stderr
        else:
            assert by_case[case.name] == f"{case.pages} page{'s' if case.pages > 1 else ''} -> {tmp_path}"
    written = sorted(p.name for p in tmp_path.glob("*.png"))
    assert len(written) == sum(c.pages for c in CASES if c.error is None)
    assert "three_pages-p3.png" in written and "résumé 日本-p1.png" in written
    with Image.open(tmp_path / "exif_rotated-p1.png") as img:
        assert img.size == (SIZE[1], SIZE[0])  # upright, as the EXIF tag says


def test_ocr_gives_one_record_or_one_error_per_entry(corpus: Path) -> None:
    result = run("ocr", str(corpus), "--quiet", "--orientation", "0")
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    errors = [ln for ln in result.stderr.splitlines() if ln]
    assert len(records) + len(errors) == len(CASES)
    by_case = _one_line_per_entry(corpus, errors + [f"{r['source']}: ok" for r in records])
    for case in CASES:
        if case.error is not None:
            _reason(case, by_case[case.name])
    pages = {Path(r["source"]).relative_to(corpus).as_posix(): r["pages"] for r in records}
    assert {name: len(p) for name, p in pages.items()} == {c.name: c.pages for c in CASES if c.error is None}


@pytest.mark.parametrize("command", ["render", "ocr"])
def test_one_file_named_twice_is_one_entry(corpus: Path, tmp_path: Path, command: str, monkeypatch) -> None:
    monkeypatch.chdir(corpus)
    extra = ["--out", str(tmp_path)] if command == "render" else ["--quiet", "--orientation", "0"]
    result = run(command, "one_pixel.png", str(corpus / "one_pixel.png"), "./one_pixel.png", *extra)
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 1 and "one_pixel.png" in result.stdout


def test_extract_gives_one_record_per_entry(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    """Blank and tiny pages through the whole pipeline: no invented value, one record each; bad entries one
    error record each; the summary's counts add up to the entries."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("one_pixel.png", "zero_width.png", "text.jpg", "two_pages.pdf"):
        (folder / name).write_bytes((corpus / name).read_bytes())
    (folder / "broken_link.png").symlink_to(tmp_path / "nowhere.png")
    Image.fromarray(np.full((120, 200, 3), 255, dtype=np.uint8)).save(folder / "blank.png")
    out = tmp_path / "out.jsonl"
    monkeypatch.chdir(folder)
    result = run("extract", str(folder), "one_pixel.png", "--schema", "sroie", "--out", str(out), "--orientation", "0")
    assert result.exit_code == 1  # partial and error records are failures of the batch
    records = {Path(r["source"]).name: r for r in map(json.loads, out.read_text().splitlines())}
    assert sorted(records) == sorted(["one_pixel.png", "zero_width.png", "text.jpg", "two_pages.pdf",
                                      "broken_link.png", "blank.png"])  # fmt: skip
    for name in ("one_pixel.png", "blank.png", "two_pages.pdf"):
        record = records[name]
        assert record["status"] == "partial", record
        assert record["error"].startswith("no text found on the page; company: UngroundedField")
        assert record["value"]["company"] is None
        assert record["fields"]["company"]["mechanism"] == "not_found"
    assert records["zero_width.png"]["error"].endswith("empty image: the PNG header says 0x5 pixels")
    assert "broken link" in records["broken_link.png"]["error"]
    assert records["text.jpg"]["error"].endswith("not an image or PDF (unknown format)")
    assert "done 0, failed 6, skipped 0" in result.stderr


def test_extract_pages_reads_only_the_pages_asked(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = run("extract", str(corpus / "two_pages.pdf"), "--pages", "2", "--schema", "sroie", "--out", str(out))
    assert result.exit_code == 1  # a blank page: partial
    (record,) = map(json.loads, out.read_text().splitlines())
    page_two = ocula.load_document(corpus / "two_pages.pdf", pages="2").page(1)
    assert record["page_sizes"] == [list(page_two.size)]  # page 2 only, at the default 150 dpi
    result = run("extract", str(corpus / "two_pages.pdf"), "--pages", "3", "--schema", "sroie", "--quiet")
    assert result.exit_code == 1
    assert "pages '3' out of range: the document has 2 pages (1-2)" in result.output
