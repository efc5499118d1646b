"""``smgov score``, ``smgov train`` and ``smgov evaluate``: coding statements and measuring the coder."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from smgov_nlp.cli.app import Quiet, Scheduler, Target, app, progress_bar, say, warn


# ---------------------------------------------------------------------------------------------- score
@app.command("score")
def score_cli(
    input: Annotated[Path, typer.Argument(help="CSV, XLSX, JSONL or TXT (one statement per line).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output .csv, .xlsx or .jsonl.")],
    text_col: Annotated[str, typer.Option("--text-col", help="Column holding the statements.")] = "text",
    model: Annotated[Path | None, typer.Option("--model", "-m", help="Model folder (default: the bundled model).")] = None,
    target_accuracy: Target = None,
    scheduler: Scheduler = None,
    quiet: Quiet = False,
) -> None:
    """Code every statement with layer, type, confidence, needs_review and the nearest hand-coded examples."""
    from smgov_nlp.io.readers import count_rows
    from smgov_nlp.workflows.score import score_file

    with contextlib.ExitStack() as stack:
        predict_chunks = None
        if scheduler is not None:  # dask is imported only here
            from smgov_nlp.distributed.cluster import connect
            from smgov_nlp.distributed.score import distributed_predictor

            client, identity = stack.enter_context(connect(scheduler, model))
            predict_chunks = distributed_predictor(client, identity, model, target_accuracy)
        advance = stack.enter_context(progress_bar("scoring", count_rows(input) if sys.stderr.isatty() else None))
        rows = score_file(input, out, text_col=text_col, model_dir=model, progress=advance, warn=warn,
                          target_accuracy=target_accuracy, predict_chunks=predict_chunks)
    say(f"scored {rows} rows -> {out}" + (f" on {scheduler}" if scheduler else ""))


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
