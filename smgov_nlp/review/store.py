"""The append-only decision store, ``reviewed.csv``: where every review decision is written and read back.

Its columns are :data:`~smgov_nlp.review.decision.COLUMNS`. A file written before the ``decision``,
``note``, ``batch`` and ``idea_with`` columns existed (:data:`~smgov_nlp.review.decision.LEGACY_COLUMNS`)
is read as it is, each verdict inferred from the labels, and rewritten once with the new header on the
next append.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from smgov_nlp.errors import SmgovError
from smgov_nlp.io.writers import atomic_path
from smgov_nlp.review.decision import COLUMNS, LEGACY_COLUMNS, Decision, inferred_decision

logger = logging.getLogger(__name__)

STORE_FILE = "reviewed.csv"
EXAMPLE_COLUMNS: tuple[str, ...] = ("text", "layer", "type", "lang", "text_hash")
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept by errors="surrogateescape"


def default_data_dir() -> Path:
    """Where decisions live unless told otherwise: ``data/labeled`` under the working directory."""
    return Path.cwd() / "data" / "labeled"


class DecisionStore:
    """Append-only CSV of review decisions, ``<data_dir>/reviewed.csv``.

    The latest row for a ``text_hash`` wins; a latest row without a verdict means the statement
    is undecided.

    :meth:`append` costs the same however long the file is: its rows go to the end of the file
    in one flushed and fsynced write (a new file is written whole, header first, and moved into
    place). A crash during a write can cut the last row short: readers ignore a cut-off row with
    a logged warning, and the next append starts on a fresh line. A last row that lacks only its
    line end is whole, and counts.

    Reading is incremental: a store object remembers how far it has read, so :meth:`latest` and
    :meth:`get` parse only the rows appended since their last call (by anyone).

    Two operations rewrite the whole file, atomically (a temporary file moved into place): the first
    append to a file with the old 11 columns (upgraded to the new header), and :meth:`remove_batch`.
    """

    def __init__(self, data_dir: Path | str | None = None):
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        if self.data_dir.exists() and not self.data_dir.is_dir():
            raise SmgovError(
                f"the data folder {str(self.data_dir)!r} is a file, expected a folder",
                "pass --data with a folder (reviewed.csv is written inside it)",
            )
        self.path = self.data_dir / STORE_FILE
        self._read: _ReadState | None = None  # what latest() has parsed so far
        self._columns: tuple[str, ...] = COLUMNS  # the header of the file as last checked
        self._boundary: tuple[tuple[int, int], int] | None = None  # (file, offset) known to end on a whole row

    def __repr__(self) -> str:
        return f"DecisionStore({str(self.data_dir)!r})"

    # --- writing

    def append(self, decisions: list[Decision]) -> None:
        """Append ``decisions``, one row each, in a single flushed and fsynced write.

        Nothing is written unless every row could be formatted. The first rows of a new (or
        blank) store are written with the header to a temporary file that is moved into place,
        as is the whole file, upgraded to the new header, when it still has the old 11 columns.
        """
        decisions = list(decisions)
        if not decisions:
            return
        for decision in decisions:
            if not isinstance(decision, Decision):
                raise TypeError(f"expected Decision objects, got {type(decision).__name__}")
        rows = [decision.row() for decision in decisions]
        if not self._has_header():
            self._rewrite(rows)
            return
        if self._columns != COLUMNS:
            logger.info("%s: upgrading to the columns %s", self.path, list(COLUMNS))
            self._rewrite(self._all_rows() + rows)
            return
        start = self._line_start()
        with open(self.path, "ab") as fh:
            fh.write(start + _csv_lines(rows))
            fh.flush()
            os.fsync(fh.fileno())
            self._boundary = (_file_key(self.path), fh.tell())

    def _rewrite(self, rows: list[list[str]]) -> None:
        """Write the header and ``rows`` to a temporary file, fsynced, and move it into place."""
        with atomic_path(self.path) as tmp, open(tmp, "wb") as fh:
            fh.write(_csv_lines([COLUMNS, *rows]))
            fh.flush()
            os.fsync(fh.fileno())
        self._columns = COLUMNS
        self._read = None
        self._boundary = (_file_key(self.path), self.path.stat().st_size)

    def remove_batch(self, batch: str) -> int:
        """Remove every row written by the import ``batch`` (one atomic rewrite); return how many.

        The statements those rows decided go back to their previous state (the latest other row).
        An unknown batch is an error naming the batches the store knows.
        """
        batch = batch.strip()
        rows = self._all_rows() if self._has_header() else []
        at = COLUMNS.index("batch")
        kept = [row for row in rows if row[at] != batch] if batch else rows
        if len(kept) == len(rows):
            known = list(dict.fromkeys(row[at] for row in reversed(rows) if row[at]))
            raise SmgovError(
                f"no rows of batch {batch!r} in {str(self.path)!r}"
                + (f"; its batches, newest first: {', '.join(known[:5])}" if known else "; it has no import batches"),
                "pass the batch id printed by smgov review --import (and the same --data)",
            )
        self._rewrite(kept)
        return len(rows) - len(kept)

    def _line_start(self) -> bytes:
        """What new rows must be preceded by to start on a fresh line: usually nothing.

        Checks the file from the last offset known to end on a whole row (the header, the first
        time). A cut-off last row is closed, so the new rows cannot be read as part of it.
        """
        key, size = _file_key(self.path), self.path.stat().st_size
        if self._boundary is not None and self._boundary[0] == key and self._boundary[1] <= size:
            if self._boundary[1] == size:
                return b""
            offset = self._boundary[1]
        else:
            offset = 0
        with open(self.path, "rb") as fh:
            if offset == 0:
                header = fh.readline()
                if not header.endswith(b"\n"):
                    return b"\n"  # the header is the whole file
                offset = len(header)
            fh.seek(offset)
            unchecked = fh.read()
        tail = unchecked[_whole_rows(unchecked):]
        if not tail.strip():
            return b"\n" if tail else b""
        close = b'"' if tail.count(b'"') % 2 else b""  # a row cut inside a quoted field
        fields = _fields(tail + close)
        if _whole_decision(fields, self._columns) is not None:
            return b"\n"  # the last row lacks only its line end
        logger.warning("%s: the last row is cut off (%d of %d fields; was a write interrupted?); "
                       "it stays in the file and is ignored", self.path, len(fields), len(COLUMNS))
        # a cut-off row that happens to have as many fields as the header gets one more, so no reader
        # takes it for a decision
        return close + (b",\n" if len(fields) == len(COLUMNS) else b"\n")

    # --- reading

    def _has_header(self) -> bool:
        """True if the file starts with a known header (the current or the 11-column one), False if it is
        missing or blank; else an error. Remembers which header it is."""
        if not self.path.exists():
            return False
        with open(self.path, "rb") as fh:
            line = fh.readline()
            if not line.strip() and not fh.read().strip():
                return False
        found = next(csv.reader([line.rstrip(b"\r\n").decode("utf-8-sig", errors="replace")]), [])
        if tuple(found) not in (COLUMNS, LEGACY_COLUMNS):
            raise SmgovError(
                f"{str(self.path)!r} has columns {found}, expected {list(COLUMNS)}",
                "restore reviewed.csv from a backup, or move it aside to start a new one",
            )
        self._columns = tuple(found)
        return True

    def _rows(self, data: bytes, before: int) -> tuple[list[tuple[int, list[str]]], int]:
        """The rows of ``data`` (whole rows) numbered after row ``before``, and the last number used.

        A row without as many fields as the header was cut off by an interrupted write: it is logged
        and left out.
        """
        rows = []
        number = before
        for fields in csv.reader(io.StringIO(data.decode("utf-8", errors="surrogateescape"), newline="")):
            if len(fields) <= 1 and not "".join(fields).strip():
                continue  # a blank line
            number += 1
            if len(fields) != len(self._columns):
                logger.warning("%s: row %d has %d fields, expected %d (was a write interrupted?); it is ignored",
                               self.path, number, len(fields), len(self._columns))
                continue
            if any(_NOT_UTF8.search(field) for field in fields):
                raise SmgovError(
                    f"cannot read {str(self.path)!r} as a UTF-8 CSV (row {number} is not UTF-8)",
                    "restore reviewed.csv from a backup, or move it aside to start a new one",
                )
            rows.append((number, fields))
        return rows, number

    def _decision(self, number: int, fields: list[str]) -> Decision:
        try:
            return Decision.from_fields(self._columns, fields)
        except ValueError as exc:
            raise SmgovError(
                f"row {number} of {str(self.path)!r} is not a valid decision ({exc})",
                "fix or delete that row (the header is row 1)",
            ) from exc

    def _tail_decision(self, tail: bytes) -> Decision | None:
        """The decision of a last row without a line end if the row is whole; a cut-off row is logged."""
        if not tail.strip():
            return None
        decision = _whole_decision(_fields(tail), self._columns)
        if decision is None:
            logger.warning("%s: the last row is cut off (was a write interrupted?); it is ignored", self.path)
        return decision

    def _refresh(self) -> tuple[dict[str, Decision], Decision | None]:
        """Parse what was appended since the last call (everything, the first time).

        Returns the latest decision per ``text_hash`` among whole rows (undecided ones included)
        and the decision of a whole last row that lacks its line end, if any.
        """
        if not self._has_header():
            self._read = None
            return {}, None
        key, size = _file_key(self.path), self.path.stat().st_size
        state = self._read
        if state is None or state.key != key or size < state.offset or state.columns != self._columns:
            state = _ReadState(key, self._columns)  # first read, or the file was replaced
        with open(self.path, "rb") as fh:
            if state.offset == 0:
                state.offset = len(fh.readline())
            fh.seek(state.offset)
            unread = fh.read()
        whole = _whole_rows(unread)
        rows, last = self._rows(unread[:whole], state.rows)
        decisions = [self._decision(number, fields) for number, fields in rows]
        for decision in decisions:
            state.latest.pop(decision.text_hash, None)  # keep dict order = order of the latest write
            state.latest[decision.text_hash] = decision
        state.offset += whole
        state.rows = last
        self._read = state
        self._boundary = (key, state.offset)
        return state.latest, self._tail_decision(unread[whole:])

    def _all_rows(self) -> list[list[str]]:
        """Every whole row of the file, in file order, in :data:`COLUMNS` (an 11-column row gets its
        inferred verdict and empty new fields); cut-off rows left out. Call after :meth:`_has_header`."""
        data = self.path.read_bytes()
        body = data[data.find(b"\n") + 1:] if b"\n" in data else b""
        whole = _whole_rows(body)
        rows = [fields for _, fields in self._rows(body[:whole], 1)[0]]
        tail = self._tail_decision(body[whole:])
        if tail is not None:
            rows.append(tail.row())
        if self._columns == LEGACY_COLUMNS:
            rows = [_upgraded(fields) if len(fields) == len(LEGACY_COLUMNS) else fields for fields in rows]
        return rows

    def history(self) -> pd.DataFrame:
        """Every row ever written, in file order, as strings (columns :data:`COLUMNS`); cut-off rows left out."""
        if not self._has_header():
            return pd.DataFrame({name: pd.Series(dtype=object) for name in COLUMNS})
        return pd.DataFrame(self._all_rows(), columns=list(COLUMNS), dtype=object)

    def latest(self) -> dict[str, Decision]:
        """``text_hash`` -> the latest decision, leaving out statements whose latest row is undecided.

        ``not_statement`` decisions are included (see :attr:`Decision.is_statement`)."""
        latest, tail = self._refresh()
        latest = dict(latest)
        if tail is not None:
            latest.pop(tail.text_hash, None)
            latest[tail.text_hash] = tail
        return {key: decision for key, decision in latest.items() if decision.decided}

    def get(self, text_hash: str) -> Decision | None:
        """The latest decision for one statement (``None`` if undecided), reading only the rows not yet read."""
        latest, tail = self._refresh()
        decision = tail if tail is not None and tail.text_hash == text_hash else latest.get(text_hash)
        return decision if decision is not None and decision.decided else None

    def idea_links(self) -> dict[str, str]:
        """``text_hash`` -> the idea a person put the statement in: the ``text_hash`` of a statement to
        group it with, or ``own``. Only statements whose latest decision says so (not non-statements)."""
        return {key: d.idea_with for key, d in self.latest().items() if d.idea_with and d.is_statement}

    def __len__(self) -> int:
        return len(self.latest())


@dataclass
class _ReadState:
    """How far a :class:`DecisionStore` has parsed its file, and the latest row per statement so far."""

    key: tuple[int, int]  # (device, inode): a replaced file is read again from the start
    columns: tuple[str, ...]  # the header the rows were parsed under
    offset: int = 0  # bytes parsed: the header and every whole row
    rows: int = 1  # the number of the last row parsed (the header is row 1)
    latest: dict[str, Decision] = field(default_factory=dict)


def _file_key(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_dev, stat.st_ino


def _csv_lines(rows: Iterable[Iterable[str]]) -> bytes:
    """``rows`` as UTF-8 CSV lines, each ending in a newline."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def _whole_rows(data: bytes) -> int:
    """The length of the longest prefix of ``data`` made of whole CSV rows (ending in a newline outside quotes)."""
    end = position = 0
    for index, part in enumerate(data.split(b'"')):
        if index % 2 == 0:  # outside quotes (a doubled quote inside a field leaves an empty part between)
            newline = part.rfind(b"\n")
            if newline >= 0:
                end = position + newline + 1
        position += len(part) + 1
    return end


