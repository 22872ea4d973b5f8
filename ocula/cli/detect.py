"""`ocula detect`: labels and boxes of objects or regions in each document, as JSON Lines or COCO JSON."""

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
from ocula.cli import app, error_reason
from ocula.errors import OculaError
from ocula.schemas import Detections


class DetectFormat(StrEnum):
    jsonl = "jsonl"
    coco = "coco"


def _usage(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _overlay_writer(folder: Path, stem: str) -> Callable[[Page, Detections], None]:
    """A page callback drawing the detections into `folder/<stem>-p<N>.png`."""
    from ocula.pipelines.overlay import draw, save_png

    def write(page: Page, result: Detections) -> None:
        save_png(draw(page.image, result), folder / f"{stem}-p{result.page + 1}.png")

    return write


def _unique_stem(source: str, used: set[str]) -> str:
    stem = Path(source).stem or "document"
    name, n = stem, 1
    while name in used:
        n += 1
        name = f"{stem}-{n}"
    used.add(name)
    return name


def _open_out(out: Path | None) -> TextIO:
    if out is None:
        return sys.stdout
    out.parent.mkdir(parents=True, exist_ok=True)
    return out.open("w", encoding="utf-8")


@app.command()
def detect(
    inputs: Annotated[list[str], typer.Argument(help="Documents: files, folders or globs (images, PDFs, TIFFs).")],
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="A vision-language model: folder or hub id (default: the bundled layout model finds document "
            "regions offline: table, figure, title, text, header, footer, caption, equation).",
        ),
    ] = None,
    labels: Annotated[
        str | None,
        typer.Option("--labels", "-l", help='Comma-separated labels, e.g. "person,car" (default: any object).'),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: standard output).")] = None,
    fmt: Annotated[
        DetectFormat,
        typer.Option(
            "--format", "-f", help="jsonl: one Detections object per page; coco: one COCO JSON for every page."
        ),
    ] = DetectFormat.jsonl,
    overlay: Annotated[
        Path | None, typer.Option("--overlay", help="Folder for PNGs of each page with its boxes drawn.")
    ] = None,
    native: Annotated[
        bool, typer.Option("--native", help="Use the model family's own grounding prompt and format.")
    ] = False,
    max_objects: Annotated[
        int | None,
        typer.Option("--max-objects", min=1, max=500, help="Objects per page (default: 20 for a VLM, all regions)."),
    ] = None,
    rotate: Annotated[
        int, typer.Option(help="Turn each page counter-clockwise by 0, 90, 180 or 270 degrees before the model.")
    ] = 0,
    dpi: Annotated[int, typer.Option(min=1, max=2400, help="Resolution for PDF pages.")] = 150,
    pages: Annotated[str | None, typer.Option("--pages", help='Pages to read, 1-based, e.g. "1-3,5".')] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Find objects or regions in each document (a vision-language model, or the bundled layout model); boxes
    in page pixels.

    Exits 1 if any document failed (each failure is one error line and the others go on), 2 on a usage error.
    """
    from ocula.adapters.io import iter_sources, load_document
    from ocula.adapters.models.registry import image_load_options
    from ocula.model_cache import load_model
    from ocula.pipelines.detect.layout import LayoutDetector
    from ocula.pipelines.detect.vlm import DEFAULT_MAX_OBJECTS, DetectOptions, Detector, normalise_labels
    from ocula.schemas.coco import detections_to_coco

    try:
        wanted = normalise_labels(labels)
    except ValueError as err:
        raise _usage(f"--labels: {err}") from None
    if rotate % 90:
        raise _usage(f"--rotate {rotate}: use 0, 90, 180 or 270")
    if model is None and native:
        raise _usage("--native needs --model (a vision-language model)")
    sources = [str(s) for s in iter_sources(inputs)]
    if not sources:
        typer.echo("error: no documents found in the inputs", err=True)
        raise typer.Exit(1)
    detector: LayoutDetector | Detector
    try:
        if model is None:
            detector = LayoutDetector(labels=wanted, max_objects=max_objects, rotate=rotate)
        else:
            adapter = load_model(model, **image_load_options(model))  # detection needs images
            cap = max_objects or DEFAULT_MAX_OBJECTS
            detector = Detector(adapter, DetectOptions(labels=wanted, max_objects=cap, native=native, rotate=rotate))
    except ValueError as err:
        raise _usage(f"--labels: {err}") from None
    except OculaError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None

    stream = _open_out(out)
    collected: list[Detections] = []
    used: set[str] = set()
    failed = 0
    try:
        for n, source in enumerate(sources, start=1):
            start = time.perf_counter()
            try:
                document = load_document(source, dpi=dpi, pages=pages)
                stem = _unique_stem(source, used)
                on_page = _overlay_writer(overlay, stem) if overlay is not None else None
                results = detector.run(document, progress=not quiet and len(document) > 1, on_page=on_page)
            except Exception as err:  # one bad document must not stop the batch
                failed += 1
                typer.echo(f"error: {source}: {error_reason(err)}", err=True)
                continue
            if fmt is DetectFormat.jsonl:
                stream.write("".join(r.model_dump_json() + "\n" for r in results))
                stream.flush()
            else:
                collected.extend(results)
            if not quiet:
                typer.echo(
                    f"detect [{n}/{len(sources)}] {source}: {len(results)} page(s), "
                    f"{sum(len(r) for r in results)} objects, {time.perf_counter() - start:.1f} s",
                    err=True,
                )
        if fmt is DetectFormat.coco:
            json.dump(detections_to_coco(collected, categories=wanted), stream, ensure_ascii=False)
            stream.write("\n")
    finally:
        if stream is not sys.stdout:
            stream.close()
    if failed:
        if not quiet:
            typer.echo(f"detect: {failed} of {len(sources)} documents failed", err=True)
        raise typer.Exit(1)
