"""Turn raw workshop notes into statements: one sentence each, with its section, type, place and group.

Reads ``.txt``/``.md`` notes, ``.docx`` documents and CSV/XLSX/JSONL exports. In notes,
question headings ("¿Cuáles son los principales riesgos?", "## Benefits", "**Estrategias**")
open sections, and a statement's type comes from the section it sits in. Lines before the
first heading are the preamble (title, "Secretaría: …", "Fecha: …"); they are metadata, never
statements, and a "Mesa 2" / "Group: B" line there names the group.

Bullets, numbered items and plain lines are items; indented lines that follow an item (and,
after a bullet, a wrapped line starting in lower case) continue it. An item holding several sentences becomes
one statement per sentence, split by spaCy's rule-based sentencizer on a blank pipeline, and a
run-on sentence joining two clauses ("no hay presupuesto y además el personal está saturado")
becomes two. A remark about the workshop itself ("La mesa pidió que se repita el taller") is
metadata like the preamble: :func:`segment_notes` returns it beside the statements, and it is
logged at INFO.

This module is the entry point (:func:`segment_file`, :func:`segment_text`, :func:`segment_notes`)
and walks the lines; the rules live beside it: :mod:`~smgov_nlp.transcripts.headings` (sections
and their type), :mod:`~smgov_nlp.transcripts.preamble` (metadata and the group),
:mod:`~smgov_nlp.transcripts.items` (items and sentences), :mod:`~smgov_nlp.transcripts.clauses`
(run-on sentences), :mod:`~smgov_nlp.transcripts.remarks` (remarks about the workshop) and
:mod:`~smgov_nlp.transcripts.readers` (file formats).
"""

from __future__ import annotations

import logging
from pathlib import Path

from smgov_nlp.io.readers import check_input
from smgov_nlp.transcripts.headings import Heading, heading_of, is_title, nest, unknown_heading
from smgov_nlp.transcripts.items import fill_undetermined, item_statements, items
from smgov_nlp.transcripts.markup import BULLET, RULE, Line, item_marker
from smgov_nlp.transcripts.preamble import find_group, is_metadata_line
from smgov_nlp.transcripts.readers import docx_lines, table_statements, text_lines
from smgov_nlp.transcripts.remarks import remark_kind
from smgov_nlp.transcripts.statement import MetadataLine, Notes, Statement

logger = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = (".txt", ".md", ".docx", ".csv", ".xlsx", ".jsonl")
TABLE_FORMATS: tuple[str, ...] = (".csv", ".xlsx", ".jsonl")


def segment_text(text: str, file: str = "<text>", group: str | None = None) -> list[Statement]:
    """Segment notes given as a string, as :func:`segment_file` does for a .txt file."""
    return segment_notes_text(text, file, group).statements


def segment_file(path: str | Path, group: str | None = None) -> list[Statement]:
    """Read a notes file and return its statements in order.

    ``.txt``/``.md`` notes and ``.docx`` documents are split into sections and items (see the
    module docstring); CSV/XLSX/JSONL exports need a ``text`` column and may have ``type`` or
    ``section`` and ``group`` columns. The group is, in order: the ``group`` argument, a
    ``group`` column or a "Mesa 2" line in the preamble, and the file's stem. Remarks about the
    workshop and preamble lines are left out; :func:`segment_notes` returns them too.
    """
    return segment_notes(path, group).statements


def segment_notes_text(text: str, file: str = "<text>", group: str | None = None) -> Notes:
    """Segment notes given as a string, as :func:`segment_notes` does for a .txt file."""
    lines = [Line(line.rstrip(), number) for number, line in enumerate(text.splitlines(), start=1)]
    default = Path(file).stem or file
    return _set_remarks_apart(_segment_lines(lines, file, default, group))


