"""`ocula finetune`: a LoRA adapter for the local model from labelled documents (corrected `ocula extract` output)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from ocula.adapters.models.bundled import BUNDLED, DEFAULT_MODEL
from ocula.adapters.ocr import DEFAULT_OCR, engine_names
from ocula.cli import app
from ocula.errors import OculaError
from ocula.schema_loader import resolve_schema

SHOWN_SKIPS = 10


def _usage(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _step_printer(quiet: bool) -> Callable[[int, int, float], None]:
    def show(step: int, total: int, loss: float) -> None:
        if not quiet:
            typer.echo(f"step {step}/{total}: loss {loss:.4f}", err=True)

    return show


def _schema(examples: Path, given: str | None) -> str:
    """The schema to train on: `given`, else the one the records name (`ocula extract` and `ocula review
    --export` write it), else receipt; records naming another schema than the one used are warned about."""
    from ocula.pipelines.finetune.data import parse_records

    try:
        records, _ = parse_records(examples)
    except OculaError as err:
        raise _usage(str(err)) from None
    named = Counter(r["schema"] for _, r in records if isinstance(r.get("schema"), str))
    if given is None and len(named) > 1:
        listed = ", ".join(f"{name} ({n})" for name, n in sorted(named.items()))
        raise _usage(f"--examples {examples}: records of several schemas: {listed}; give --schema")
    chosen = given or next(iter(named), "receipt")
    others = sum(n for name, n in named.items() if name != chosen)
    if others:
        typer.echo(f"warning: {others} record(s) name another schema than {chosen}", err=True)
    return chosen


@app.command()
def finetune(
    examples: Annotated[
        Path, typer.Option("--examples", "-e", help="JSONL of `ocula extract` records with corrected values.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder the adapter is written to.")],
    schema: Annotated[
        str | None,
        typer.Option(
            "--schema",
            "-s",
            help="The schema the records hold (as for `ocula extract`; default: the one the records name, else "
            "receipt).",
        ),
    ] = None,
    model: Annotated[
        str,
        typer.Option(help=f"Base model: a bundled name ({', '.join(BUNDLED)}), a .gguf file or a transformers folder."),
    ] = DEFAULT_MODEL,
    epochs: Annotated[int, typer.Option(min=1, max=100, help="Passes over the examples.")] = 3,
    rank: Annotated[int, typer.Option(min=1, max=256, help="LoRA rank.")] = 8,
    lr: Annotated[float, typer.Option(min=1e-7, max=1.0, help="Learning rate (AdamW, linear decay).")] = 1e-3,
    layers: Annotated[
        int, typer.Option(min=0, help="Top decoder layers adapted (0: all; fewer train faster on CPU).")
    ] = 10,
    grad_accum: Annotated[int, typer.Option(min=1, max=256, help="Examples per optimizer step.")] = 2,
    seed: Annotated[int, typer.Option(help="Seed of LoRA initialisation and example order.")] = 0,
    ocr: Annotated[
        str,
        typer.Option(help=f"OCR engine: {', '.join(engine_names())} or two joined by '+' (the one you extract with)."),
    ] = DEFAULT_OCR,
    decoding: Annotated[
        str,
        typer.Option(
            help="The decoding the adapter is trained for (ranked or json); `ocula extract --adapter` uses it."
        ),
    ] = "ranked",
    dpi: Annotated[int, typer.Option(min=1, max=2400, help="Resolution for PDF pages.")] = 150,
    ocr_cache: Annotated[
        Path | None, typer.Option(help="Where page OCR is cached (default: OUT/ocr-cache; it holds page text).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress; warnings and errors only.")] = False,
) -> None:
    """Train a LoRA adapter on CPU from labelled documents; use it with `ocula extract --adapter OUT`.

    Each record is a line `ocula extract` wrote, with `value` corrected. Records that cannot be used are
    skipped with a warning naming each; exits 1 when none is usable, 2 on a usage error.
    """
    from ocula.adapters.models.lora.train import LoraSettings
    from ocula.adapters.ocr import get_engine
    from ocula.pipelines.extract.ocr_llm import ExtractOptions
    from ocula.pipelines.finetune.data import read_labelled
    from ocula.pipelines.finetune.runner import finetune as run_finetune

    if not examples.is_file():
        raise _usage(f"--examples {examples}: no such file")
    if decoding not in ("ranked", "json"):
        raise _usage(f"--decoding {decoding!r}: use ranked or json")
    schema = _schema(examples, schema)
    try:
        schema_cls = resolve_schema(schema)
    except OculaError as err:
        raise _usage(f"--schema {schema}: {err}") from None
    settings = LoraSettings(
        rank=rank, learning_rate=lr, epochs=epochs, grad_accum=grad_accum, seed=seed, layers=layers or None
    )
    try:
        labelled = read_labelled(
            examples, schema_cls, get_engine(ocr), dpi=dpi, cache_dir=ocr_cache or out / "ocr-cache", progress=not quiet
        )
        for skip in labelled.skipped[:SHOWN_SKIPS]:
            typer.echo(f"warning: skipped {skip}", err=True)
        if len(labelled.skipped) > SHOWN_SKIPS:
            typer.echo(f"warning: ... and {len(labelled.skipped) - SHOWN_SKIPS} more skipped", err=True)
        if not labelled.documents:
            typer.echo(f"error: {examples}: no usable labelled record ({len(labelled.skipped)} skipped)", err=True)
            raise typer.Exit(1)
        if labelled.skipped:
            typer.echo(f"warning: {len(labelled.skipped)} record(s) skipped, {len(labelled.documents)} used", err=True)
        result = run_finetune(
            labelled.documents,
            schema_cls,
            out,
            base_model=model,
            settings=settings,
            options=ExtractOptions(decoding=decoding),  # type: ignore[arg-type]
            on_step=_step_printer(quiet),
        )
    except OculaError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    for skip in result.prepared.skipped:
        typer.echo(f"warning: skipped {skip}", err=True)
    meta = result.meta
    if meta["dropped_fields"]:
        listed = ", ".join(f"{k} in {v}" for k, v in sorted(meta["dropped_fields"].items()))
        typer.echo(f"note: gold value not among the page's candidates, left out of the loss: {listed}", err=True)
    losses = meta["epoch_losses"]
    typer.echo(
        f"adapter written to {out}: {meta['examples']} example(s), {result.report.steps} step(s), "
        f"loss {losses[0]:.4f} -> {losses[-1]:.4f} per epoch, {meta['train_seconds']:.0f} s",
        err=True,
    )
    if result.gguf_error:
        typer.echo(f"note: no GGUF LoRA ({result.gguf_error}); --adapter runs on transformers", err=True)
