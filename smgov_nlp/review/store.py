"""The append-only decision store, ``reviewed.csv``: where every review decision is written and read back."""

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
from smgov_nlp.review.decision import COLUMNS, Decision

logger = logging.getLogger(__name__)

STORE_FILE = "reviewed.csv"
EXAMPLE_COLUMNS: tuple[str, ...] = ("text", "layer", "type", "lang", "text_hash")
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept by errors="surrogateescape"


def default_data_dir() -> Path:
    """Where decisions live unless told otherwise: ``data/labeled`` under the working directory."""
    return Path.cwd() / "data" / "labeled"


class DecisionStore:
    """Append-only CSV of review decisions, ``<data_dir>/reviewed.csv``.

    The latest row for a ``text_hash`` wins; a latest row with an empty layer and type
    means the statement is undecided.

    :meth:`append` costs the same however long the file is: its rows go to the end of the file
    in one flushed and fsynced write (a new file is written whole, header first, and moved into
    place). A crash during a write can cut the last row short: readers ignore a cut-off row with
    a logged warning, and the next append starts on a fresh line. A last row that lacks only its
    line end is whole, and counts.

    Reading is incremental: a store object remembers how far it has read, so :meth:`latest` and
    :meth:`get` parse only the rows appended since their last call (by anyone).
    """

    def __init__(self, data_dir: Path | str | None = None):
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        if self.data_dir.exists() and not self.data_dir.is_dir():
            raise SmgovError(
                f"the data folder {str(self.data_dir)!r} is a file, expected a folder",
                "pass --data-dir with a folder (reviewed.csv is written inside it)",
            )
        self.path = self.data_dir / STORE_FILE
        self._read: _ReadState | None = None  # what latest() has parsed so far
        self._boundary: tuple[tuple[int, int], int] | None = None  # (file, offset) known to end on a whole row

    def __repr__(self) -> str:
        return f"DecisionStore({str(self.data_dir)!r})"

    # --- writing

    def append(self, decisions: list[Decision]) -> None:
        """Append ``decisions``, one row each, in a single flushed and fsynced write.

        Nothing is written unless every row could be formatted. The first rows of a new (or
        blank) store are written with the header to a temporary file that is moved into place.
        """
        decisions = list(decisions)
        if not decisions:
            return
        for decision in decisions:
            if not isinstance(decision, Decision):
                raise TypeError(f"expected Decision objects, got {type(decision).__name__}")
        rows = _csv_lines(decision.row() for decision in decisions)
        if not self._has_header():
            with atomic_path(self.path) as tmp, open(tmp, "wb") as fh:
                fh.write(_csv_lines([COLUMNS]) + rows)
                fh.flush()
                os.fsync(fh.fileno())
            self._boundary = (_file_key(self.path), self.path.stat().st_size)
            return
        start = self._line_start()
        with open(self.path, "ab") as fh:
            fh.write(start + rows)
            fh.flush()
            os.fsync(fh.fileno())
            self._boundary = (_file_key(self.path), fh.tell())

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
        if _whole_decision(fields) is not None:
            return b"\n"  # the last row lacks only its line end
        logger.warning("%s: the last row is cut off (%d of %d fields; was a write interrupted?); "
                       "it stays in the file and is ignored", self.path, len(fields), len(COLUMNS))
        # a cut-off row that happens to have 11 fields gets a 12th, so no reader takes it for a decision
        return close + (b",\n" if len(fields) == len(COLUMNS) else b"\n")

    # --- reading

    def _has_header(self) -> bool:
        """True if the file starts with the expected header, False if it is missing or blank; else an error."""
        if not self.path.exists():
            return False
        with open(self.path, "rb") as fh:
            line = fh.readline()
            if not line.strip() and not fh.read().strip():
                return False
        found = next(csv.reader([line.rstrip(b"\r\n").decode("utf-8-sig", errors="replace")]), [])
        if tuple(found) != COLUMNS:
            raise SmgovError(
                f"{str(self.path)!r} has columns {found}, expected {list(COLUMNS)}",
                "restore reviewed.csv from a backup, or move it aside to start a new one",
            )
        return True

    def _rows(self, data: bytes, before: int) -> tuple[list[tuple[int, list[str]]], int]:
        """The rows of ``data`` (whole rows) numbered after row ``before``, and the last number used.

        A row without 11 fields was cut off by an interrupted write: it is logged and left out.
        """
        rows = []
        number = before
        for fields in csv.reader(io.StringIO(data.decode("utf-8", errors="surrogateescape"), newline="")):
            if len(fields) <= 1 and not "".join(fields).strip():
                continue  # a blank line
            number += 1
            if len(fields) != len(COLUMNS):
                logger.warning("%s: row %d has %d fields, expected %d (was a write interrupted?); it is ignored",
                               self.path, number, len(fields), len(COLUMNS))
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
            return Decision(**dict(zip(COLUMNS, fields)))
        except ValueError as exc:
            raise SmgovError(
                f"row {number} of {str(self.path)!r} is not a valid decision ({exc})",
                "fix or delete that row (the header is row 1)",
            ) from exc

    def _tail_decision(self, tail: bytes) -> Decision | None:
        """The decision of a last row without a line end if the row is whole; a cut-off row is logged."""
        if not tail.strip():
            return None
        decision = _whole_decision(_fields(tail))
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
        if state is None or state.key != key or size < state.offset:
            state = _ReadState(key)  # first read, or the file was replaced
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

    def history(self) -> pd.DataFrame:
        """Every row ever written, in file order, as strings (columns :data:`COLUMNS`); cut-off rows left out."""
        if not self._has_header():
            return pd.DataFrame({name: pd.Series(dtype=object) for name in COLUMNS})
        data = self.path.read_bytes()
        body = data[data.find(b"\n") + 1:] if b"\n" in data else b""
        whole = _whole_rows(body)
        rows = [fields for _, fields in self._rows(body[:whole], 1)[0]]
        tail = self._tail_decision(body[whole:])
        if tail is not None:
            rows.append(tail.row())
        return pd.DataFrame(rows, columns=list(COLUMNS), dtype=object)

    def latest(self) -> dict[str, Decision]:
        """``text_hash`` -> the latest decision, leaving out statements whose latest row is undecided."""
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

    def __len__(self) -> int:
        return len(self.latest())


@dataclass
class _ReadState:
    """How far a :class:`DecisionStore` has parsed its file, and the latest row per statement so far."""

    key: tuple[int, int]  # (device, inode): a replaced file is read again from the start
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


def _whole_decision(fields: list[str]) -> Decision | None:
    """The decision ``fields`` hold if they are a whole, valid row; ``None`` for a cut-off one."""
    if len(fields) != len(COLUMNS) or any("\ufffd" in field for field in fields):
        return None
    try:
        return Decision(**dict(zip(COLUMNS, fields)))
    except ValueError:
        return None


def load_reviewed_examples(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The latest reviewed decisions as training rows: ``text, layer, type, lang, text_hash``."""
    decisions = DecisionStore(data_dir).latest().values()
    return pd.DataFrame(
        [[getattr(d, name) for name in EXAMPLE_COLUMNS] for d in decisions],
        columns=list(EXAMPLE_COLUMNS),
        dtype=object,
    )
