"""``smgov cluster`` and ``smgov precode``: duplicate ideas and pre-coded transcripts."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from smgov_nlp.cli.app import Lang, Quiet, Scheduler, Target, app, progress_bar, say, warn


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
    scheduler: Scheduler = None,
    quiet: Quiet = False,
) -> None:
    """Group statements that express the same idea, across Spanish and English."""
    from smgov_nlp.io.readers import count_rows
    from smgov_nlp.model.folder import load_model
    from smgov_nlp.workflows.cluster import cluster_file

    loaded = load_model(model)
    with contextlib.ExitStack() as stack:
        ahead = _on_workers(stack, scheduler, model)
        advance = stack.enter_context(progress_bar("embedding", count_rows(input) if sys.stderr.isatty() else None))
        summary = cluster_file(input, out, loaded, text_col=text_col, by=by, threshold=threshold, progress=say,
                               advance=advance, lang=lang, embed_ahead=ahead)
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
    scheduler: Scheduler = None,
    quiet: Quiet = False,
) -> None:
    """Pre-code transcripts: statements, consolidated ideas, paper-style tables and a review queue."""
    from smgov_nlp.workflows.precode import run_precode

    with contextlib.ExitStack() as stack:
        summary = run_precode(files, out, model_dir=model, data_dir=data, threshold=threshold, progress=say, lang=lang,
                              target_accuracy=target_accuracy, count=count,
                              embed_ahead=_on_workers(stack, scheduler, model))
    say(f"{summary['statements']} statements -> {summary['ideas']} ideas; {summary['needs_review']} need review, "
        f"{summary['human']} already decided by people")
    if summary["unplaced"]:
        warn(f"{summary['unplaced']} statements were not found in their transcript's text and are left out of "
             "project.qdpx (see the log)")
    say(f"wrote statements.csv, ideas.csv, tables.md/.html/.xlsx, review_queue.csv, metadata.csv, project.qdpx and "
        f"codebook.qdc in {out}")


def _on_workers(stack: contextlib.ExitStack, scheduler: str | None, model: Path | None):
    """With ``--scheduler``: connect (for the life of ``stack``) and return the hook that embeds on the workers;
    without it: ``None``, and dask is never imported."""
    if scheduler is None:
        return None
    from smgov_nlp.distributed.cluster import connect
    from smgov_nlp.distributed.embed import ahead_on, job_cache

    stack.enter_context(job_cache())
    client, _ = stack.enter_context(connect(scheduler, model))
    return ahead_on(client, say)
