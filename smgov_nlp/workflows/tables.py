"""Consolidated findings laid out like Tables 1–3 of the paper: one table per type, ideas under
their framework layer, most frequent first, counts in parentheses when above 1.

Both ``tables.md`` and ``tables.html`` open with a header a researcher can paste into a report:
what the counts mean, how many statements the model coded and how many people reviewed, the
model version and the date, and what the marks mean (``†`` no member reviewed by a person,
``‡`` members far apart: check the merge). ``tables.html`` prints cleanly (one table per page).
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from smgov_nlp.io.writers import atomic_open, atomic_path, keep_text
from smgov_nlp.labels import LAYER_TITLES, LAYERS, TYPE_TITLES, TYPES
from smgov_nlp.ties import source_datetime

COUNT_CHOICES = ("mentions", "groups")
NOT_REVIEWED = "†"
CHECK_MERGE = "‡"

COUNT_NOTES = {
    "mentions": ("Numbers in parentheses count mentions: the recorded responses (a bullet or a line of a group's "
                 "notes) that raised the idea, across all groups. A response split into several sentences counts "
                 "once, and so does a response recorded with its translation in the same group. No number means "
                 "one mention."),
    "groups": ("Numbers in parentheses count groups: how many groups (tables) raised the idea. No number means "
               "one group."),
}
MARKS_NOTE = (f"{NOT_REVIEWED} no statement of this idea has been reviewed by a person yet (machine-coded only). "
              f"{CHECK_MERGE} two of its statements are less similar than the merging threshold: check the merge "
              "(ideas.csv names its weakest member).")


@dataclass(frozen=True)
class Provenance:
    """Where the tables come from, for their header."""

    statements: int
    reviewed: int  # statements whose layer or type a person decided
    model_version: str
    date: str  # ISO date, from smgov_nlp.ties.source_datetime (SOURCE_DATE_EPOCH when set)
    count: str = "mentions"


def today() -> str:
    """The date written into the tables (``SOURCE_DATE_EPOCH`` when set)."""
    return source_datetime().date().isoformat()


def idea_label(text: str, count: int, reviewed: bool = True, needs_review: bool = False) -> str:
    """``"Identity theft (4)"``, or just the text when the idea came up once; then the marks."""
    label = f"{text} ({count})" if count > 1 else text
    marks = ("" if reviewed else NOT_REVIEWED) + (CHECK_MERGE if needs_review else "")
    return f"{label} {marks}" if marks else label


def layered(ideas: pd.DataFrame, type_: str, count: str = "mentions") -> dict[str, list[str]]:
    """Idea labels of one type, by layer in framework order, most frequent first."""
    part = ideas[ideas["type"] == type_].sort_values([count, "idea_text"], ascending=[False, True], kind="stable")
    return {layer: [idea_label(r.idea_text, int(getattr(r, count)), _flag(r, "reviewed", True),
                               _flag(r, "idea_needs_review", False))
                    for r in part[part["layer"] == layer].itertuples()]
            for layer in LAYERS}


def _flag(row, name: str, default: bool) -> bool:
    value = getattr(row, name, default)
    return value if isinstance(value, bool) else str(value).strip().lower() in ("true", "1")


def header_lines(info: Provenance | None, count: str = "mentions") -> list[str]:
    """The header's sentences: counts, coding, model and date, marks."""
    count = info.count if info else count
    lines = [COUNT_NOTES[count]]
    if info is not None:
        machine = info.statements - info.reviewed
        lines.append(f"{info.statements} statements: {machine} coded by the model only, {info.reviewed} reviewed "
                     "by people (their layer or type decided by a person).")
        lines.append(f"Model {info.model_version}; tables written {info.date}.")
    lines.append(MARKS_NOTE)
    return lines


