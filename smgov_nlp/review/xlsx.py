"""The spreadsheet round trip: export the review queue to an .xlsx, import the choices made in it.

``smgov review QUEUE --export review.xlsx`` writes the undecided statements, most uncertain first,
with ``layer``/``type`` prefilled by the suggestion (drop-down lists of ids), an empty ``decision``
(``accept``, ``correct``, ``not a statement``), an ``idea`` column prefilled with the queue's idea id,
and a ``note``. ``smgov review --import review.xlsx`` records a decision only for the rows a person
touched (a decision picked, or the layer or type changed) as one batch (``via='xlsx'``); untouched
rows record nothing and stay in the queue.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from smgov_nlp.errors import SmgovError
from smgov_nlp.io.readers import read_table
from smgov_nlp.io.writers import atomic_path, keep_text
from smgov_nlp.labels import HEADS, LABEL_NAMES, LAYERS, TYPE_KEYS, TYPES, label_from_name
from smgov_nlp.review.decision import (
    ACCEPT,
    CORRECT,
    NOT_STATEMENT,
    OWN_IDEA,
    Decision,
    default_reviewer,
    inferred_decision,
    new_batch_id,
)
from smgov_nlp.review.queue import load_queue
from smgov_nlp.review.store import DecisionStore
from smgov_nlp.text import strip_accents, text_hash

XLSX_COLUMNS: tuple[str, ...] = (
    "text_hash", "text", "lang", "suggested_layer", "suggested_type", "confidence", "decision", "layer", "type",
    "idea", "note",
)
XLSX_HIDDEN: tuple[str, ...] = ("model_version", "suggested_idea")  # kept for the import, hidden from the reviewer
EDITABLE: tuple[str, ...] = ("decision", "layer", "type", "idea", "note")
SHEET_DECISIONS: dict[str, str] = {ACCEPT: "accept", CORRECT: "correct", NOT_STATEMENT: "not a statement"}
# what the decision column accepts, compared without accents, case, "_" or "-"
_DECISION_WORDS: dict[str, str] = {
    "accept": ACCEPT, "accepted": ACCEPT, "aceptar": ACCEPT, "aceptada": ACCEPT, "aceptado": ACCEPT,
    "correct": CORRECT, "corrected": CORRECT, "corregir": CORRECT, "corregida": CORRECT, "corregido": CORRECT,
    "not a statement": NOT_STATEMENT, "not statement": NOT_STATEMENT, "no es una afirmacion": NOT_STATEMENT,
    "no es afirmacion": NOT_STATEMENT,
}
_OWN_WORDS = {"own", "propia", "propio"}
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_OF_TYPE = {type_: key for key, type_ in TYPE_KEYS.items()}
_WIDTHS = {"text_hash": 12, "text": 70, "lang": 6, "suggested_layer": 30, "suggested_type": 15, "confidence": 11,
           "decision": 16, "layer": 34, "type": 12, "idea": 9, "note": 30, "model_version": 14, "suggested_idea": 9}


def export_review_xlsx(queue_path: str | Path, out_path: str | Path, data_dir: Path | str | None = None) -> int:
    """Write the queue (undecided statements, most uncertain first) as an .xlsx to review in.

    ``decision`` offers ``accept``, ``correct`` and ``not a statement``; ``layer`` and ``type`` are
    prefilled with the suggestion and offer the ids (readable names are accepted too, see the
    ``ids`` sheet); ``idea`` holds the queue's idea id. Returns the number of statements written.
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

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
    letter = {name: get_column_letter(index) for index, name in enumerate(columns, start=1)}
    sheet.append(list(columns))
    for row in queue.to_dict("records"):
        confidence = None if math.isnan(row["min_confidence"]) else round(float(row["min_confidence"]), 3)
        values = {"text_hash": row["text_hash"], "text": row["text"], "lang": row["lang"],
                  "suggested_layer": row["layer"], "suggested_type": row["type"], "confidence": confidence,
                  "decision": "", "layer": row["layer"], "type": row["type"], "idea": row["idea_id"], "note": "",
                  "model_version": row["model_version"], "suggested_idea": row["idea_id"]}
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in
                      (values[name] for name in columns)])
    last = len(queue) + 1
    for cells in sheet.iter_rows(min_row=2, max_row=last):
        for cell in cells:
            keep_text(cell)  # a statement starting with '=' is text, not a formula
            cell.alignment = Alignment(vertical="top", wrap_text=cell.column_letter in (letter["text"], letter["note"]))
    for name in columns:
        sheet.column_dimensions[letter[name]].width = _WIDTHS[name]
        sheet[f"{letter[name]}1"].font = Font(bold=True)
        if name in XLSX_HIDDEN:
            sheet.column_dimensions[letter[name]].hidden = True
    for cell in sheet[letter["text_hash"]][1:]:
        cell.font = Font(color="808080", size=8)
    editable = PatternFill("solid", fgColor="FFF2CC")
    for name in EDITABLE:
        for cell in sheet[letter[name]][1:]:
            cell.fill = editable
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(XLSX_COLUMNS))}{last}"
    _add_lists(sheet, letter, last)
    _add_ids_sheet(book)
    with atomic_path(out_path) as tmp:
        book.save(tmp)
    return len(queue)


