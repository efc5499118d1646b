"""The records of segmented notes: a statement to code, a line kept as metadata, and both together."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Statement:
    """One statement from a notes file, ready to be coded.

    ``type`` comes from the section (``None`` when the section names no type), ``section`` is the
    heading text as written (markup, numbering and a trailing colon removed; ``''`` if none),
    ``line`` is 1-based: the line of a text file, the paragraph of a .docx (in reading order,
    table paragraphs included), or the spreadsheet row of a CSV/XLSX (header = 1).
    """

    text: str
    lang: str
    type: str | None
    section: str
    file: str
    line: int
    group: str


@dataclass(frozen=True)
class MetadataLine:
    """A line (or sentence) of notes that is kept but never coded.

    ``kind`` is ``"title"``, ``"preamble"`` (a line before the first heading), ``"metadata"``
    (a "Fecha: …" or "Mesa 2" line elsewhere) or ``"remark"`` (a remark about the workshop
    itself, see :mod:`smgov_nlp.transcripts.remarks`); ``line`` is numbered as in :class:`Statement`.
    """

    text: str
    kind: str
    file: str
    line: int


@dataclass
class Notes:
    """A segmented notes file: the statements to code and the metadata kept beside them, in file order."""

    statements: list[Statement] = field(default_factory=list)
    metadata: list[MetadataLine] = field(default_factory=list)
