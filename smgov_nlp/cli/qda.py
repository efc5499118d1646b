"""``smgov agreement``: agreement between coders of a REFI-QDA project or of reviewed.csv."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smgov_nlp.cli.app import Quiet, app, report_import, say, warn


@app.command("agreement")
def agreement_cli(
    source: Annotated[Path, typer.Argument(help="A .qdpx project coded in a QDA tool, or reviewed.csv.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Also write the table as CSV.")] = None,
    quiet: Quiet = False,
) -> None:
    """Cohen's kappa and percent agreement per pair of coders, Krippendorff's alpha over all, per head.

    Only statements both coders coded count; the model is one of the coders."""
    from smgov_nlp.io.writers import write_table
    from smgov_nlp.qda.agreement import agreement_table, format_table, read_ratings

    ratings = read_ratings(source)
    coders = sorted({coder for by_coder in ratings.values() for coder, labels in by_coder.items() if labels})
    if len(coders) < 2:
        warn(f"{source.name} has {len(coders)} coder(s) ({', '.join(coders) or 'none'}): agreement needs two; have a "
             "person code the project in a QDA tool (or review it with smgov review) and pass that file")
    table = agreement_table(ratings)
    typer.echo(format_table(table))
    if out is not None:
        write_table(table, out)
        say(f"wrote {len(table)} rows to {out}")


def report_qdpx_import(result) -> None:
    """Print what ``smgov review --import FILE.qdpx`` recorded (the batch id on stdout, even with --quiet)."""
    for message in result.invalid:
        warn(message)
    if result.unknown_codes:
        listed = ", ".join(f"{name!r} ({n})" for name, n in sorted(result.unknown_codes.items()))
        warn(f"{sum(result.unknown_codes.values())} codings use codes that are neither a layer nor a type nor an "
             f"idea, not imported: {listed}")
    if result.unmatched:
        warn(f"{result.unmatched} coded selections match no statement (by text_hash or by text), not imported: "
             + "; ".join(result.unmatched_examples))
    if result.idea_codings:
        warn(f"{result.idea_codings} codings with idea codes are not imported: fix an idea with smgov review "
             "(the idea column of --export x.xlsx)")
    who = ", ".join(result.people) or "nobody"
    kinds = f"{result.imported} decisions by {who} ({result.accepted} accepted, {result.corrected} corrected; " \
            f"{result.kept} recoded one head and kept the model's other)"
    rest = f"{result.already_recorded} already recorded, {len(result.invalid)} statements skipped, " \
           f"{result.unmatched} unmatched selections"
    report_import(result, kinds, rest)