def to_markdown(ideas: pd.DataFrame, info: Provenance | None = None, count: str = "mentions") -> str:
    count = info.count if info else count
    lines = ["# Consolidated findings", ""]
    lines += [f"- {_md(line)}" for line in header_lines(info, count)] + [""]
    for number, type_ in enumerate(TYPES, start=1):
        lines += [f"## Table {number}. {TYPE_TITLES[type_]}", "", "| Layer | Ideas |", "|---|---|"]
        for layer, items in layered(ideas, type_, count).items():
            cell = "<br>".join(f"• {_md(item)}" for item in items) or "—"
            lines.append(f"| {LAYER_TITLES[layer]} | {cell} |")
        lines.append("")
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_STYLE = (
    "body{font-family:sans-serif;max-width:72em;margin:2em auto;padding:0 1em;line-height:1.35}"
    "table{border-collapse:collapse;width:100%;margin-bottom:2em}"
    "td,th{border:1px solid #999;padding:.4em;vertical-align:top;text-align:left}"
    "th{background:#eee}td.layer{width:14em}ul{margin:0;padding-left:1.2em}"
    ".note{font-size:.95em;margin-bottom:2em}.note li{margin-bottom:.3em}"
    "@media print{@page{margin:1.5cm}"
    "body{max-width:none;margin:0;padding:0;font-size:10pt;background:none;color:#000}"
    "th{background:none}thead{display:table-header-group}tr,li{break-inside:avoid;page-break-inside:avoid}"
    "section+section{break-before:page;page-break-before:always}td.layer{width:11em}}"
)


def to_html(ideas: pd.DataFrame, info: Provenance | None = None, count: str = "mentions") -> str:
    count = info.count if info else count
    parts = ["<!doctype html>", '<html lang="es"><head><meta charset="utf-8"><title>Consolidated findings</title>',
             f"<style>{_STYLE}</style></head><body>", "<h1>Consolidated findings</h1>", '<ul class="note">']
    parts += [f"<li>{html.escape(line)}</li>" for line in header_lines(info, count)]
    parts.append("</ul>")
    for number, type_ in enumerate(TYPES, start=1):
        parts.append(f"<section><h2>Table {number}. {html.escape(TYPE_TITLES[type_])}</h2>")
        parts.append("<table><thead><tr><th>Layer</th><th>Ideas</th></tr></thead><tbody>")
        for layer, items in layered(ideas, type_, count).items():
            cell = "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>" if items else "—"
            parts.append(f'<tr><td class="layer">{html.escape(LAYER_TITLES[layer])}</td><td>{cell}</td></tr>')
        parts.append("</tbody></table></section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def to_xlsx(ideas: pd.DataFrame, path: Path, count: str = "mentions") -> None:
    """One sheet per type (layer, idea, mentions, groups, reviewed, check merge) and an ``ideas`` sheet with every column."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    for type_ in TYPES:
        sheet = book.create_sheet(TYPE_TITLES[type_][:31])
        sheet.append(["Layer", "Idea", "Mentions", "Groups", "Reviewed by a person", "Check merge"])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        part = ideas[ideas["type"] == type_]
        for layer in LAYERS:
            rows = part[part["layer"] == layer].sort_values([count, "idea_text"], ascending=[False, True], kind="stable")
            for row in rows.itertuples():
                sheet.append([LAYER_TITLES[layer], row.idea_text, int(row.mentions), int(row.groups),
                              "yes" if _flag(row, "reviewed", True) else "no",
                              "yes" if _flag(row, "idea_needs_review", False) else "no"])
        sheet.column_dimensions["A"].width = 45
        sheet.column_dimensions["B"].width = 90
        sheet.freeze_panes = "A2"
        for row in sheet.iter_rows(min_row=2):
            row[1].alignment = Alignment(wrap_text=True, vertical="top")
    full = book.create_sheet("ideas")
    full.append(list(ideas.columns))
    for row in ideas.itertuples(index=False):
        full.append(list(row))
    for sheet in book.worksheets:  # statements that start with '=' stay text, never formulas
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                keep_text(cell)
    if os.environ.get("SOURCE_DATE_EPOCH"):  # reproducible document properties
        stamp = source_datetime().replace(tzinfo=None)
        book.properties.created = book.properties.modified = stamp
    book.save(path)


def write_tables(ideas: pd.DataFrame, out_dir: str | Path, info: Provenance | None = None) -> None:
    """Write ``tables.md``, ``tables.html`` and ``tables.xlsx`` into ``out_dir`` atomically."""
    out_dir = Path(out_dir)
    count = info.count if info else "mentions"
    with atomic_open(out_dir / "tables.md") as fh:
        fh.write(to_markdown(ideas, info))
    with atomic_open(out_dir / "tables.html") as fh:
        fh.write(to_html(ideas, info))
    with atomic_path(out_dir / "tables.xlsx") as tmp:
        to_xlsx(ideas, tmp, count)
