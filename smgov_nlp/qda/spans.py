"""The plain text of a transcript and where each of its statements sits in it.

A QDA tool codes characters of a text, so every statement needs its ``[start, end)`` in the
transcript's plain text, in Unicode code points. :func:`source_text` builds that text (a .txt/.md
as read, a .docx from its paragraphs in reading order, a CSV/XLSX/JSONL export as one statement per
line); :func:`locate` finds each statement in it: the statement's tokens in order with any whitespace
between them, searched from the start of the statement's line (and past the statement before it on
that line, so repeated statements each get their own span). A statement whose words are there but
not its characters (markup or punctuation in between) falls back to a match on letters and digits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from smgov_nlp.io.readers import detect_encoding
from smgov_nlp.transcripts.readers import docx_lines
from smgov_nlp.transcripts.segment import TABLE_FORMATS


@dataclass(frozen=True)
class SourceText:
    """A transcript as plain text (UTF-8, LF, no BOM) and where each of its lines starts.

    ``line_starts`` maps a statement's ``line`` (a text line, a .docx paragraph, or for an export the
    statement's position from 1) to the code point its line starts at.
    """

    text: str
    line_starts: dict[int, int]
    one_per_line: bool = False  # an export: line i holds statement i


def source_text(path: str | Path, statements: Sequence[str] = ()) -> SourceText:
    """The plain text of one transcript; an export (``statements`` given) is its statements, one per line."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in TABLE_FORMATS:
        return _joined([" ".join(s.split()) for s in statements], one_per_line=True)
    if suffix == ".docx":
        lines = docx_lines(path)
        return _joined([line.text for line in lines], [line.number for line in lines])
    with path.open("r", encoding=detect_encoding(path), newline=None) as fh:
        text = fh.read()
    return _joined(text.removeprefix("\ufeff").split("\n"))


def _joined(lines: Sequence[str], numbers: Sequence[int] | None = None, one_per_line: bool = False) -> SourceText:
    starts: dict[int, int] = {}
    offset = 0
    for index, line in enumerate(lines):
        starts.setdefault(numbers[index] if numbers is not None else index + 1, offset)
        offset += len(line) + 1
    return SourceText("\n".join(lines), starts, one_per_line)


def locate(source: SourceText, statements: Sequence[tuple[str, int]]) -> list[tuple[int, int] | None]:
    """``[start, end)`` of each ``(text, line)`` statement in ``source``, in order; ``None`` where it is not found."""
    text = source.text
    folded: _Folded | None = None
    after: dict[int, int] = {}  # line -> end of the last span found for a statement of that line
    spans: list[tuple[int, int] | None] = []
    for index, (statement, line) in enumerate(statements):
        key = index + 1 if source.one_per_line else int(line)
        begin = max(source.line_starts.get(key, 0), after.get(key, 0))
        span = _exact(text, statement, begin) or _exact(text, statement, 0)
        if span is None:
            folded = folded or _Folded(text)
            span = folded.find(statement, begin) or folded.find(statement, 0)
        if span is not None:
            after[key] = span[1]
        spans.append(span)
    return spans


def _exact(text: str, statement: str, begin: int) -> tuple[int, int] | None:
    tokens = statement.split()
    if not tokens:
        return None
    match = re.compile(r"\s+".join(re.escape(token) for token in tokens)).search(text, begin)
    return match.span() if match else None


class _Folded:
    """``text`` reduced to its letters and digits, casefolded, with each one's position in ``text``."""

    def __init__(self, text: str):
        self.positions = [i for i, ch in enumerate(text) if ch.isalnum()]
        self.chars = "".join(text[i].casefold()[:1] for i in self.positions)

    def find(self, statement: str, begin: int) -> tuple[int, int] | None:
        needle = "".join(ch.casefold()[:1] for ch in statement if ch.isalnum())
        if not needle:
            return None
        first = next((k for k, at in enumerate(self.positions) if at >= begin), len(self.positions))
        k = self.chars.find(needle, first)
        if k < 0:
            return None
        return self.positions[k], self.positions[k + len(needle) - 1] + 1


def same_text(a: str, b: str) -> bool:
    """Whether two texts are the same up to whitespace."""
    return a.split() == b.split()
