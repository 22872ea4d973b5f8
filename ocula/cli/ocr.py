"""`ocula ocr`: page text with line and word boxes for each document, as JSON Lines, text, hOCR or Markdown."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer

from ocula.adapters.io.document import Page
from ocula.adapters.ocr import DEFAULT_OCR, OCREngine, engine_names, get_engine, is_available
from ocula.cli import PAGES_HELP, app, check_pages, error_reason
from ocula.errors import OculaError
from ocula.schemas import OCRPage
from ocula.schemas.ocr_export import to_hocr, to_markdown, to_text


class OutputFormat(StrEnum):
    json = "json"
    txt = "txt"
    hocr = "hocr"
    markdown = "markdown"


SUFFIX = {OutputFormat.txt: ".txt", OutputFormat.hocr: ".hocr", OutputFormat.markdown: ".md"}


def render(fmt: OutputFormat, source: str, pages: list[OCRPage]) -> str:
    """One document's result in `fmt`: a JSON line `{"source", "pages"}` or the text of the export."""
    if fmt is OutputFormat.json:
        record = {"source": source, "pages": [p.model_dump(mode="json") for p in pages]}
        return json.dumps(record, ensure_ascii=False) + "\n"
    if fmt is OutputFormat.txt:
        return to_text(pages) + "\n"
    if fmt is OutputFormat.hocr:
        return to_hocr(pages, title=source, image=source)
    return to_markdown(pages)


def _overlay_writer(folder: Path, stem: str) -> Callable[[Page, OCRPage], None]:
    """A page callback drawing line boxes into `folder/<stem>-p<N>.png` (via `ocula.pipelines.overlay.draw`
    when present, else plain OpenCV rectangles)."""
    try:
        from ocula.pipelines.overlay import draw, save_png
    except ImportError:
        draw = save_png = None

    def write(page: Page, result: OCRPage) -> None:
        image = page.image
        path = folder / f"{stem}-p{result.page + 1}.png"
        if draw is not None and save_png is not None:
            save_png(draw(image, result), path)
            return
        import cv2

        out = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        for line in result.lines:
            x0, y0, x1, y1 = line.box.as_int()
            cv2.rectangle(out, (x0, y0), (x1, y1), (0, 0, 255), 2)
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), out)

    return write


class _Outputs:
    """Where results go: one JSONL stream, or one file per document in a folder (names kept unique)."""

    def __init__(self, fmt: OutputFormat, out: Path | None) -> None:
        self.fmt = fmt
        self.out = out
        self.used: set[str] = set()
        self.stream: TextIO | None = None
        if out is None:
            self.stream = sys.stdout
        elif fmt is OutputFormat.json:
            out.parent.mkdir(parents=True, exist_ok=True)
            self.stream = out.open("w", encoding="utf-8")
        else:
            out.mkdir(parents=True, exist_ok=True)

    def unique_stem(self, source: str) -> str:
        stem = Path(source).stem or "document"
        name, n = stem, 1
        while name in self.used:
            n += 1
            name = f"{stem}-{n}"
        self.used.add(name)
        return name

    def write(self, source: str, stem: str, pages: list[OCRPage]) -> None:
        text = render(self.fmt, source, pages)
        if self.stream is not None:
            self.stream.write(text)
            self.stream.flush()
        else:
            assert self.out is not None
            (self.out / f"{stem}{SUFFIX[self.fmt]}").write_text(text, encoding="utf-8")

    def close(self) -> None:
        if self.stream is not None and self.stream is not sys.stdout:
            self.stream.close()


def _vlm_engine(model: str | None) -> OCREngine:
    """The vlm engine on a loaded vision-language model, or exit with one error line."""
    if model is None:
        typer.echo("error: --engine vlm needs --model (a vision-language model folder or hub id)", err=True)
        raise typer.Exit(2)
    from ocula.adapters.models.registry import image_load_options
    from ocula.model_cache import load_model
    from ocula.pipelines.ocr.vlm import VlmOCREngine

    try:
        return VlmOCREngine(load_model(model, **image_load_options(model)))
    except OculaError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None


