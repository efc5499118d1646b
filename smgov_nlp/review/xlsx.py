"""The spreadsheet round trip: export the review queue to an .xlsx, import the choices made in it.

``smgov review QUEUE --export review.xlsx`` writes the undecided statements, most uncertain
first, with ``layer``/``type`` prefilled by the suggestion and drop-down lists of valid ids;
``smgov review --import review.xlsx`` appends the choices to the decision store (``via='xlsx'``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from smgov_nlp.errors import SmgovError
from smgov_nlp.io.readers import read_table
from smgov_nlp.io.writers import atomic_path, keep_text
from smgov_nlp.labels import LAYER_TITLES, LAYERS, TYPE_KEYS, TYPE_TITLES, TYPES, check_label
from smgov_nlp.review.decision import Decision, default_reviewer
from smgov_nlp.review.queue import load_queue
from smgov_nlp.review.store import DecisionStore
from smgov_nlp.text import text_hash

XLSX_COLUMNS: tuple[str, ...] = (
    "text_hash", "text", "lang", "suggested_layer", "suggested_type", "confidence", "layer", "type", "note",
)
XLSX_HIDDEN: tuple[str, ...] = ("model_version",)  # kept for the import, hidden from the reviewer
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_OF_TYPE = {type_: key for key, type_ in TYPE_KEYS.items()}


def export_review_xlsx(queue_path: str | Path, out_path: str | Path, data_dir: Path | str | None = None) -> int:
    """Write the queue (undecided statements, most uncertain first) as an .xlsx to review in.

    ``layer`` and ``type`` are prefilled with the suggestion and offer drop-down lists
    of the valid ids; a sheet ``ids`` lists the ids with their titles. Returns the
    number of statements written.
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    out_path = Path(out_path)
    if out_path.suffix.lower() != ".xlsx":
        raise SmgovError(
            f"cannot export the review to {out_path.name!r}: expected a file ending in .xlsx",
            "pass --export review.xlsx",
        )
    queue = load_queue(queue_path, data_dir)
    book = Workbook()
    sheet = book.active
    sheet.title = "review"
    columns = (*XLSX_COLUMNS, *XLSX_HIDDEN)
    sheet.append(list(columns))
    for row in queue.to_dict("records"):
        values = [
            row["text_hash"], row["text"], row["lang"], row["layer"], row["type"],
            None if math.isnan(row["min_confidence"]) else round(float(row["min_confidence"]), 3),
            row["layer"], row["type"], "", row["model_version"],
        ]
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    last = len(queue) + 1
    for cells in sheet.iter_rows(min_row=2, max_row=last):
        for cell in cells:
            keep_text(cell)  # a statement starting with '=' is text, not a formula
            cell.alignment = Alignment(vertical="top", wrap_text=cell.column_letter in ("B", "I"))
    widths = {"text_hash": 12, "text": 70, "lang": 6, "suggested_layer": 30, "suggested_type": 15,
              "confidence": 11, "layer": 34, "type": 12, "note": 30, "model_version": 14}
    for index, name in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths[name]
        sheet.cell(row=1, column=index).font = Font(bold=True)
        if name in XLSX_HIDDEN:
            sheet.column_dimensions[letter].hidden = True
    for cell in sheet["A"][1:]:
        cell.font = Font(color="808080", size=8)
    editable = PatternFill("solid", fgColor="FFF2CC")
    for letter in ("G", "H", "I"):
        for cell in sheet[letter][1:]:
            cell.fill = editable
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(XLSX_COLUMNS))}{last}"

    for letter, head, ids in (("G", "layer", LAYERS), ("H", "type", TYPES)):
        formula = '"' + ",".join(ids) + '"'
        assert len(formula) < 255, "Excel limits inline lists to 255 characters"
        validation = DataValidation(
            type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
            errorTitle=f"Not a {head} id", error=f"Pick a {head} id from the list (see the 'ids' sheet).",
            promptTitle=head, prompt=f"Pick a {head} id; clear both layer and type to skip this statement.",
            showInputMessage=True,
        )
        sheet.add_data_validation(validation)
        if len(queue):
            validation.add(f"{letter}2:{letter}{last}")

    ids = book.create_sheet("ids")
    ids.append(["key", "layer", "title", "", "key", "type", "title"])
    for i in range(max(len(LAYERS), len(TYPES))):
        left = [str(i + 1), LAYERS[i], LAYER_TITLES[LAYERS[i]]] if i < len(LAYERS) else ["", "", ""]
        right = [_KEY_OF_TYPE[TYPES[i]], TYPES[i], TYPE_TITLES[TYPES[i]]] if i < len(TYPES) else ["", "", ""]
        ids.append([*left, "", *right])
    for letter, width in zip("ABCDEFG", (5, 36, 50, 3, 5, 10, 22)):
        ids.column_dimensions[letter].width = width

    with atomic_path(out_path) as tmp:
        book.save(tmp)
    return len(queue)


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_review_xlsx` did."""

    accepted: int = 0  # imported, same layer and type as suggested
    corrected: int = 0  # imported, layer and/or type changed
    invalid: list[str] = field(default_factory=list)  # "row 7: ..." messages; those rows were not imported
    skipped: int = 0  # rows with layer and type both cleared
    already_recorded: int = 0  # rows whose decision is already the latest in the store (re-import)
    store_path: Path | None = None

    @property
    def imported(self) -> int:
        return self.accepted + self.corrected


def import_review_xlsx(
    xlsx_path: str | Path, data_dir: Path | str | None = None, reviewer: str | None = None
) -> ImportResult:
    """Read the choices made in a sheet from :func:`export_review_xlsx` into the store (``via='xlsx'``).

    Valid rows are appended to the store in one write; invalid rows are reported by their
    Excel row number and left out. Blank rows, and rows whose layer and type were both
    cleared, are skipped. The ``note`` column is not stored.
    """
    xlsx_path = Path(xlsx_path)
    if xlsx_path.suffix.lower() != ".xlsx":
        raise SmgovError(
            f"cannot import {xlsx_path.name!r}: expected the .xlsx written by smgov review --export",
            "pass the .xlsx file you edited",
        )
    frame = read_table(xlsx_path)
    missing = [name for name in ("text", "layer", "type") if name not in frame.columns]
    if missing:
        raise SmgovError(
            f"expected columns {missing} in the first sheet of {xlsx_path.name}, found {[str(c) for c in frame.columns]}",
            "import the sheet written by smgov review --export, with its header row unchanged",
        )
    frame = frame.fillna("").astype(str)
    store = DecisionStore(data_dir)
    latest = store.latest()
    reviewer = reviewer or default_reviewer()
    decisions: list[Decision] = []
    invalid: list[str] = []
    accepted = corrected = skipped = already = 0
    for index, row in enumerate(frame.to_dict("records")):
        number = index + 2  # Excel row: the header is row 1
        text = row["text"]
        layer_cell, type_cell = row["layer"].strip(), row["type"].strip()
        if not layer_cell and not type_cell:
            if text.strip():
                skipped += 1
            continue
        problems: list[str] = []
        values: dict[str, str] = {}
        for head, cell in (("layer", layer_cell), ("type", type_cell)):
            if not cell:
                problems.append(f"{head} is empty; expected one of {list(LAYERS if head == 'layer' else TYPES)}")
                continue
            try:
                values[head] = check_label(head, cell.casefold())
            except ValueError:
                problems.append(
                    f"{head} {cell!r} is not a valid id; expected one of {list(LAYERS if head == 'layer' else TYPES)}"
                )
        key = row.get("text_hash", "").strip().lower()
        if not text.strip():
            problems.append("text is empty")
        elif not key:
            key = text_hash(text)
        elif not _HEX64.fullmatch(key):
            problems.append(f"text_hash {row['text_hash']!r} is not the 64-character key the export wrote; "
                            "restore it or clear the cell")
        if problems:
            invalid.append(f"row {number}: " + "; ".join(problems))
            continue
        suggested_layer = row.get("suggested_layer", "").strip()
        suggested_type = row.get("suggested_type", "").strip()
        previous = latest.get(key)
        if previous is not None and (previous.layer, previous.type) == (values["layer"], values["type"]):
            already += 1
            continue
        decisions.append(Decision.new(
            text, values["layer"], values["type"], text_hash=key, lang=row.get("lang", "").strip(),
            reviewer=reviewer, model_version=row.get("model_version", "").strip(),
            suggested_layer=suggested_layer, suggested_type=suggested_type, via="xlsx",
        ))
        if (values["layer"], values["type"]) == (suggested_layer, suggested_type):
            accepted += 1
        else:
            corrected += 1
    store.append(decisions)
    return ImportResult(
        accepted=accepted, corrected=corrected, invalid=invalid, skipped=skipped,
        already_recorded=already, store_path=store.path,
    )
