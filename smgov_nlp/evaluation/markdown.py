"""Markdown formatting shared by ``REPORT.md`` and ``LABEL_AUDIT.md``: numbers, percentages, tables."""

from __future__ import annotations


def num(value: float | None, digits: int = 3) -> str:
    """``value`` with ``digits`` decimals, or an en dash for None."""
    return "–" if value is None else f"{value:.{digits}f}"


def pct(value: float | None) -> str:
    """``value`` as a whole percentage, or an en dash for None."""
    return "–" if value is None else f"{value:.0%}"


def md_table(header: list[str], rows: list[list]) -> str:
    """A Markdown table with ``header`` and one line per row (cells formatted with ``str``)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def md_cell(text: str) -> str:
    """``text`` made safe inside a table cell: pipes escaped, newlines as spaces."""
    return str(text).replace("|", "\\|").replace("\n", " ")
