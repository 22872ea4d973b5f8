"""`ocula render`: every page of every input to a PNG, one line per document, one line per failure."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import cv2
import numpy as np
import typer

from ocula.adapters.io import Document, iter_sources, load_document
from ocula.cli import PAGES_HELP, app, check_pages
from ocula.errors import OculaError


def _write_png(path: Path, rgb: np.ndarray) -> None:
    if not cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
        raise OSError(f"cannot write {path}")


def _stem(source: Path, used: set[str]) -> str:
    """The input's file stem, with -2, -3, ... when an earlier input of this run had the same stem."""
    stem, n = source.stem, 1
    while stem in used:
        n += 1
        stem = f"{source.stem}-{n}"
    used.add(stem)
    return stem


def _render(document: Document, out: Path, stem: str) -> int:
    written = 0
    for page in document.pages():
        _write_png(out / f"{stem}-p{page.index + 1}.png", page.image)
        written += 1
    return written


@app.command()
def render(
    inputs: Annotated[
        list[str], typer.Argument(help="Files, folders or globs: PDFs and images (JPEG, PNG, TIFF, ...).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for <stem>-p<N>.png (N from 1).")],
    dpi: Annotated[int, typer.Option(min=1, max=2400, help="Resolution for PDF pages.")] = 150,
    pages: Annotated[str | None, typer.Option(callback=check_pages, help=PAGES_HELP)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """Render every page of every input to a PNG.

    Goes on past a bad input, printing `error: <source>: <reason>` for it; exits 1 if any input failed.
    Inputs sharing a file stem get -2, -3, ... after the stem.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        typer.echo(f"error: {out}: cannot create the output folder ({err.strerror or err})", err=True)
        raise typer.Exit(1) from None
    sources = iter_sources(inputs)
    if not sources:
        typer.echo("error: no supported files found in the inputs", err=True)
        raise typer.Exit(1)
    failed, used = 0, set[str]()
    for source in sources:
        written = 0
        try:
            document = load_document(source, dpi=dpi, pages=pages)
            written = _render(document, out, _stem(source, used))
        except OculaError as err:
            failed += 1
            typer.echo(f"error: {err}", err=True)
        except OSError as err:  # writing the PNG
            failed += 1
            typer.echo(f"error: {source}: {err}", err=True)
        except Exception as err:  # a batch goes on; the line names what broke
            failed += 1
            typer.echo(f"error: {source}: unexpected {type(err).__name__}: {err}", err=True)
        else:
            if not quiet:
                typer.echo(f"{source}: {written} page{'s' if written != 1 else ''} -> {out}")
    if failed:
        raise typer.Exit(1)
