"""`ocula plot`: draw a saved result (Extraction, OCR pages or Detections) on its document and write a PNG."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from pydantic import BaseModel, ValidationError

from ocula.cli import app
from ocula.errors import OculaError
from ocula.pipelines.overlay import contact_sheet, draw, save_png
from ocula.schemas import Detections, Extraction, OCRPage

Result = Extraction[Any] | OCRPage | Detections

_FILL_ALPHA = 0.25


class ResultFileError(ValueError):
    """A result file that is not JSON / JSON Lines of Extraction, OCRPage or Detections objects."""


def parse_json_or_lines(text: str, name: str) -> list[Any]:
    """One JSON document (an object or a list of them) or JSON Lines, as a list of parsed values."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as whole:
        rows = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        if len(rows) < 2:
            raise ResultFileError(f"{name}: not JSON ({whole.msg} at line {whole.lineno})") from None
        data = []
        for n, line in rows:
            try:
                data.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise ResultFileError(f"{name}: not JSON or JSON Lines (line {n}: {err.msg})") from None
    if data == []:
        raise ResultFileError(f"{name}: no results in the file")
    return data if isinstance(data, list) else [data]


def result_type(item: Any) -> type[BaseModel] | None:
    """Which result an object is, by its keys: `fields` → Extraction, `lines` → OCRPage, `items` → Detections."""
    if not isinstance(item, dict):
        return None
    if "fields" in item:
        return Extraction
    if "lines" in item and "width" in item:
        return OCRPage
    if "items" in item and "width" in item:
        return Detections
    return None


def read_results(path: Path) -> list[Result]:
    """Load and validate every result in a JSON or JSONL file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultFileError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise ResultFileError(f"{path}: not a text file") from None
    items = parse_json_or_lines(text, str(path))
    results: list[Result] = []
    for i, item in enumerate(items):
        where = str(path) if len(items) == 1 else f"{path}: result {i + 1}"
        kind = result_type(item)
        if kind is None:
            keys = ", ".join(sorted(item)[:6]) if isinstance(item, dict) else type(item).__name__
            raise ResultFileError(f"{where}: not an Extraction, OCRPage or Detections ({keys})")
        try:
            results.append(kind.model_validate(item))  # type: ignore[arg-type]
        except ValidationError as err:
            first = err.errors()[0]
            loc = ".".join(str(p) for p in first["loc"]) or "(root)"
            raise ResultFileError(f"{where}: not a valid {kind.__name__}: {loc}: {first['msg']}") from None
    return results


def _on_page(result: Result, index: int) -> bool:
    """An Extraction spans pages (its fields say which); an OCRPage or Detections belongs to one page."""
    return isinstance(result, Extraction) or result.page == index


def render_results(
    pages: list[tuple[int, np.ndarray]], results: list[Result], *, fill: bool, text: bool, words: bool
) -> list[np.ndarray]:
    """Each `(index, image)` page with every result that belongs to it drawn on."""
    out = []
    for index, image in pages:
        drawn = image
        for result in results:
            if _on_page(result, index):
                drawn = draw(
                    drawn, result, page=index, fill_alpha=_FILL_ALPHA if fill else 0.0, show_text=text, words=words
                )
        out.append(drawn)
    return out


@app.command()
def plot(
    result: Annotated[Path, typer.Argument(help="Result JSON/JSONL: an Extraction, OCRPage(s) or Detections.")],
    image: Annotated[Path, typer.Option("--image", "-i", help="The document the result was made from.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="PNG to write.")],
    page: Annotated[
        int | None,
        typer.Option("--page", "-p", min=1, help="Page to draw, 1-based; default: every page (a contact sheet)."),
    ] = None,
    fill: Annotated[bool, typer.Option("--fill", help="Fill boxes with translucent colour.")] = False,
    text: Annotated[bool, typer.Option("--text", help="Label OCR lines with their text.")] = False,
    words: Annotated[bool, typer.Option("--words", help="Draw OCR word boxes too.")] = False,
    dpi: Annotated[int, typer.Option(min=1, max=2400, help="Resolution for PDF pages.")] = 150,
) -> None:
    """Draw a result's boxes and labels on its document and write a PNG.

    A multi-page document without --page becomes a contact sheet of all pages.
    """
    from ocula.adapters.io.loading import load_document

    try:
        results = read_results(result)
        document = load_document(image, dpi=dpi)
        if page is not None and page > len(document):
            raise IndexError(f"{image}: no page {page}: the document has {len(document)} page(s)")
        selected = document.pages() if page is None else [document.page(document.page_indices[page - 1])]
        pages = [(p.index, p.image) for p in selected]
        drawn = render_results(pages, results, fill=fill, text=text, words=words)
        if len(drawn) == 1:
            sheet = drawn[0]
        else:
            sheet = contact_sheet(drawn, titles=[f"page {index + 1}" for index, _ in pages])
        written = save_png(sheet, out)
    except (OculaError, ValueError, IndexError, OSError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    typer.echo(str(written))
