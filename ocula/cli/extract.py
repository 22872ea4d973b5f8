"""`ocula extract`: a schema from every input into JSON Lines (resumable), with overlays and tables."""

from __future__ import annotations

import os
import sys
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from ocula.adapters.layout import REGION_LABELS
from ocula.adapters.models import registry
from ocula.adapters.models.bundled import BUNDLED
from ocula.adapters.models.lora.load import read_adapter
from ocula.adapters.ocr import DEFAULT_OCR, check_engine_name, engine_names
from ocula.cli import PAGES_HELP, app, check_pages
from ocula.errors import OculaError
from ocula.model_cache import DEFAULT_MODEL, load_model
from ocula.pipelines.batch.extract import PipelineExtract
from ocula.pipelines.batch.runner import run_batch
from ocula.pipelines.batch.writers import FORMATS
from ocula.pipelines.extract.engine import ENGINES, Engine, check_layout
from ocula.pipelines.extract.schema_check import check_schema
from ocula.pipelines.ocr.orientation import parse_orientation
from ocula.schema_loader import resolve_schema
from ocula.schemas.packs.detect import locale_packs, parse_locales

DECODINGS = ("ranked", "json")


def _usage(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _choice(name: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise _usage(f"{name} {value!r}: use one of {', '.join(allowed)}")


def _engines(values: list[str]) -> tuple[str | None, bool]:
    """The extraction engine (or None: from the model) and whether to run on Ray, from repeated --engine."""
    for value in values:
        _choice("engine", value, (*ENGINES, "ray"))
    chosen = [v for v in values if v != "ray"]
    if len(set(chosen)) > 1:
        raise _usage(f"--engine {' and '.join(chosen)}: give one of {', '.join(ENGINES)}")
    return (chosen[0] if chosen else None), "ray" in values


def _reads_text(engine: str | None, model: str) -> bool:
    """Whether the values will be chosen among the page's OCR text: the ocr+llm engine, named or the model's
    own (a llama.cpp model reads no images); a model that must load to tell is checked per document."""
    if engine is not None:
        return engine == Engine.OCR_LLM
    try:
        return registry.default_backend(model) == registry.LLAMACPP
    except OculaError:
        return False


def _regions(layout: bool | None, names: str | None) -> tuple[str, ...]:
    """The region labels of --exclude-regions (comma-separated), checked against the layout's labels."""
    exclude = tuple(name for name in (names or "").split(",") if name.strip())
    if exclude and layout is False:
        raise _usage("--exclude-regions needs the layout model: leave out --no-layout")
    try:
        return check_layout(layout, exclude)
    except ValueError as err:
        raise _usage(f"--exclude-regions: {err}") from None


def _error_line(record: dict[str, Any]) -> str:
    reason, source = str(record.get("error")), str(record.get("source"))
    return f"error: {reason}" if reason.startswith(source) else f"error: {source}: {reason}"


def _print_failure(record: dict[str, Any]) -> None:
    if record.get("status") != "ok":
        from tqdm import tqdm

        tqdm.write(_error_line(record), file=sys.stderr)


@app.command()
def extract(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders or globs: PDFs and images.")],
    schema: Annotated[
        str,
        typer.Option(
            "--schema",
            "-s",
            help="receipt, sroie, invoice, id_document, business_card, table, module:Class or file.py:Class.",
        ),
    ] = "receipt",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="JSONL file (resumable); default: JSON lines on stdout.")
    ] = None,
    overlay: Annotated[
        Path | None, typer.Option("--overlay", help="Folder for <stem>-p<N>.png with each field's box drawn.")
    ] = None,
    engine: Annotated[
        list[str] | None,
        typer.Option(
            help=f"{' or '.join(ENGINES)} (default: from the model); ray runs the batch on Ray actors. Repeat to "
            "combine: --engine ray --engine vlm."
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help=f"A bundled model ({', '.join(BUNDLED)}), a .gguf file, a model folder or hub id, or "
            f"openai:<base URL>[#<model id>] (default {DEFAULT_MODEL})."
        ),
    ] = None,
    ocr: Annotated[
        str,
        typer.Option(
            help=f"OCR engine: {', '.join(engine_names())}, or two joined by '+' (rapidocr+tesseract: the second's "
            "readings as alternatives)."
        ),
    ] = DEFAULT_OCR,
    orientation: Annotated[
        str,
        typer.Option(
            help="How the pages lie: auto (classify each page), or 0, 90, 180, 270 degrees turned clockwise; "
            "the OCR reads each page upright, boxes stay in its own pixels."
        ),
    ] = "auto",
    deskew: Annotated[
        bool,
        typer.Option(
            "--deskew",
            help="The OCR reads a page lying a few degrees askew (up to 10) straightened; boxes stay in its own pixels.",
        ),
    ] = False,
    max_attempts: Annotated[int, typer.Option(min=1, max=20, help="Decode attempts per document.")] = 3,
    per_page: Annotated[bool, typer.Option("--per-page", help="One extraction per page.")] = False,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes, or Ray actors (each loads the model).")
    ] = 1,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Re-run documents that failed before.")] = False,
    timeout: Annotated[
        float | None, typer.Option(min=0.1, help="Seconds per document before its worker is killed.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl, or also csv / parquet next to --out.")] = "jsonl",
    dpi: Annotated[int, typer.Option(min=1, max=2400, help="Resolution for PDF pages.")] = 150,
    pages: Annotated[str | None, typer.Option("--pages", callback=check_pages, help=PAGES_HELP)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary; errors only.")] = False,
    ray_address: Annotated[
        str | None,
        typer.Option(help="With --engine ray: the cluster to join (auto, host:port); default a local instance."),
    ] = None,
    adapter: Annotated[
        Path | None, typer.Option(help="Adapter folder from `ocula finetune` (the model defaults to its base).")
    ] = None,
    decoding: Annotated[
        str | None,
        typer.Option(
            help="ranked: the model ranks each field's page candidates, then one constrained pass; json: one "
            "constrained JSON pass (can choose null for an optional field absent from the page). Default: "
            "ranked, or what --adapter was trained for."
        ),
    ] = None,
    locale: Annotated[
        str | None,
        typer.Option(
            help=f"The pages' locale packs, comma-separated ({', '.join(locale_packs())}): e.g. de or de,en. "
            "Default: detected per document from its text."
        ),
    ] = None,
    layout: Annotated[
        bool | None,
        typer.Option(
            "--layout/--no-layout",
            help="Run the bundled layout model with the OCR: its tables bound the rows of lists of objects, lines "
            "are read in its regions' order. Default: on when the schema has a list of objects or "
            "--exclude-regions is given.",
        ),
    ] = None,
    exclude_regions: Annotated[
        str | None,
        typer.Option(
            help=f"Layout regions whose lines are left out of the extraction, comma-separated: e.g. header,footer "
            f"({', '.join(REGION_LABELS)}). Runs the layout model."
        ),
    ] = None,
) -> None:
    """Extract a schema from every input: one JSON line per document.

    Re-running the same command resumes: documents already done are skipped, failed ones are re-run with
    --retry-failed. A bad input becomes an error record and the batch goes on. Exits 1 if any document
    failed, 2 on a usage error.
    """
    extraction_engine, on_ray = _engines(engine or [])
    if ray_address is not None and not on_ray:
        raise _usage("--ray-address needs --engine ray")
    try:
        check_engine_name(ocr)
        turn = parse_orientation(orientation)
    except OculaError as err:
        raise _usage(str(err)) from None
    except ValueError as err:
        raise _usage(f"--orientation: {err}") from None
    _choice("format", fmt, FORMATS)
    _choice("decoding", decoding, DECODINGS)
    try:
        locales = parse_locales(locale) if locale is not None else None
    except ValueError as err:
        raise _usage(f"--locale: {err}") from None
    excluded = _regions(layout, exclude_regions)
    if fmt != "jsonl" and out is None:
        raise _usage(f"--format {fmt} writes a file next to --out; give --out")
    try:
        schema_cls = resolve_schema(schema)
    except OculaError as err:
        raise _usage(f"--schema {schema}: {err}") from None
    if adapter is not None:
        try:
            info = read_adapter(adapter)
        except OculaError as err:
            raise _usage(f"--adapter {adapter}: {err}") from None
        name = model or info.base_model
        decoding = decoding or info.meta.get("extract_options", {}).get("decoding")
    else:
        name = model or DEFAULT_MODEL
    try:  # once, before any document is read
        check_schema(schema_cls, grounded_text=_reads_text(extraction_engine, name))
    except OculaError as err:
        raise _usage(f"--schema {schema}: {err}") from None
    # on Ray each actor's threads follow the CPUs it reserves (see batch_ray)
    threads = max(1, (os.cpu_count() or 1) // workers) if workers > 1 and not on_ray else None
    extractor = PipelineExtract(
        model=name,
        engine=extraction_engine,  # type: ignore[arg-type]
        ocr=ocr,
        orientation=turn,
        deskew=deskew,
        max_attempts=max_attempts,
        per_page=per_page,
        dpi=dpi,
        pages=pages,
        threads=threads,
        loader=load_model,
        adapter=str(adapter) if adapter is not None else None,
        decoding=decoding or "ranked",  # type: ignore[arg-type]
        locale=locales,
        layout=layout,  # None: decided for the schema before the batch starts (PipelineExtract.for_schema)
        exclude_regions=excluded,
    )
    try:
        summary = run_batch(
            inputs,
            schema_cls,
            out,
            extract_fn=extractor,
            workers=workers,
            retry_failed=retry_failed,
            timeout=timeout,
            progress=not quiet,
            overlay_dir=overlay,
            fmt=fmt,
            schema_loader=partial(resolve_schema, schema),
            schema_name=schema,
            on_record=_print_failure,
            executor="ray" if on_ray else "local",
            ray_address=ray_address,
        )
    except OculaError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    except OSError as err:
        typer.echo(f"error: {err.filename or out}: {err.strerror or err}", err=True)
        raise typer.Exit(1) from None
    if summary.total == 0:
        typer.echo("error: no supported files found in the inputs", err=True)
        raise typer.Exit(1)
    if not quiet:
        typer.echo(summary.line(), err=True)
    if not summary.ok:
        raise typer.Exit(1)
