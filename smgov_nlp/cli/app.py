"""The ``smgov`` command line's shared parts: the typer app, status output, progress bars and the entry point.

Library code raises :class:`~smgov_nlp.errors.SmgovError`; only this module turns it
into a one-line message on stderr and a non-zero exit code. Progress bars appear only
when stderr is a terminal and ``--quiet`` is not given.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from typing import Annotated

import typer

from smgov_nlp import __version__
from smgov_nlp.errors import SmgovError

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Turn workshop notes on social media in government into coded, consolidated findings.")
EXIT_USAGE = 2
_state = {"quiet": False}
log = logging.getLogger("smgov_nlp")


def _console(stderr: bool = True):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def say(message: str) -> None:
    """Status text for people, on stderr; silent under ``--quiet``."""
    if not _state["quiet"]:
        _console().print(message, markup=False)


def warn(message: str) -> None:
    from rich.markup import escape

    _console().print(f"[yellow]warning:[/yellow] {escape(message)}")


@contextlib.contextmanager
def progress_bar(description: str, total: int | None) -> Iterator:
    """Yield an ``advance(n)`` callback: a rich bar on a terminal, a no-op in a pipe or with --quiet."""
    if _state["quiet"] or not sys.stderr.isatty():
        yield lambda n: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=_console(), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)


def report_import(result, kinds: str, rest: str) -> None:
    """What an import recorded (or, with ``--dry-run``, would record), and the batch id that undoes it."""
    if result.dry_run:
        typer.echo(f"dry run: would import {kinds}; {rest}; nothing written")
        return
    say(f"imported {kinds} -> {result.store_path}; {rest}")
    if result.batch:  # the id on stdout, even with --quiet: it is what --undo-import takes
        typer.echo(f"batch {result.batch} (undo with: smgov review --undo-import {result.batch})")


def _quiet(value: bool) -> bool:
    if value:
        _state["quiet"] = True
    return value


# ``--quiet`` is accepted before the command (``smgov --quiet score``) and after it (``smgov score --quiet``).
Quiet = Annotated[bool, typer.Option("--quiet", "-q", callback=_quiet, help="No progress bars or status messages.")]
Target = Annotated[float | None, typer.Option(
    "--target-accuracy", help="Accuracy the auto-accepted suggestions should reach (default: the model's, in its "
                              "config.json); higher sends more statements to review.")]
Lang = Annotated[str, typer.Option("--lang", help="Language of each idea's text: es, en, or auto (the language most of "
                                                  "its statements use; Spanish on a tie).")]

Scheduler = Annotated[str | None, typer.Option(
    "--scheduler", metavar="ADDRESS", help="Run the heavy part on a Dask cluster: a scheduler address such as "
                                           "tcp://10.0.0.5:8786, or 'local' for a local cluster sized to the cores "
                                           "(needs the dask extra: pip install 'smgov-nlp\\[dask]'; workers need the same smgov-nlp and model).")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"smgov {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool | None, typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Show the version and exit.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or status messages.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what the library does.")] = False,
) -> None:
    _state["quiet"] = quiet
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def main() -> None:
    """Console entry point: one-line errors, never a traceback for a problem the user can fix."""
    from rich.markup import escape

    try:
        code = app(standalone_mode=False)
    except SmgovError as exc:
        _console().print(f"[red]error:[/red] {escape(str(exc))}")
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        _console().print("interrupted; nothing was overwritten")
        sys.exit(130)
    except _click_exceptions() as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except OSError as exc:
        _console().print(f"[red]error:[/red] {escape(str(exc.strerror or exc))}: {escape(str(exc.filename or ''))}; "
                         "check the path and permissions")
        sys.exit(1)
    except Exception as exc:  # a bug: say so in one line, keep the traceback behind a variable
        if os.environ.get("SMGOV_DEBUG"):
            raise
        _console().print(f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))} (set SMGOV_DEBUG=1 for the traceback "
                         "and please report it)")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def _click_exceptions() -> tuple[type, ...]:
    """Usage errors of click, and of the copy of click newer typer releases vendor."""
    import click

    kinds: list[type] = [click.ClickException]
    try:
        from typer._click.exceptions import ClickException as VendoredClickException

        kinds.append(VendoredClickException)
    except ImportError:
        pass
    return tuple(kinds)
