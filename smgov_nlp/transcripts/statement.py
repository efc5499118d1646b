"""The statement record: one sentence of workshop notes with where it came from."""

from __future__ import annotations

from dataclasses import dataclass


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