@app.command()
def ocr(
    inputs: Annotated[list[str], typer.Argument(help="Documents: files, folders or globs (images, PDFs, TIFFs).")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="json: the JSON Lines file to write; txt/hocr/markdown: a folder, one file per document. "
            "Default: standard output.",
        ),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            "-e",
            help=f"OCR engine: {', '.join(engine_names())}, two joined by '+' (rapidocr+tesseract: the second's "
            "readings as alternatives), or vlm (with --model).",
        ),
    ] = DEFAULT_OCR,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="The vision-language model of --engine vlm: folder or hub id.")
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.json,
    overlay: Annotated[
        Path | None, typer.Option("--overlay", help="Folder for PNGs of each page with its line boxes drawn.")
    ] = None,
    orientation: Annotated[
        str,
        typer.Option(
            help="How the pages lie: auto (classify each page), or 0, 90, 180, 270 degrees turned clockwise; "
            "each page is read upright, boxes stay in its own pixels."
        ),
    ] = "auto",
    deskew: Annotated[
        bool,
        typer.Option(
            "--deskew",
            help="Read a page lying a few degrees askew (up to 10) straightened; boxes stay in its own pixels.",
        ),
    ] = False,
    dpi: Annotated[int, typer.Option(min=1, max=2400, help="Resolution for PDF pages.")] = 150,
    pages: Annotated[str | None, typer.Option("--pages", callback=check_pages, help=PAGES_HELP)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Read the text of each document with line and word boxes (one JSON line per document by default)."""
    from ocula.adapters.io import iter_sources, load_document
    from ocula.pipelines.ocr.orientation import parse_orientation, with_orientation
    from ocula.pipelines.ocr.pages import ocr_working_limits, run_ocr

    try:
        turn = parse_orientation(orientation)
    except ValueError as err:
        typer.echo(f"error: --orientation: {err}", err=True)
        raise typer.Exit(2) from None

    if engine.lower() == "vlm":
        reader: OCREngine = _vlm_engine(model)
    else:
        try:
            reader = get_engine(engine)
        except OculaError as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(2) from None
    if engine.lower() != "vlm" and not is_available(engine):
        typer.echo(f"error: OCR engine {engine!r} cannot run here (its library or binary is missing)", err=True)
        raise typer.Exit(2)
    reader = with_orientation(reader, turn, deskew)
    sources = [str(s) for s in iter_sources(inputs)]
    if not sources:
        typer.echo("error: no documents found in the inputs", err=True)
        raise typer.Exit(1)
    outputs = _Outputs(fmt, out)
    failed = 0
    try:
        for n, source in enumerate(sources, start=1):
            start = time.perf_counter()
            try:
                document = load_document(source, dpi=dpi, pages=pages, **ocr_working_limits(reader))
                stem = outputs.unique_stem(source)
                on_page = _overlay_writer(overlay, stem) if overlay is not None else None
                results = run_ocr(document, reader, progress=not quiet and len(document) > 1, on_page=on_page)
                outputs.write(source, stem, results)
            except Exception as err:  # one bad document must not stop the batch
                failed += 1
                typer.echo(f"error: {source}: {error_reason(err)}", err=True)
                continue
            if not quiet:
                n_lines = sum(len(p.lines) for p in results)
                typer.echo(
                    f"ocr [{n}/{len(sources)}] {source}: {len(results)} page(s), {n_lines} lines, "
                    f"{time.perf_counter() - start:.1f} s",
                    err=True,
                )
    finally:
        outputs.close()
    if failed:
        if not quiet:
            typer.echo(f"ocr: {failed} of {len(sources)} documents failed", err=True)
        raise typer.Exit(1)
