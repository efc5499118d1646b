"""``smgov review``: the terminal, browser and spreadsheet review of suggestions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smgov_nlp.cli.app import Quiet, app, report_import, say, warn
from smgov_nlp.errors import SmgovError


# --------------------------------------------------------------------------------------------- review
@app.command("review")
def review_cli(
    queue: Annotated[Path | None, typer.Argument(help="A review queue: review_queue.csv from precode, or a score output.")] = None,
    export: Annotated[Path | None, typer.Option("--export", help="Write the queue to an .xlsx to review in a spreadsheet.")] = None,
    import_: Annotated[Path | None, typer.Option("--import", help="Record the rows you touched in a reviewed .xlsx, or "
                                                                "people's codings in a .qdpx project, as one batch.")] = None,
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
    if import_ is not None and import_.suffix.lower() == ".qdpx":
        from smgov_nlp.cli.qda import report_qdpx_import
        from smgov_nlp.qda.importing import import_qdpx

        report_qdpx_import(import_qdpx(import_, data_dir=data, reviewer=reviewer, dry_run=dry_run))
        return
    if import_ is not None:
        result = review.import_review_xlsx(import_, data_dir=data, reviewer=reviewer, dry_run=dry_run)
        for message in result.invalid:
            warn(message)
        kinds = f"{result.imported} decisions ({result.accepted} accepted, {result.corrected} corrected, " \
                f"{result.not_statement} not a statement)"
        rest = f"{result.untouched} untouched rows stay in the queue, {result.already_recorded} already recorded, " \
               f"{len(result.invalid)} invalid rows skipped"
        report_import(result, kinds, rest)
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