def segment_notes(path: str | Path, group: str | None = None) -> Notes:
    """Like :func:`segment_file`, with the lines kept as metadata (title, preamble, remarks) beside the statements."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _set_remarks_apart(_segment_lines(docx_lines(path), path.name, path.stem, group))
    path = check_input(path, FORMATS)
    if suffix in TABLE_FORMATS:
        return _set_remarks_apart(Notes(table_statements(path, group)))
    return _set_remarks_apart(_segment_lines(text_lines(path), path.name, path.stem, group))


def _set_remarks_apart(notes: Notes) -> Notes:
    """Move the statements that are remarks about the workshop to the metadata, in file order."""
    statements: list[Statement] = []
    for statement in notes.statements:
        kind = remark_kind(statement.text)
        if kind is None:
            statements.append(statement)
            continue
        logger.info("%s line %d: a remark about the workshop (%s), kept as metadata, not coded: %r",
                    statement.file, statement.line, kind, statement.text)
        notes.metadata.append(MetadataLine(statement.text, "remark", statement.file, statement.line))
    notes.metadata.sort(key=lambda m: m.line)
    if notes.statements and not statements:
        logger.warning("%s: no statements found, only remarks about the workshop", notes.statements[0].file)
    return Notes(statements, notes.metadata)


# --------------------------------------------------------------------------- the line walker


def _mark_setext(lines: list[Line]) -> list[Line]:
    """Drop ``---``/``===`` rules; a non-blank line right above ``===``/``---`` becomes a heading."""
    out: list[Line] = []
    for line in lines:
        if line.joinable and RULE.match(line.text):
            if out and out[-1].text.strip() and not item_marker(out[-1].text) and \
                    line.text.strip()[0] in "=-" and out[-1].number == line.number - 1:
                out[-1].setext = True
            out.append(Line("", line.number))
            continue
        out.append(line)
    return out


def _find_headings(lines: list[Line], content: list[int], title_index: int | None) -> dict[int, Heading]:
    """The headings :func:`heading_of` finds, by line index."""
    found = {i: heading_of(lines[i]) for i in content if i != title_index}
    return {i: heading for i, heading in found.items() if heading}


def _unknown_headings(lines: list[Line], content: list[int], title_index: int | None,
                      headings: dict[int, Heading]) -> dict[int, Heading]:
    """The plain untyped headings ("Otros comentarios:") among the lines that are not headings yet."""
    found: dict[int, Heading] = {}
    for position, i in enumerate(content):
        if i == title_index or i in headings:
            continue
        before = lines[i - 1] if i > 0 else None
        after = lines[content[position + 1]] if position + 1 < len(content) else None
        heading = unknown_heading(lines[i], before, after)
        if heading:
            found[i] = heading
    return found


def _segment_lines(lines: list[Line], file: str, default_group: str, group: str | None) -> Notes:
    """Find sections, preamble and items in ``lines``; return the file's statements and metadata lines."""
    lines = _mark_setext(lines)
    content = [i for i, line in enumerate(lines) if line.text.strip()]
    title_index: int | None = None
    if content:
        first = content[0]
        following = lines[content[1]] if len(content) > 1 else None
        if is_title(lines[first], following):
            title_index = first
    headings = _find_headings(lines, content, title_index)
    first_heading = min(headings) if headings else len(lines)
    has_preamble = bool(headings)
    # A plain untyped heading opens a section only after the first other heading (or in a file
    # with none): before it, "Asistentes" followed by names is preamble, not a section.
    for i, found in _unknown_headings(lines, content, title_index, headings).items():
        if not has_preamble or i > first_heading:
            headings[i] = found

    final_group = group if group is not None else (
        find_group(lines, content, title_index, first_heading) or default_group)

    statements: list[Statement] = []
    current: Heading | None = None
    open_headings: list[Heading] = []  # the markdown/.docx heading levels we are inside
    block: list[Line] = []  # content lines since the last heading
    metadata: list[MetadataLine] = []

    def flush() -> None:
        for item in items(block):
            statements.extend(item_statements(item, current, file, final_group))
        block.clear()

    for i, line in enumerate(lines):
        if i in headings:
            flush()
            current = nest(headings[i], open_headings)
            continue
        stripped = line.text.strip()
        in_preamble = has_preamble and i < first_heading
        is_metadata = i == title_index or (
            bool(stripped) and not line.list_item and not BULLET.match(stripped) and is_metadata_line(stripped))
        if in_preamble or is_metadata:
            if stripped:
                kind = "title" if i == title_index else "preamble" if in_preamble else "metadata"
                metadata.append(MetadataLine(stripped, kind, file, line.number))
            block.append(Line("", line.number))  # ends the open item like a blank line
        else:
            block.append(line)
    flush()
    statements = fill_undetermined(statements)
    logger.debug("%s: %d statements, %d sections, %d preamble/metadata lines kept apart",
                 file, len(statements), len(headings), len(metadata))
    if not statements:
        logger.warning("%s: no statements found", file)
    return Notes(statements, metadata)


__all__ = ["FORMATS", "TABLE_FORMATS", "MetadataLine", "Notes", "Statement", "segment_file", "segment_notes",
           "segment_notes_text", "segment_text"]
