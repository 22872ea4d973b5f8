"""The `ocula` command. Each sub-command lives in its own module and is registered here."""

from __future__ import annotations

import pkgutil
import sys
from importlib import import_module

import typer

from ocula import __version__
from ocula.errors import InputError, OculaError

app = typer.Typer(
    name="ocula",
    help="Documents and photos to validated, grounded Pydantic objects on local models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Documents and photos to validated, grounded Pydantic objects on local models."""


@app.command()
def version() -> None:
    """Print Ocula's version."""
    typer.echo(__version__)


def error_reason(err: Exception) -> str:
    """What a sub-command prints after a document's name when it fails: an input error's reason (its
    message without the name), an Ocula error's message, otherwise the exception's type and text."""
    if isinstance(err, InputError):
        return err.reason
    if isinstance(err, OculaError):
        return str(err)
    return f"{type(err).__name__}: {err}"


def check_pages(value: str | None) -> str | None:
    """A `--pages` callback: bad page-range syntax ("0", "3-1", "x") is a usage error (exit code 2) before any
    work; whether the pages exist is checked per document."""
    if value is not None:
        from ocula.adapters.io import parse_page_ranges

        try:
            parse_page_ranges(value)
        except ValueError as err:
            raise typer.BadParameter(str(err)) from None
    return value


PAGES_HELP = 'Pages to read, 1-based: "1-3,5" or "4-" (to the end).'


def _register() -> None:
    """Import every module of this package; each adds its command to `app`."""
    for info in pkgutil.iter_modules(__path__):
        import_module(f"{__name__}.{info.name}")


def main() -> None:
    _register()
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