def _add_lists(sheet, letter: dict[str, str], last: int) -> None:
    """Drop-down lists on decision, layer and type (a value off the list is warned about, not refused:
    readable names and Spanish words are accepted on import)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    lists = {
        "decision": (list(SHEET_DECISIONS.values()), "Leave empty to skip; accept or correct records the layer and "
                                                     "type shown; not a statement takes it out of the tables."),
        "layer": (list(LAYERS), "Pick a layer id, or type a name (General context, Contexto general...)."),
        "type": (list(TYPES), "Pick a type id, or type a name (Risk, Riesgo...)."),
    }
    for name, (ids, prompt) in lists.items():
        formula = '"' + ",".join(ids) + '"'
        assert len(formula) < 255, "Excel limits inline lists to 255 characters"
        validation = DataValidation(
            type="list", formula1=formula, allow_blank=True, showErrorMessage=True, errorStyle="warning",
            errorTitle=f"Not a {name} from the list", error="Names from the 'ids' sheet are accepted too.",
            promptTitle=name, prompt=prompt, showInputMessage=True,
        )
        sheet.add_data_validation(validation)
        if last > 1:
            validation.add(f"{letter[name]}2:{letter[name]}{last}")


def _add_ids_sheet(book) -> None:
    ids = book.create_sheet("ids")
    ids.append(["key", "layer", "name", "nombre", "", "key", "type", "name", "nombre"])
    names = LABEL_NAMES
    for i in range(max(len(LAYERS), len(TYPES))):
        left = [str(i + 1), LAYERS[i], names["layer"][LAYERS[i]]["en"][0], names["layer"][LAYERS[i]]["es"][0]] \
            if i < len(LAYERS) else ["", "", "", ""]
        right = [_KEY_OF_TYPE[TYPES[i]], TYPES[i], names["type"][TYPES[i]]["en"][0], names["type"][TYPES[i]]["es"][0]] \
            if i < len(TYPES) else ["", "", "", ""]
        ids.append([*left, "", *right])
    ids.append([])
    ids.append(["decision: accept, correct, not a statement (or empty: nothing is recorded)"])
    ids.append([f"idea: another idea id of the review sheet to join it, or {OWN_IDEA} for an idea of its own"])
    for column, width in zip("ABCDEFGHI", (5, 36, 46, 42, 3, 5, 10, 22, 26)):
        ids.column_dimensions[column].width = width


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_review_xlsx` recorded (or, on a dry run, would record)."""

    accepted: int = 0  # layer and type as suggested
    corrected: int = 0  # layer and/or type changed
    not_statement: int = 0  # marked "not a statement"
    invalid: list[str] = field(default_factory=list)  # "row 7: ..." messages; those rows were not recorded
    untouched: int = 0  # no decision picked, layer and type as suggested (or cleared): nothing recorded
    already_recorded: int = 0  # the same decision is already the latest in the store (re-import)
    batch: str = ""  # the id of the rows written, for smgov review --undo-import; empty if nothing was written
    dry_run: bool = False
    store_path: Path | None = None

    @property
    def imported(self) -> int:
        return self.accepted + self.corrected + self.not_statement