def _fields(data: bytes) -> list[str]:
    """The fields of one CSV row given as bytes, possibly cut off inside a character."""
    return next(csv.reader(io.StringIO(data.decode("utf-8", errors="replace"), newline="")), [])


def _whole_decision(fields: list[str], columns: tuple[str, ...]) -> Decision | None:
    """The decision ``fields`` hold if they are a whole, valid row under ``columns``; ``None`` for a cut-off one."""
    if len(fields) != len(columns) or any("\ufffd" in field for field in fields):
        return None
    try:
        return Decision.from_fields(columns, fields)
    except ValueError:
        return None


def _upgraded(fields: list[str]) -> list[str]:
    """An 11-column row in :data:`COLUMNS`: its verdict inferred from the labels, the other new fields empty."""
    values = dict(zip(LEGACY_COLUMNS, fields))
    decision = inferred_decision(values["layer"], values["type"], values["suggested_layer"], values["suggested_type"])
    return [*fields, decision, "", "", ""]


def load_reviewed_examples(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The latest reviewed decisions as training rows: ``text, layer, type, lang, text_hash``.

    Statements a person marked as not statements have no labels and are left out."""
    decisions = [d for d in DecisionStore(data_dir).latest().values() if d.is_statement]
    return pd.DataFrame(
        [[getattr(d, name) for name in EXAMPLE_COLUMNS] for d in decisions],
        columns=list(EXAMPLE_COLUMNS),
        dtype=object,
    )
