"""`ocula render`: pages to PNGs, one line per document, one line per failed input, exit codes."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import Result
from PIL import Image
from typer.testing import CliRunner

import ocula.cli.render  # noqa: F401  (registers the command)
from ocula.cli import app

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """A 2-page PDF, a PNG, a text file named like a JPEG and a truncated PNG."""
    folder = tmp_path / "in"
    folder.mkdir()
    pages = [Image.new("RGB", (100, 50), c) for c in (RED, GREEN)]
    pages[0].save(folder / "report.pdf", "PDF", resolution=72, save_all=True, append_images=pages[1:])
    Image.new("RGB", (30, 20), BLUE).save(folder / "photo.png")
    (folder / "notes.jpg").write_text("not a picture")
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(folder / "cut.png")
    data = (folder / "cut.png").read_bytes()
    (folder / "cut.png").write_bytes(data[: len(data) // 2])
    return folder


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["render", *args])


def test_mixed_inputs_render_the_good_and_report_the_bad(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(
        str(inputs / "report.pdf"),
        str(inputs / "notes.jpg"),
        str(inputs / "photo.png"),
        str(inputs / "missing.pdf"),
        str(inputs / "cut.png"),
        "--out",
        str(out),
        "--dpi",
        "72",
    )
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["photo-p1.png", "report-p1.png", "report-p2.png"]
    errors = result.stderr.splitlines()
    assert len(errors) == 3 and all(line.startswith("error: ") for line in errors)
    assert f"error: {inputs / 'notes.jpg'}: not an image or PDF" in errors[0]
    assert errors[1] == f"error: {inputs / 'missing.pdf'}: no such file"
    assert "truncated or corrupt" in errors[2]
    assert result.stdout.splitlines() == [
        f"{inputs / 'report.pdf'}: 2 pages -> {out}",
        f"{inputs / 'photo.png'}: 1 page -> {out}",
    ]
    assert "Traceback" not in result.output


def test_written_pngs_hold_the_page_pixels(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(str(inputs / "report.pdf"), str(inputs / "photo.png"), "--out", str(out), "--dpi", "144")
    assert result.exit_code == 0, result.output
    page2 = cv2.cvtColor(cv2.imread(str(out / "report-p2.png")), cv2.COLOR_BGR2RGB)
    assert page2.shape == (100, 200, 3)  # 100 x 50 pt at 144 dpi
    assert np.abs(page2[50, 100].astype(int) - GREEN).max() < 8
    photo = cv2.cvtColor(cv2.imread(str(out / "photo-p1.png")), cv2.COLOR_BGR2RGB)
    assert photo.shape == (20, 30, 3) and tuple(photo[0, 0]) == BLUE


def test_pages_option_and_quiet(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(str(inputs / "report.pdf"), "--out", str(out), "--dpi", "36", "--pages", "2", "--quiet")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert [p.name for p in out.iterdir()] == ["report-p2.png"]


def test_page_out_of_range_fails_that_input_only(inputs: Path, tmp_path: Path) -> None:
    result = run(str(inputs / "report.pdf"), str(inputs / "photo.png"), "--out", str(tmp_path / "o"), "--pages", "2")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {inputs / 'photo.png'}: pages '2' out of range: the document has 1 page (1-1)"
    ]
    assert (tmp_path / "o" / "report-p2.png").exists()


def test_a_folder_is_expanded(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(str(inputs), "--out", str(out), "--dpi", "36")
    assert result.exit_code == 1  # notes.jpg and cut.png are in the folder
    assert len(result.stderr.splitlines()) == 2
    assert {p.name for p in out.iterdir()} == {"photo-p1.png", "report-p1.png", "report-p2.png"}


def test_inputs_sharing_a_stem_do_not_overwrite_each_other(inputs: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    Image.new("RGB", (5, 5), RED).save(other / "photo.png")
    out = tmp_path / "out"
    assert run(str(inputs / "photo.png"), str(other / "photo.png"), "--out", str(out)).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["photo-2-p1.png", "photo-p1.png"]


@pytest.mark.parametrize(
    "args",
    [
        ["x.pdf"],  # --out is required
        ["x.pdf", "--out", "o", "--pages", "3-1"],
        ["x.pdf", "--out", "o", "--pages", "a"],
        ["x.pdf", "--out", "o", "--dpi", "0"],
        ["--out", "o"],  # no input
    ],
)
def test_usage_errors_exit_2(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2
    assert not (tmp_path / "o").exists()