def import_review_xlsx(
    xlsx_path: str | Path, data_dir: Path | str | None = None, reviewer: str | None = None, dry_run: bool = False
) -> ImportResult:
    """Record the choices made in a sheet from :func:`export_review_xlsx`, as one batch (``via='xlsx'``).

    A row is recorded only if a person touched it: a ``decision`` was picked, or ``layer`` or ``type``
    differ from the suggestion (ids or readable names in English or Spanish). ``accept``/``correct``
    record the row's layer and type (as ``accept`` when they are the suggestion, else ``correct``);
    ``not a statement`` records no labels. The ``note`` is stored; an ``idea`` changed to another idea
    id of the sheet links the statement to a statement of that idea, ``own`` makes it an idea of its
    own. Invalid rows are reported by Excel row number and left out. With ``dry_run`` nothing is written.
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
    rows = frame.fillna("").astype(str).to_dict("records")
    store = DecisionStore(data_dir)
    latest = store.latest()
    batch = "" if dry_run else new_batch_id()
    reviewer = reviewer or default_reviewer()
    decisions: list[Decision] = []
    invalid: list[str] = []
    counts = {ACCEPT: 0, CORRECT: 0, NOT_STATEMENT: 0, "untouched": 0, "already": 0}
    for index, row in enumerate(rows):
        number = index + 2  # Excel row: the header is row 1
        if not row["text"].strip():
            continue
        try:
            decision = _row_decision(row, index, rows, reviewer, batch)
        except ValueError as exc:
            invalid.append(f"row {number}: {exc}")
            continue
        if decision is None:
            counts["untouched"] += 1
            continue
        previous = latest.get(decision.text_hash)
        if previous is not None and _same(previous, decision):
            counts["already"] += 1
            continue
        decisions.append(decision)
        counts[decision.decision] += 1
    if not dry_run:
        store.append(decisions)
    return ImportResult(
        accepted=counts[ACCEPT], corrected=counts[CORRECT], not_statement=counts[NOT_STATEMENT], invalid=invalid,
        untouched=counts["untouched"], already_recorded=counts["already"], batch=batch if decisions else "",
        dry_run=dry_run, store_path=store.path,
    )


def _row_decision(row: dict, index: int, rows: list[dict], reviewer: str, batch: str) -> Decision | None:
    """The decision one sheet row records, ``None`` if nobody touched it; ``ValueError`` says what is wrong."""
    problems: list[str] = []
    verdict = _verdict(row.get("decision", ""), problems)
    suggested = {head: row.get(f"suggested_{head}", "").strip() for head in HEADS}
    labels: dict[str, str] = {}
    cells = {head: row[head].strip() for head in HEADS}
    if verdict != NOT_STATEMENT and (verdict is not None or any(cells.values())):
        for head, cell in cells.items():
            try:
                labels[head] = label_from_name(head, cell) if cell else ""
            except ValueError as exc:
                problems.append(str(exc))
            if not cell:
                problems.append(f"{head} is empty; expected one of {list(HEADS[head])}")
    changed = bool(labels) and (labels.get("layer"), labels.get("type")) != (suggested["layer"], suggested["type"])
    idea_with = _idea_with(row, index, rows, problems) if verdict != NOT_STATEMENT else ""
    note = row.get("note", "").strip()
    if verdict is None and not changed and not problems:
        if note or idea_with:
            raise ValueError("a note or an idea is recorded only with a decision; pick accept, correct or "
                             "not a statement in the decision column")
        return None
    key = _key(row, problems)
    if problems:
        raise ValueError("; ".join(dict.fromkeys(problems)))
    if verdict != NOT_STATEMENT:
        verdict = inferred_decision(labels["layer"], labels["type"], suggested["layer"], suggested["type"])
    return Decision.new(
        row["text"], labels.get("layer", ""), labels.get("type", ""), text_hash=key,
        lang=row.get("lang", "").strip(), reviewer=reviewer, model_version=row.get("model_version", "").strip(),
        suggested_layer=suggested["layer"], suggested_type=suggested["type"], via="xlsx", decision=verdict,
        note=note, batch=batch, idea_with=idea_with,
    )


def _words(value: str) -> str:
    return " ".join(strip_accents(value).casefold().replace("_", " ").replace("-", " ").split())


def _verdict(cell: str, problems: list[str]) -> str | None:
    if not cell.strip():
        return None
    verdict = _DECISION_WORDS.get(_words(cell))
    if verdict is None:
        problems.append(f"decision {cell.strip()!r} is not one of {list(SHEET_DECISIONS.values())} (or empty)")
    return verdict


def _key(row: dict, problems: list[str]) -> str:
    key = row.get("text_hash", "").strip().lower()
    if not key:
        return text_hash(row["text"])
    if not _HEX64.fullmatch(key):
        problems.append(f"text_hash {row['text_hash']!r} is not the 64-character key the export wrote; "
                        "restore it or clear the cell")
    return key


def _idea_with(row: dict, index: int, rows: list[dict], problems: list[str]) -> str:
    """``own``, the text_hash of a statement of the idea typed in ``idea``, or empty when it is unchanged."""
    typed, was = row.get("idea", "").strip(), row.get("suggested_idea", "").strip()
    if not typed or typed.casefold() == was.casefold():
        return ""
    if _words(typed) in _OWN_WORDS:
        return OWN_IDEA
    members = [other for at, other in enumerate(rows) if at != index and other["text"].strip()
               and other.get("suggested_idea", "").strip().casefold() == typed.casefold()]
    staying = [other for other in members if other.get("idea", "").strip().casefold() == typed.casefold()]
    if not members:
        problems.append(f"idea {typed!r} is not an idea id of this sheet; type the id of another row's idea, "
                        f"or {OWN_IDEA}")
        return ""
    target = (staying or members)[0]
    return target.get("text_hash", "").strip().lower() or text_hash(target["text"])


def _same(previous: Decision, decision: Decision) -> bool:
    fields = ("decision", "layer", "type", "note", "idea_with")
    return all(getattr(previous, name) == getattr(decision, name) for name in fields)
