"""Writing outputs atomically: CSV, XLSX or JSONL chosen by the extension, always UTF-8,
written to a temporary file beside the target and moved into place only when complete.

CSV is written with a byte-order mark (UTF-8 with BOM, :data:`CSV_ENCODING`), so Excel shows
accents right on a double-click; the package's readers detect the BOM (``utf-8-sig``). JSONL
stays plain UTF-8, as JSON Lines requires.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pandas as pd

from smgov_nlp.errors import SmgovError

OUTPUT_FORMATS = (".csv", ".xlsx", ".jsonl")
CSV_ENCODING = "utf-8-sig"  # UTF-8 with a byte-order mark: Excel reads accents right
XLSX_MAX_ROWS = 1_048_575  # one row is the header


def looks_like_formula(value) -> bool:
    """A string a spreadsheet would take for a formula; every xlsx this package writes keeps it as text."""
    return isinstance(value, str) and value.startswith("=")


def keep_text(cell) -> None:
    """Make an openpyxl ``cell`` whose string starts with '=' a text cell, never a formula."""
    if looks_like_formula(cell.value):
        cell.data_type = "s"


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` only on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if target.exists():
            os.chmod(tmp_path, target.stat().st_mode & 0o777)
        else:
            os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_open(target: str | Path, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = "") -> Iterator[IO]:
    """Open a temporary file for writing that replaces ``target`` when the block succeeds."""
    with atomic_path(target) as tmp:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": newline}
        with open(tmp, mode, **kwargs) as fh:
            yield fh


def write_table(frame: pd.DataFrame, target: str | Path) -> None:
    """Write one DataFrame atomically; the format comes from the extension."""
    with TableWriter(target) as writer:
        writer.write(frame)


class TableWriter:
    """Append DataFrame chunks to a CSV, JSONL or XLSX output that appears atomically on close.

    List-valued cells are joined with ``" | "`` in CSV and XLSX and stay lists in JSONL;
    booleans are written ``true``/``false``.
    """

    def __init__(self, target: str | Path, list_sep: str = " | "):
        self.target = Path(target)
        self.suffix = self.target.suffix.lower()
        if self.suffix not in OUTPUT_FORMATS:
            raise SmgovError(
                f"cannot write {self.target.name!r}: expected an output ending in {', '.join(OUTPUT_FORMATS)}",
                "pick --out with one of those extensions",
            )
        self.list_sep = list_sep
        self.rows = 0
        self._stack = contextlib.ExitStack()
        self._columns: list[str] | None = None

    def __enter__(self) -> TableWriter:
        self._tmp = self._stack.enter_context(atomic_path(self.target))
        if self.suffix == ".xlsx":
            from openpyxl import Workbook

            self._book = Workbook(write_only=True)
            self._sheet = self._book.create_sheet("smgov")
        else:
            encoding = CSV_ENCODING if self.suffix == ".csv" else "utf-8"
            self._fh = open(self._tmp, "w", encoding=encoding, newline="")
        return self

    def write(self, frame: pd.DataFrame) -> None:
        if self._columns is None:
            self._columns = [str(c) for c in frame.columns]
            if self.suffix == ".xlsx":
                self._sheet.append(self._columns)
        if self.suffix == ".jsonl":
            for record in frame.to_dict("records"):
                self._fh.write(json.dumps({k: _json_value(v) for k, v in record.items()}, ensure_ascii=False) + "\n")
        else:
            flat = frame.apply(lambda col: col.map(self._flat_cell)) if len(frame) else frame
            if self.suffix == ".csv":
                flat.to_csv(self._fh, index=False, header=self.rows == 0, lineterminator="\n")
            else:
                if self.rows + len(frame) > XLSX_MAX_ROWS:
                    raise SmgovError(
                        f"{len(frame) + self.rows} rows do not fit in one .xlsx sheet (max {XLSX_MAX_ROWS})",
                        "write .csv or .jsonl instead",
                    )
                for row in flat.itertuples(index=False):
                    self._sheet.append([self._xlsx_cell(v) for v in row])
        self.rows += len(frame)

    def _xlsx_cell(self, value):
        """Strings are always text in the sheet: a statement starting with '=' is not a formula."""
        if looks_like_formula(value):
            from openpyxl.cell import WriteOnlyCell

            cell = WriteOnlyCell(self._sheet, value=value)
            cell.data_type = "s"
            return cell
        return value

    def _flat_cell(self, value):
        if isinstance(value, (list, tuple)):
            return self.list_sep.join(map(str, value))
        if isinstance(value, (bool,)) or type(value).__name__ == "bool_":
            return "true" if value else "false"
        if value is None or (isinstance(value, float) and value != value):
            return ""
        return value

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            if self.suffix != ".xlsx":
                self._fh.close()
            elif exc_type is None:
                self._book.save(self._tmp)
            else:
                with contextlib.suppress(Exception):
                    self._sheet.close()
        except BaseException:
            self._stack.__exit__(*sys.exc_info())
            raise
        return bool(self._stack.__exit__(exc_type, exc, tb))


def _json_value(value):
    if hasattr(value, "item") and not isinstance(value, (list, tuple, str)):
        value = value.item()
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, float) and value != value:
        return None
    return value
