"""Reading the tables people really have.

CSV (UTF-8, UTF-8 with BOM, cp1252/Latin-1, comma or semicolon), XLSX, JSONL and TXT (one
statement per line, read as a ``text`` column). Every cell is read as a string, blank rows
are kept, and large files are read in chunks so memory stays bounded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from smgov_nlp.errors import SmgovError

INPUT_FORMATS = (".csv", ".xlsx", ".jsonl", ".txt")
_SNIFF_BYTES = 1 << 16
_BLOCK = 1 << 20


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    return ".txt" if suffix == ".md" else suffix


def check_input(path: str | Path, formats: tuple[str, ...] = INPUT_FORMATS) -> Path:
    """Return ``path`` as a Path if it is a readable, non-empty file in a known format."""
    path = Path(path)
    if not path.exists():
        raise SmgovError(f"input file {str(path)!r} does not exist", "check the path and try again")
    if path.is_dir():
        raise SmgovError(f"{str(path)!r} is a folder, expected a file", "pass a file path")
    if _suffix(path) not in formats:
        raise SmgovError(
            f"cannot read {path.name!r}: expected one of {', '.join(formats)}, found {path.suffix or 'no extension'!r}",
            "convert the file or rename it with the right extension",
        )
    if path.stat().st_size == 0:
        raise SmgovError(f"input file {str(path)!r} is empty", "pass a file with a header row and statements")
    if _suffix(path) not in (".xlsx", ".docx"):  # zip containers
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
        if b"\x00" in head:
            raise SmgovError(
                f"{str(path)!r} looks binary (it has NUL bytes), expected {path.suffix} text",
                "export it as UTF-8 text, or pass the right file",
            )
    return path


def detect_encoding(path: str | Path) -> str:
    """Return ``utf-8-sig`` if the whole file decodes as UTF-8, else ``cp1252`` or ``latin-1``.

    The file is streamed in blocks, so a large file is checked in bounded memory.
    Text that decodes in none of them, or decodes to control characters, is an error.
    """
    path = Path(path)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            with path.open("r", encoding=encoding, newline="") as fh:
                while block := fh.read(_BLOCK):
                    if _looks_binary(block):
                        raise SmgovError(
                            f"{str(path)!r} does not look like text (too many control characters)",
                            "export it as UTF-8 CSV/TXT, or pass the right file",
                        )
            return encoding
        except UnicodeDecodeError:
            continue
    with path.open("rb") as fh:
        sample = fh.read(_SNIFF_BYTES).decode("latin-1")
    if _looks_binary(sample):
        raise SmgovError(
            f"cannot decode {str(path)!r} as UTF-8, cp1252 or Latin-1 text",
            "export it as UTF-8 CSV/TXT, or pass the right file",
        )
    return "latin-1"


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    bad = sum(1 for ch in text[:_SNIFF_BYTES] if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return bad / min(len(text), _SNIFF_BYTES) > 0.01


def iter_table(path: str | Path, chunksize: int = 5000) -> Iterator[pd.DataFrame]:
    """Yield the rows of an input file as string DataFrames of at most ``chunksize`` rows.

    Blank rows are kept (as empty strings), cells are never parsed as numbers or NaN,
    and the row order of the file is kept. TXT and Markdown files become one ``text``
    column, a line per row.
    """
    path = check_input(path)
    suffix = _suffix(path)
    if suffix == ".xlsx":
        yield from _iter_xlsx(path, chunksize)
        return
    encoding = detect_encoding(path)
    if suffix == ".txt":
        yield from _iter_lines(path, encoding, chunksize)
    elif suffix == ".jsonl":
        yield from _iter_jsonl(path, encoding, chunksize)
    else:
        try:
            reader = pd.read_csv(
                path, dtype=str, keep_default_na=False, skip_blank_lines=False,
                encoding=encoding, chunksize=chunksize, sep=";" if _is_semicolon(path, encoding) else ",",
            )
            yield from (chunk.fillna("") for chunk in reader)
        except pd.errors.EmptyDataError as exc:
            raise SmgovError(f"input file {str(path)!r} has no rows", "pass a CSV with a header row") from exc
        except pd.errors.ParserError as exc:
            first = str(exc).strip().splitlines()[-1]
            raise SmgovError(f"cannot parse {str(path)!r} as CSV ({first})", "check quoting and delimiters") from exc


def _is_semicolon(path: Path, encoding: str) -> bool:
    """Spreadsheet exports in Spanish locales often use ';' as the delimiter."""
    with path.open("r", encoding=encoding, newline="") as fh:
        header = fh.readline()
    return header.count(";") > header.count(",")


def _iter_lines(path: Path, encoding: str, chunksize: int) -> Iterator[pd.DataFrame]:
    with path.open("r", encoding=encoding, newline=None) as fh:
        lines: list[str] = []
        for line in fh:
            lines.append(line.rstrip("\n"))
            if len(lines) == chunksize:
                yield pd.DataFrame({"text": lines})
                lines = []
        if lines:
            yield pd.DataFrame({"text": lines})


def _iter_jsonl(path: Path, encoding: str, chunksize: int) -> Iterator[pd.DataFrame]:
    with path.open("r", encoding=encoding) as fh:
        rows: list[dict] = []
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                rows.append({})
            else:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SmgovError(
                        f"line {lineno} of {str(path)!r} is not valid JSON ({exc.msg})",
                        "write one JSON object per line",
                    ) from exc
                if not isinstance(record, dict):
                    raise SmgovError(
                        f"line {lineno} of {str(path)!r} is a JSON {type(record).__name__}, expected an object",
                        'write one object per line, like {"text": "..."}',
                    )
                rows.append({k: "" if v is None else (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
                             for k, v in record.items()})
            if len(rows) == chunksize:
                yield pd.DataFrame(rows, dtype=object).fillna("")
                rows = []
        if rows:
            yield pd.DataFrame(rows, dtype=object).fillna("")


def _iter_xlsx(path: Path, chunksize: int) -> Iterator[pd.DataFrame]:
    import zipfile

    from openpyxl import load_workbook

    if not zipfile.is_zipfile(path):
        raise SmgovError(f"{str(path)!r} is not a valid .xlsx workbook", "save it again as .xlsx from your spreadsheet")
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise SmgovError(f"cannot open {str(path)!r} as an .xlsx workbook ({exc})", "save it again as .xlsx") from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise SmgovError(f"the first sheet of {str(path)!r} is empty", "put a header row and statements in it")
        columns = [str(c) if c is not None else f"column_{i + 1}" for i, c in enumerate(header)]
        block: list[list[str]] = []
        yielded = False
        for row in rows:
            cells = ["" if v is None else str(v) for v in row][: len(columns)]
            block.append(cells + [""] * (len(columns) - len(cells)))
            if len(block) == chunksize:
                yield pd.DataFrame(block, columns=columns, dtype=object)
                block, yielded = [], True
        if block or not yielded:
            yield pd.DataFrame(block, columns=columns, dtype=object)
    finally:
        workbook.close()


def count_rows(path: str | Path) -> int | None:
    """Data rows in a text input (lines, minus the CSV header), for a progress total; None if unknown."""
    try:
        path = check_input(path)
    except SmgovError:
        return None
    suffix = _suffix(path)
    if suffix == ".xlsx":
        return None
    with path.open("rb") as fh:
        lines = sum(block.count(b"\n") for block in iter(lambda: fh.read(_BLOCK), b""))
        fh.seek(max(0, path.stat().st_size - 1))
        lines += fh.read(1) != b"\n"
    return max(0, lines - (suffix == ".csv"))


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a whole input file into one string DataFrame (see :func:`iter_table`)."""
    chunks = list(iter_table(path))
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()


def require_column(frame: pd.DataFrame, column: str, path: str | Path, option: str = "--text-col") -> None:
    """Raise a one-line error listing the columns found when ``column`` is missing."""
    if column not in frame.columns:
        found = [str(c) for c in frame.columns]
        if found:
            lengths = {c: frame[c].astype(str).str.len().mean() if len(frame) else 0 for c in frame.columns}
            hint = f"pass {option} {max(lengths, key=lambda c: lengths[c])}"
        else:
            hint = "add a header row"
        raise SmgovError(f"expected a column {column!r} in {Path(path).name}, found {found}", hint)
