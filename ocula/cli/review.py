"""`ocula review`: check and correct a results file in the browser, or export the corrected records."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ocula.adapters.ocr import engine_names
from ocula.cli import app
from ocula.errors import OculaError

if TYPE_CHECKING:
    from ocula.review import ReviewSession


def _usage(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@app.command()
def review(
    results: Annotated[Path, typer.Argument(help="The JSONL file `ocula extract --out` wrote (never modified).")],
    schema: Annotated[
        str,
        typer.Option("--schema", "-s", help="The schema of records that do not name theirs (as for `ocula extract`)."),
    ] = "receipt",
    export: Annotated[
        Path | None,
        typer.Option(help="Write the corrected records to this file (for `ocula finetune --examples`) and exit."),
    ] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="With --export: every document, also those nobody corrected.")
    ] = False,
    done_only: Annotated[bool, typer.Option("--done-only", help="With --export: only documents marked done.")] = False,
    compare: Annotated[
        list[Path] | None,
        typer.Option(
            help="Score another results file of the same documents (say, extracted with an adapter) against the "
            "reviewed values, field by field, and exit. Repeat to compare several."
        ),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="With --export or --compare: only documents whose source (as the results name it) matches this glob "
            "('train/*'). Repeat for several."
        ),
    ] = None,
    corrections: Annotated[
        Path | None, typer.Option(help="The corrections file (default: RESULTS' name with .corrections.jsonl).")
    ] = None,
    reviewer: Annotated[str | None, typer.Option(help="Name recorded with each correction (default: login).")] = None,
    host: Annotated[
        str | None,
        typer.Option(
            help="Address to listen on (default 127.0.0.1); another address serves your documents to "
            "every machine that can reach it."
        ),
    ] = None,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free port).")] = 8765,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the address, do not open it.")] = False,
    ocr: Annotated[
        str | None,
        typer.Option(
            help=f"OCR engine for picking text from the page: {', '.join(engine_names())} (default: `ocula ocr`'s)."
        ),
    ] = None,
    dpi: Annotated[int, typer.Option(min=1, max=2400, help="Resolution for PDF pages (as extracted).")] = 150,
) -> None:
    """Review extractions beside their evidence: each field's box on the page, its value, confidence and mechanism.

    Accept, edit, pick from the page, mark absent, add list items, undo: every change is appended to the
    corrections file next to RESULTS as it is made, and reopening resumes. --export writes the corrected
    records (of documents with a change; --all: every one) for `ocula finetune --examples` and exits; --compare
    scores another run over the same documents against the reviewed values.
    """
    from ocula.review import ReviewSession

    if not results.is_file():
        raise _usage(f"{results}: no such file")
    for other in compare or []:
        if not other.is_file():
            raise _usage(f"--compare {other}: no such file")
    if (everything or done_only) and export is None:
        raise _usage("--all and --done-only go with --export")
    if only and export is None and not compare:
        raise _usage("--only goes with --export or --compare")
    try:
        session = ReviewSession(results, schema, corrections=corrections, reviewer=reviewer, ocr_engine=ocr, dpi=dpi)
    except OculaError as err:
        raise _usage(str(err)) from None
    for skip in session.results.skipped + session.store.skipped:
        typer.echo(f"warning: skipped {skip}", err=True)
    if export is not None or compare:
        _export_and_compare(session, export, compare or [], everything, done_only, only or [])
        return
    try:
        from ocula.review.server import DEFAULT_HOST, serve
    except ImportError as err:
        typer.echo(f'error: {err.name} is missing: pip install "ocula[review]"', err=True)
        raise typer.Exit(1) from None

    def ready(url: str) -> None:
        typer.echo(
            f"reviewing {len(session.results.documents)} document(s) of {results}; corrections go to "
            f"{session.store.path}",
            err=True,
        )
        typer.echo(url)
        typer.echo("press Ctrl+C to stop", err=True)

    try:
        serve(
            session,
            host or DEFAULT_HOST,
            port,
            allow_remote=host is not None,
            open_browser=not no_browser,
            on_ready=ready,
        )
    except OculaError as err:
        raise _usage(str(err)) from None


def _export_and_compare(
    session: ReviewSession, export: Path | None, others: list[Path], everything: bool, done_only: bool, only: list[str]
) -> None:
    from ocula.review import export as write_export
    from ocula.review.compare import compare, table

    try:
        if export is not None:
            summary = write_export(session, export, everything=everything, done_only=done_only, only=only)
            invalid = f", {summary.invalid} not valid for the schema yet" if summary.invalid else ""
            typer.echo(f"{summary.written} record(s) written to {export}{invalid}; {summary.left} left out", err=True)
        if others:
            comparisons = [compare(session, other, only) for other in others]
            if not comparisons[0].documents:
                typer.echo("error: no reviewed document to compare with (correct or mark some done first)", err=True)
                raise typer.Exit(1)
            typer.echo(f"field accuracy against the {comparisons[0].documents} reviewed document(s):", err=True)
            typer.echo(table(comparisons))
    except OculaError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
