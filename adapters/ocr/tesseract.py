"""Tesseract through its command-line TSV output: words with boxes and confidences, grouped into lines."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from dataclasses import dataclass
from itertools import pairwise

import cv2
import numpy as np

from ocula.adapters.ocr.base import as_rgb
from ocula.schemas import BBox, Line, ModelError, OCRPage, Word, union_all

_INSTALL_HINT = "install it (Debian: apt-get install tesseract-ocr tesseract-ocr-eng) or pass cmd=..."


@dataclass(frozen=True)
class TsvWord:
    """One word row of tesseract's TSV (level 5)."""

    block: int
    par: int
    line: int
    left: int
    top: int
    width: int
    height: int
    conf: float
    text: str


def parse_tsv(tsv: str) -> list[TsvWord]:
    """The non-empty word rows of tesseract's `tsv` output, in the order tesseract wrote them."""
    rows = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    words: list[TsvWord] = []
    for row in rows:
        if row.get("level") != "5":
            continue
        text = (row.get("text") or "").strip()
        if not text:
            continue
        words.append(
            TsvWord(
                block=int(row["block_num"]),
                par=int(row["par_num"]),
                line=int(row["line_num"]),
                left=int(row["left"]),
                top=int(row["top"]),
                width=int(row["width"]),
                height=int(row["height"]),
                conf=float(row["conf"]),
                text=text,
            )
        )
    return words


def _split_at_gaps(group: list[TsvWord], gap_ratio: float | None) -> list[list[TsvWord]]:
    """Cut a line where the space between two words exceeds `gap_ratio` x the median word height."""
    if gap_ratio is None or len(group) < 2:
        return [group]
    heights = sorted(w.height for w in group)
    limit = gap_ratio * heights[len(heights) // 2]
    segments = [[group[0]]]
    for prev, word in pairwise(group):
        if word.left - (prev.left + prev.width) > limit:
            segments.append([])
        segments[-1].append(word)
    return segments


def words_to_lines(words: list[TsvWord], page: int = 0, split_gap: float | None = None) -> list[Line]:
    """Group words by (block, paragraph, line) into lines; confidences become 0-1 (tesseract gives 0-100).

    `split_gap` cuts a line into segments at spaces wider than that many word heights (tesseract joins a
    receipt's label and its far-right amount into one line; other engines report them apart).
    """
    groups: dict[tuple[int, int, int], list[TsvWord]] = {}
    for w in words:
        groups.setdefault((w.block, w.par, w.line), []).append(w)
    segments = [
        seg for group in groups.values() for seg in _split_at_gaps(sorted(group, key=lambda w: w.left), split_gap)
    ]
    lines: list[Line] = []
    for group in segments:
        out_words = [
            Word(
                text=w.text,
                box=BBox.from_xywh(w.left, w.top, w.width, w.height, page=page),
                confidence=max(w.conf, 0.0) / 100.0,
            )
            for w in group
        ]
        box = union_all(w.box for w in out_words)
        confs = [w.confidence for w in out_words if w.confidence is not None]
        lines.append(
            Line(
                text=" ".join(w.text for w in out_words),
                box=box,
                confidence=sum(confs) / len(confs) if confs else None,
                words=out_words,
                polygon=[(box.x0, box.y0), (box.x1, box.y0), (box.x1, box.y1), (box.x0, box.y1)],
            )
        )
    return lines


class TesseractEngine:
    """Tesseract run as a subprocess, one call per page.

    The process gets `OMP_THREAD_LIMIT=1` in its own environment only: with OpenMP threads on a small
    machine tesseract runs many times slower, and capping the Python process would cap other libraries.

    Options: lang ("eng", "eng+deu"), psm (page segmentation mode; 3 automatic, 4 one column of varying
    sizes, 6 one block, 11 sparse text), oem, split_gap (cut lines at spaces wider than this many word
    heights, None: keep tesseract's lines; 1.5 took SROIE line recall from 0.26 to 0.76 on 12 receipts),
    cmd (path of the binary), timeout (seconds per page), extra_args (passed through, e.g.
    ["-c", "preserve_interword_spaces=1"]).
    """

    name = "tesseract"

    def __init__(
        self,
        *,
        lang: str = "eng",
        psm: int = 3,
        oem: int | None = None,
        split_gap: float | None = 1.5,
        cmd: str = "tesseract",
        timeout: float = 120.0,
        extra_args: list[str] | None = None,
    ) -> None:
        self.lang = lang
        self.psm = psm
        self.oem = oem
        self.split_gap = split_gap
        self.cmd = cmd
        self.timeout = timeout
        self.extra_args = list(extra_args or [])
        self._binary: str | None = None

    @staticmethod
    def find_binary(cmd: str = "tesseract") -> str | None:
        return shutil.which(cmd)

    def _load(self) -> str:
        if self._binary is None:
            binary = self.find_binary(self.cmd)
            if binary is None:
                raise ModelError(f"tesseract binary {self.cmd!r} not found: {_INSTALL_HINT}")
            self._binary = binary
        return self._binary

    def _args(self, binary: str) -> list[str]:
        args = [binary, "stdin", "stdout", "-l", self.lang, "--psm", str(self.psm)]
        if self.oem is not None:
            args += ["--oem", str(self.oem)]
        return [*args, *self.extra_args, "tsv"]

    def read(self, image: np.ndarray, page: int = 0) -> OCRPage:
        rgb = as_rgb(image)
        binary = self._load()
        ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        if not ok:
            raise ModelError("could not encode the page for tesseract")
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            proc = subprocess.run(
                self._args(binary), input=png.tobytes(), capture_output=True, env=env, timeout=self.timeout
            )
        except subprocess.TimeoutExpired as err:
            raise ModelError(f"tesseract took longer than {self.timeout:g} s on page {page}") from err
        except OSError as err:
            raise ModelError(f"tesseract could not be run: {err}") from err
        if proc.returncode != 0:
            reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ModelError(f"tesseract failed (exit {proc.returncode}): {' '.join(reason[-3:])}")
        height, width = rgb.shape[:2]
        lines = words_to_lines(parse_tsv(proc.stdout.decode("utf-8", "replace")), page, self.split_gap)
        return OCRPage(page=page, width=width, height=height, lines=lines, engine=self.name)
