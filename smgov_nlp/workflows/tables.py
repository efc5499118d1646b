"""Consolidated findings laid out like Tables 1–3 of the paper: one table per type,
ideas under their framework layer, most frequent first, counts in parentheses when above 1."""

from __future__ import annotations

import html
import os
from pathlib import Path

import pandas as pd

from smgov_nlp.io.writers import atomic_open, atomic_path, keep_text
from smgov_nlp.labels import LAYER_TITLES, LAYERS, TYPE_TITLES, TYPES
from smgov_nlp.ties import source_datetime


def idea_label(text: str, count: int) -> str:
    """``"Identity theft (4)"``, or just the text when the idea came up once."""
    return f"{text} ({count})" if count > 1 else text


def layered(ideas: pd.DataFrame, type_: str) -> dict[str, list[str]]:
    """Idea labels of one type, by layer in framework order, most frequent first."""
    part = ideas[ideas["type"] == type_].sort_values(["count", "idea_text"], ascending=[False, True])
    return {layer: [idea_label(r.idea_text, int(r.count)) for r in part[part["layer"] == layer].itertuples()]
            for layer in LAYERS}


def to_markdown(ideas: pd.DataFrame) -> str:
    lines = ["# Consolidated findings", "",
             "Ideas merged across groups and languages; numbers in parentheses count how often an idea came up.", ""]
    for number, type_ in enumerate(TYPES, start=1):
        lines += [f"## Table {number}. {TYPE_TITLES[type_]}", "", "| Layer | Ideas |", "|---|---|"]
        for layer, items in layered(ideas, type_).items():
            cell = "<br>".join(f"• {_md(item)}" for item in items) or "—"
            lines.append(f"| {LAYER_TITLES[layer]} | {cell} |")
        lines.append("")
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_html(ideas: pd.DataFrame) -> str:
    parts = ["<!doctype html>", '<html lang="es"><head><meta charset="utf-8"><title>Consolidated findings</title>',
             "<style>body{font-family:sans-serif;max-width:72em;margin:2em auto}table{border-collapse:collapse;"
             "width:100%;margin-bottom:2em}td,th{border:1px solid #999;padding:.4em;vertical-align:top;text-align:left}"
             "th{background:#eee}ul{margin:0;padding-left:1.2em}</style></head><body>",
             "<h1>Consolidated findings</h1>"]
    for number, type_ in enumerate(TYPES, start=1):
        parts.append(f"<h2>Table {number}. {html.escape(TYPE_TITLES[type_])}</h2>")
        parts.append("<table><tr><th>Layer</th><th>Ideas</th></tr>")
        for layer, items in layered(ideas, type_).items():
            cell = "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>" if items else "—"
            parts.append(f"<tr><td>{html.escape(LAYER_TITLES[layer])}</td><td>{cell}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def to_xlsx(ideas: pd.DataFrame, path: Path) -> None:
    """One sheet per type (layer, idea, count) and an ``ideas`` sheet with every column."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    for type_ in TYPES:
        sheet = book.create_sheet(TYPE_TITLES[type_][:31])
        sheet.append(["Layer", "Idea", "Count"])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        part = ideas[ideas["type"] == type_]
        for layer in LAYERS:
            rows = part[part["layer"] == layer].sort_values(["count", "idea_text"], ascending=[False, True])
            for row in rows.itertuples():
                sheet.append([LAYER_TITLES[layer], row.idea_text, int(row.count)])
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


def write_tables(ideas: pd.DataFrame, out_dir: str | Path) -> None:
    """Write ``tables.md``, ``tables.html`` and ``tables.xlsx`` into ``out_dir`` atomically."""
    out_dir = Path(out_dir)
    with atomic_open(out_dir / "tables.md") as fh:
        fh.write(to_markdown(ideas))
    with atomic_open(out_dir / "tables.html") as fh:
        fh.write(to_html(ideas))
    with atomic_path(out_dir / "tables.xlsx") as tmp:
        to_xlsx(ideas, tmp)
