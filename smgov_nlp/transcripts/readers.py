"""Reading notes files: ``.txt``/``.md`` lines, ``.docx`` paragraphs, and CSV/XLSX/JSONL exports.

Text and .docx notes become :class:`~smgov_nlp.transcripts.markup.Line` records for the line
walker of :mod:`smgov_nlp.transcripts.segment`; an export with a ``text`` column is turned into
statements directly (its ``type``/``section`` and ``group`` columns stand in for headings and preamble).
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from smgov_nlp.errors import SmgovError
from smgov_nlp.io.readers import detect_encoding, read_table
from smgov_nlp.labels import TYPES
from smgov_nlp.transcripts.headings import Heading, only_keyword, section_type
from smgov_nlp.transcripts.items import fill_undetermined, item_statements, items
from smgov_nlp.transcripts.markup import Line
from smgov_nlp.transcripts.statement import Statement

logger = logging.getLogger(__name__)

_NOT_DOCX_FIX = "save it again as .docx from your word processor"


def text_lines(path: Path) -> list[Line]:
    """The lines of a text file in its detected encoding (BOM and CRLF handled), numbered from 1."""
    encoding = detect_encoding(path)
    with path.open("r", encoding=encoding, newline=None) as fh:
        text = fh.read()
    return [Line(line.rstrip(), number) for number, line in enumerate(text.split("\n"), start=1)]


def docx_lines(path: Path) -> list[Line]:
    """Paragraphs of a .docx in reading order, numbered from 1; a table's cells are read where it stands."""
    _check_docx(path)
    import docx  # python-docx: only needed for .docx notes
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many types for broken files
        raise SmgovError(f"{str(path)!r} is not a valid .docx document ({type(exc).__name__})",
                         _NOT_DOCX_FIX) from exc
    counter = 0

    def lines_of(paragraph: Any) -> list[Line]:
        """A paragraph as lines: one per soft line break, all with the paragraph's number."""
        nonlocal counter
        counter += 1
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        runs = [r for r in paragraph.runs if r.text.strip()]
        ppr = paragraph._p.pPr
        listed = (ppr is not None and ppr.numPr is not None) or style.casefold().startswith(("list", "lista"))
        bold = bool(runs) and all(r.bold for r in runs)
        first, *rest = paragraph.text.split("\n")
        return [Line(first, counter, style=style, bold=bold, list_item=listed, joinable=False)] + [
            Line(piece, counter, style=style, bold=bold) for piece in rest]

    lines: list[Line] = []
    for block in document.iter_inner_content():
        lines.extend(_table_lines(block, lines_of) if isinstance(block, Table) else lines_of(block))
    return lines


def _check_docx(path: Path) -> None:
    """The checks :func:`smgov_nlp.io.readers.check_input` makes, minus its NUL-byte test (a .docx is a zip file)."""
    if not path.exists():
        raise SmgovError(f"input file {str(path)!r} does not exist", "check the path and try again")
    if path.is_dir():
        raise SmgovError(f"{str(path)!r} is a folder, expected a file", "pass a file path")
    if path.stat().st_size == 0:
        raise SmgovError(f"input file {str(path)!r} is empty", "pass a document with notes in it")
    if not zipfile.is_zipfile(path):
        raise SmgovError(f"{str(path)!r} is not a valid .docx document", _NOT_DOCX_FIX)


def _table_lines(table: Any, lines_of: Callable[[Any], list[Line]]) -> list[Line]:
    """A table's paragraphs, numbered row by row; read column by column if the header row names types."""
    rows = [_unique_cells(row.cells) for row in table.rows]
    cells = [[[line for p in cell.paragraphs for line in lines_of(p)] for cell in row] for row in rows]
    header = [cell.text for cell in rows[0]] if rows else []
    if sum(1 for text in header if only_keyword(text)) >= 2 and len(rows) > 1:
        width = max(len(row) for row in cells)
        return [line for c in range(width) for row in cells if c < len(row) for line in row[c]]
    return [line for row in cells for cell in row for line in cell]


def _unique_cells(cells: Iterable[Any]) -> list[Any]:
    """Cells of a row, with horizontally merged cells (repeated by python-docx) once."""
    seen: set[int] = set()
    out = []
    for cell in cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            out.append(cell)
    return out


def table_statements(path: Path, group: str | None) -> list[Statement]:
    """Statements of a CSV/XLSX/JSONL export: one or more per non-empty ``text`` cell.

    The ``type`` column (a type id or a heading word such as "riesgo") or else the ``section``
    column gives the type; the group is ``group``, else the ``group`` column, else the file's stem.
    """
    frame = read_table(path)
    columns = {str(c).strip().casefold(): c for c in frame.columns}
    if "text" not in columns:
        found = [str(c) for c in frame.columns]
        raise SmgovError(f"expected a column 'text' in {path.name}, found {found}",
                         "rename the column that holds the statements to 'text'")

    def cell(row: dict[Any, Any], name: str) -> str:
        return str(row[columns[name]] or "").strip() if name in columns else ""

    statements: list[Statement] = []
    for index, row in enumerate(frame.to_dict("records")):
        number = index + 2  # the spreadsheet row; the header is row 1
        section, raw_type = cell(row, "section"), cell(row, "type")
        typ = (section_type(raw_type) if raw_type else None) or (section_type(section) if section else None)
        if raw_type and section_type(raw_type) is None:
            logger.warning("%s row %d: type %r is not one of %s", path.name, number, raw_type, TYPES)
        heading = Heading(section or raw_type, typ, None) if (section or raw_type) else None
        row_group = group if group is not None else (cell(row, "group") or path.stem)
        lines = [Line(part, number) for part in str(row[columns["text"]] or "").splitlines()]
        for item in items(lines):
            statements.extend(item_statements(item, heading, path.name, row_group))
    logger.debug("%s: %d statements from %d rows", path.name, len(statements), len(frame))
    return fill_undetermined(statements)
