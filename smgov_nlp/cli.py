"""The ``smgov`` command line: a thin typer layer over the library functions.

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
from pathlib import Path
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


# ---------------------------------------------------------------------------------------------- score
@app.command("score")
def score_cli(
    input: Annotated[Path, typer.Argument(help="CSV, XLSX, JSONL or TXT (one statement per line).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output .csv, .xlsx or .jsonl.")],
    text_col: Annotated[str, typer.Option("--text-col", help="Column holding the statements.")] = "text",
    model: Annotated[Path | None, typer.Option("--model", "-m", help="Model folder (default: the bundled model).")] = None,
    target_accuracy: Target = None,
    quiet: Quiet = False,
) -> None:
    """Code every statement with layer, type, confidence, needs_review and the nearest hand-coded examples."""
    from smgov_nlp.io.readers import count_rows
    from smgov_nlp.workflows.score import score_file

    with progress_bar("scoring", count_rows(input) if sys.stderr.isatty() else None) as advance:
        rows = score_file(input, out, text_col=text_col, model_dir=model, progress=advance, warn=warn,
                          target_accuracy=target_accuracy)
    say(f"scored {rows} rows -> {out}")


# ---------------------------------------------------------------------------------------------- train
@app.command("train")
def train_cli(
    out: Annotated[Path, typer.Option("--out", "-o", help="Model folder to write.")] = Path("models/default"),
    data: Annotated[Path, typer.Option("--data", help="Folder with your reviewed.csv, added to the corpus shipped with "
                                                      "smgov-nlp; a folder holding tables_en.csv is a full corpus used "
                                                      "instead of it.")] = Path("data/labeled"),
    dev: Annotated[Path | None, typer.Option("--dev", help="Folder with a paraphrase_tune.csv to retune the duplicate-idea "
                                                            "space and thresholds on (default: kept from the shipped model; "
                                                            "a full corpus's sibling dev/ folder if it has one).")] = None,
    embedder: Annotated[str, typer.Option("--embedder", help="use, e5, tfidf, st:<local model> or a '+' of them; a part may be weighted, "
                                                                 "e.g. 'use+e5*3'. With 'use+e5' (stronger on type, about 15x slower to score) "
                                                                 "training chooses the e5 part's weight per head.")] = "use",
    idea_embedder: Annotated[str | None, typer.Option(
        "--idea-embedder", help="Encoders of a retuned duplicate-idea space (needs --dev): use+e5 (default, groups best) "
                                "or use (about 15x faster to embed on a cold cache).")] = None,
    quiet: Quiet = False,
) -> None:
    """Train the two-head classifier on the labeled data and write a model folder."""
    from smgov_nlp.model.train import train_model

    say(f"training with embedder {embedder!r} ...")
    model = train_model(data, out, embedder=embedder, dev_dir=dev, idea_embedder=idea_embedder, progress=say)
    thresholds = ", ".join(f"{h} {t:.2f}" for h, t in model.thresholds.items())
    say(f"model written to {out} (thresholds: {thresholds}; {model.config['reviewed_rows']} reviewed rows)")


# -------------------------------------------------------------------------------------------- cluster
@app.command("cluster")
def cluster_cli(
    input: Annotated[Path, typer.Argument(help="CSV, XLSX, JSONL or TXT of statements.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output .csv, .xlsx or .jsonl.")],
    text_col: Annotated[str, typer.Option("--text-col", help="Column holding the statements.")] = "text",
    by: Annotated[str | None, typer.Option("--by", help="Group only within each value of this column (e.g. type).")] = None,
    threshold: Annotated[float | None, typer.Option("--threshold", help="Cosine similarity in [0, 1]; higher is stricter (default: tuned).")] = None,
    model: Annotated[Path | None, typer.Option("--model", "-m", help="Model folder (default: the bundled model).")] = None,
    lang: Lang = "auto",
    quiet: Quiet = False,
) -> None:
    """Group statements that express the same idea, across Spanish and English."""
    from smgov_nlp.io.readers import count_rows
    from smgov_nlp.model.folder import load_model
    from smgov_nlp.workflows.cluster import cluster_file

    loaded = load_model(model)
    with progress_bar("embedding", count_rows(input) if sys.stderr.isatty() else None) as advance:
        summary = cluster_file(input, out, loaded, text_col=text_col, by=by, threshold=threshold, progress=say,
                               advance=advance, lang=lang)
    if summary["renamed"]:
        warn(f"the input already has column(s) {summary['renamed']}; kept them as "
             f"{[c + '_input' for c in summary['renamed']]}")
    say(f"{summary['rows']} rows -> {summary['ideas']} ideas at threshold {summary['threshold']:.3f} -> {out}")


# -------------------------------------------------------------------------------------------- precode
@app.command("precode")
def precode_cli(
    files: Annotated[list[Path], typer.Argument(help="Transcripts: .txt, .md, .docx notes or .csv/.xlsx exports.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    model: Annotated[Path | None, typer.Option("--model", "-m", help="Model folder (default: the bundled model).")] = None,
    data: Annotated[Path | None, typer.Option("--data", help="Folder with reviewed.csv decisions (default: ./data/labeled).")] = None,
    threshold: Annotated[float | None, typer.Option("--threshold", help="Duplicate-idea threshold (default: tuned).")] = None,
    lang: Lang = "auto",
    target_accuracy: Target = None,
    count: Annotated[str, typer.Option("--count", help="What the tables' numbers count: mentions (responses) or "
                                       "groups (tables that raised the idea).")] = "mentions",
    quiet: Quiet = False,
) -> None:
    """Pre-code transcripts: statements, consolidated ideas, paper-style tables and a review queue."""
    from smgov_nlp.workflows.precode import run_precode

    summary = run_precode(files, out, model_dir=model, data_dir=data, threshold=threshold, progress=say, lang=lang,
                          target_accuracy=target_accuracy, count=count)
    say(f"{summary['statements']} statements -> {summary['ideas']} ideas; {summary['needs_review']} need review, "
        f"{summary['human']} already decided by people")
    say(f"wrote statements.csv, ideas.csv, tables.md/.html/.xlsx, review_queue.csv and metadata.csv in {out}")


# ------------------------------------------------------------------------------------------- evaluate
@app.command("evaluate")
def evaluate_cli(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for metrics.json, REPORT.md and figures.")] = Path("evaluation"),
    quick: Annotated[bool, typer.Option("--quick", help="5 folds x 1 repeat, no [st] baselines; written under 'quick'.")] = False,
    data: Annotated[Path, typer.Option("--data", help="Labeled data folder.")] = Path("data/labeled"),
    dev: Annotated[Path, typer.Option("--dev", help="Dev sets: real_text.csv, paraphrase_tune/test.csv.")] = Path("data/dev"),
    model: Annotated[Path | None, typer.Option("--model", "-m", help="Model folder (default: the bundled model).")] = None,
    quiet: Quiet = False,
) -> None:
    """Run every measurement the project quotes and write evaluation/metrics.json, REPORT.md and figures."""
    from smgov_nlp.evaluation.run import run_evaluation

    with progress_bar("evaluating", None) as advance:
        section = run_evaluation(out, quick=quick, data_dir=data, dev_dir=dev, model_dir=model, progress=advance)
    shipped = section["classification"]["shipped"]
    say(f"layer macro-F1 {shipped['layer']['macro_f1']:.3f}, type macro-F1 {shipped['type']['macro_f1']:.3f}, "
        f"duplicate-idea pair F1 {section['dedupe']['test']['pair_f1']:.3f} -> {out / 'REPORT.md'}")


# --------------------------------------------------------------------------------------------- review
@app.command("review")
def review_cli(
    queue: Annotated[Path | None, typer.Argument(help="A review queue: review_queue.csv from precode, or a score output.")] = None,
    export: Annotated[Path | None, typer.Option("--export", help="Write the queue to an .xlsx to review in a spreadsheet.")] = None,
    import_: Annotated[Path | None, typer.Option("--import", help="Record the rows you touched in a reviewed .xlsx, as one batch.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="With --import: say what would be recorded, write nothing.")] = False,
    undo_import: Annotated[str | None, typer.Option("--undo-import", metavar="BATCH",
                                                    help="Remove the rows of one import batch (its id is printed by --import).")] = None,
    data: Annotated[Path | None, typer.Option("--data", help="Data folder for reviewed.csv (default: ./data/labeled).")] = None,
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="Name recorded with each decision (default: $USER; "
                                                                    "with --web the page asks once).")] = None,
    web: Annotated[bool, typer.Option("--web", help="Review in the browser: serve a local page until Ctrl-C.")] = False,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="With --web: the port (0: any free one).")] = 8765,
    host: Annotated[str, typer.Option("--host", help="With --web: the address to serve on; any but 127.0.0.1 "
                                                     "needs the random token printed in the URL.")] = "127.0.0.1",
    no_browser: Annotated[bool, typer.Option("--no-browser", help="With --web: do not open a browser.")] = False,
    quiet: Quiet = False,
) -> None:
    """Review low-confidence suggestions in the terminal or the browser, or round-trip them through a spreadsheet."""
    from smgov_nlp.review import xlsx as review

    if undo_import is not None:
        from smgov_nlp.review.store import DecisionStore

        if import_ is not None or export is not None:
            raise SmgovError("--undo-import goes alone", "run smgov review --undo-import BATCH, then import again")
        store = DecisionStore(data)
        removed = store.remove_batch(undo_import)
        say(f"removed {removed} decisions of batch {undo_import.strip()} from {store.path}")
        return
    if import_ is not None:
        result = review.import_review_xlsx(import_, data_dir=data, reviewer=reviewer, dry_run=dry_run)
        for message in result.invalid:
            warn(message)
        kinds = f"{result.imported} decisions ({result.accepted} accepted, {result.corrected} corrected, " \
                f"{result.not_statement} not a statement)"
        rest = f"{result.untouched} untouched rows stay in the queue, {result.already_recorded} already recorded, " \
               f"{len(result.invalid)} invalid rows skipped"
        if result.dry_run:
            typer.echo(f"dry run: would import {kinds}; {rest}; nothing written")
            return
        say(f"imported {kinds} -> {result.store_path}; {rest}")
        if result.batch:  # the id on stdout, even with --quiet: it is what --undo-import takes
            typer.echo(f"batch {result.batch} (undo with: smgov review --undo-import {result.batch})")
        return
    if dry_run:
        raise SmgovError("--dry-run goes with --import", "run smgov review --import review.xlsx --dry-run")
    if queue is None:
        raise SmgovError("no review queue given", "pass a queue file, e.g. smgov review out/review_queue.csv")
    if export is not None:
        rows = review.export_review_xlsx(queue, export, data_dir=data)
        say(f"wrote {rows} statements to {export}; pick a decision or fix layer/type there (untouched rows record "
            f"nothing), then run smgov review --import {export}")
        return
    if web:  # the browser review: the only path that loads starlette and uvicorn
        from smgov_nlp.review.web.server import run_web_review

        summary = run_web_review(queue, data_dir=data, reviewer=reviewer, host=host, port=port,
                                 open_browser=not no_browser, on_ready=lambda url: typer.echo(f"reviewing at {url} "
                                                                                            "(Ctrl-C stops)"))
    else:
        from smgov_nlp.review import tui as review  # the terminal review: the only path that loads textual
        summary = review.run_review(queue, data_dir=data, reviewer=reviewer)
    if summary.nothing_to_review:
        typer.echo("nothing to review" + (f" ({summary.already_decided} already decided)" if summary.already_decided else ""))
        return
    say(f"{summary.decided} decided ({summary.accepted} accepted, {summary.corrected} corrected, "
        f"{summary.not_statement} not a statement), {summary.skipped} skipped, {summary.remaining} left -> "
        f"{summary.store_path}")


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


if __name__ == "__main__":  # pragma: no cover
    main()
