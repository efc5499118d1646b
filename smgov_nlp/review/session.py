"""Human review of model suggestions: the queue, the terminal screen and the spreadsheet round trip.

The queue is the table ``smgov precode`` (``review_queue.csv``) or ``smgov score``
writes: a ``text`` column plus the suggested ``layer``/``type`` with their
confidences. It is shown most uncertain first, and statements that already have a
decision in the store (``<data dir>/reviewed.csv``) are left out, so a review
resumes where it stopped.

Terminal keys (:class:`ReviewApp`):

* ``a`` saves what is shown (the suggestion, or your changes to it) and moves on;
* ``1``-``6`` set the layer and ``r``/``b``/``s`` the type. Setting one head keeps the
  suggestion for the other and waits, so both can be corrected; once both heads
  have been set by key the decision is saved and the next statement shown. A
  one-head correction is therefore two keys (``3`` then ``a``);
* space skips (nothing is written), ``u`` undoes the last decision of this session
  (it goes back to that statement and appends its previous state to the store),
  ``q`` quits.

Every decision is appended to the store the moment it is made.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Static

from smgov_nlp.errors import SmgovError
from smgov_nlp.io.readers import read_table
from smgov_nlp.io.writers import atomic_path, keep_text
from smgov_nlp.labels import LAYER_KEYS, LAYER_TITLES, LAYERS, TYPE_KEYS, TYPE_TITLES, TYPES, check_label
from smgov_nlp.lang import detect_lang
from smgov_nlp.review.decision import Decision, default_reviewer, utc_now
from smgov_nlp.review.store import DecisionStore
from smgov_nlp.text import text_hash

QUEUE_OPTIONAL: tuple[str, ...] = (
    "lang",
    "layer",
    "layer_confidence",
    "type",
    "type_confidence",
    "layer_runner_up",
    "layer_runner_up_confidence",
    "type_runner_up",
    "type_runner_up_confidence",
    "nearest_examples",
    "file",
    "line",
    "section",
    "group",
    "statement_id",
    "model_version",
)
PROVENANCE: tuple[str, ...] = ("file", "line", "section", "group", "statement_id")
_CONFIDENCES = ("layer_confidence", "type_confidence", "layer_runner_up_confidence", "type_runner_up_confidence")
_QUEUE_FIX = "pass the review queue written by `smgov precode` (review_queue.csv) or `smgov score`"

XLSX_COLUMNS: tuple[str, ...] = (
    "text_hash", "text", "lang", "suggested_layer", "suggested_type", "confidence", "layer", "type", "note",
)
XLSX_HIDDEN: tuple[str, ...] = ("model_version",)  # kept for the import, hidden from the reviewer
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_OF_TYPE = {type_: key for key, type_ in TYPE_KEYS.items()}


# --- the queue ---------------------------------------------------------------------------


def load_queue(path: str | Path, data_dir: Path | str | None = None) -> pd.DataFrame:
    """Read a review queue, most uncertain first, without the statements already decided.

    Returns one row per statement (duplicates of a text are shown once: a decision
    applies to every copy) with every column of :data:`QUEUE_OPTIONAL` present
    (empty when the file lacks it), confidences as floats (NaN when missing), and
    ``text_hash``, ``min_confidence`` (missing counts as 0) and ``queue_row`` (the
    row number in the file) added. A blank ``lang`` is detected from the text. The order is by ``min_confidence``, stable.

    ``frame.attrs`` holds counts for messages: ``rows``, ``blank``, ``duplicates``
    and ``already_decided``.
    """
    path = Path(path)
    raw = read_table(path)
    if "text" not in raw.columns:
        raise SmgovError(f"expected a column 'text' in {path.name}, found {[str(c) for c in raw.columns]}", _QUEUE_FIX)
    frame = raw.copy()
    for column in QUEUE_OPTIONAL:
        if column not in frame.columns:
            frame[column] = ""
    for column in ("text", *QUEUE_OPTIONAL):
        frame[column] = frame[column].fillna("").astype(str)
    first_row = 2 if path.suffix.lower() in (".csv", ".xlsx") else 1
    frame["queue_row"] = range(first_row, first_row + len(frame))

    blank = frame["text"].str.strip() == ""
    frame = frame.loc[~blank].copy()
    for head, column in (("layer", "layer"), ("type", "type")):
        frame[column] = frame[column].str.strip()
        for number, value in zip(frame["queue_row"], frame[column]):
            if value:
                try:
                    check_label(head, value)
                except ValueError as exc:
                    raise SmgovError(f"row {number} of {path.name}: {exc}", _QUEUE_FIX) from exc
    for column in _CONFIDENCES:
        frame[column] = [_confidence(value, column, number, path) for value, number in
                         zip(frame[column], frame["queue_row"])]
    frame["lang"] = [lang.strip() or detect_lang(text) for lang, text in zip(frame["lang"], frame["text"])]
    frame["text_hash"] = frame["text"].map(text_hash)
    frame["min_confidence"] = frame[["layer_confidence", "type_confidence"]].fillna(0.0).min(axis=1)
    frame = frame.sort_values("min_confidence", kind="stable")
    unique = ~frame["text_hash"].duplicated(keep="first")
    duplicates = int((~unique).sum())
    frame = frame.loc[unique]
    decided = frame["text_hash"].isin(DecisionStore(data_dir).latest().keys())
    frame = frame.loc[~decided].reset_index(drop=True)
    frame.attrs = {
        "rows": len(raw),
        "blank": int(blank.sum()),
        "duplicates": duplicates,
        "already_decided": int(decided.sum()),
    }
    return frame


def _confidence(value: str, column: str, number: int, path: Path) -> float:
    value = value.strip()
    if not value:
        return math.nan
    try:
        number_value = float(value)
    except ValueError:
        raise SmgovError(
            f"row {number} of {path.name}: {column} {value!r} is not a number", _QUEUE_FIX
        ) from None
    if not 0.0 <= number_value <= 1.0:
        raise SmgovError(
            f"row {number} of {path.name}: {column} {value!r} is not between 0 and 1", _QUEUE_FIX
        )
    return number_value


def nearest_examples(value: str) -> list[str]:
    """Split the ``nearest_examples`` cell (``' | '``-joined, or a JSON list from JSONL)."""
    value = (value or "").strip()
    if value.startswith("["):
        try:
            items = json.loads(value)
        except json.JSONDecodeError:
            items = None
        if isinstance(items, list):
            return [str(item).strip() for item in items if str(item).strip()]
    return [part.strip() for part in value.split(" | ") if part.strip()]


# --- the terminal review -----------------------------------------------------------------


@dataclass(frozen=True)
class ReviewSummary:
    """What one review session did. Counts are net of undo."""

    total: int = 0  # statements in the queue at the start of the session
    accepted: int = 0  # saved as suggested
    corrected: int = 0  # saved with a changed layer and/or type
    skipped: int = 0  # skipped and not decided later in the session
    undone: int = 0  # undo presses that took a decision back
    store_path: Path | None = None
    nothing_to_review: bool = False  # the queue was empty or already fully decided
    already_decided: int = 0  # statements of the queue decided before this session

    @property
    def decided(self) -> int:
        return self.accepted + self.corrected

    @property
    def remaining(self) -> int:
        """Statements of the queue still without a decision."""
        return self.total - self.decided


@dataclass
class _Step:
    index: int  # position in the queue
    previous: Decision | None  # the store's latest decision before this one
    decision: Decision

    @property
    def accepted(self) -> bool:
        return (self.decision.layer, self.decision.type) == (
            self.decision.suggested_layer,
            self.decision.suggested_type,
        )


def _fmt_conf(value: float) -> str:
    return "  —  " if value is None or value != value else f"{value:.2f}"


def _layer_name(layer: str) -> str:
    return LAYER_TITLES.get(layer, layer) if layer else "(none)"


def _type_name(type_: str) -> str:
    return f"{type_} ({_KEY_OF_TYPE[type_]}) — {TYPE_TITLES[type_]}" if type_ in TYPE_TITLES else (type_ or "(none)")


HELP_KEYS = (
    "a save shown & next · 1-6 layer · r/b/s type (both set → saved & next) · "
    "space skip · u undo · q quit"
)
HELP_LEGEND = "  ".join(f"{key} {LAYER_TITLES[layer].split('. ', 1)[1]}" for key, layer in LAYER_KEYS.items())


class ReviewApp(App[ReviewSummary]):
    """Review a loaded queue (:func:`load_queue`) one statement at a time; decisions go to ``store``."""

    TITLE = "smgov review"
    CSS = """
    #progress { height: 1; padding: 0 1; background: $primary-background; }
    #body { height: 1fr; padding: 1 2; }
    #text { text-style: bold; margin-bottom: 1; }
    #meta { color: $text-muted; margin-bottom: 1; }
    #suggestion { margin-bottom: 1; }
    #choice { border: round $accent; padding: 0 1; margin-bottom: 1; height: auto; }
    #examples { color: $text-muted; }
    #help { height: auto; padding: 0 1; background: $boost; }
    """
    BINDINGS = [
        Binding("a", "accept", "Save shown"),
        *[
            Binding(key, f"set_layer('{key}')", f"layer {key}", show=True,
                    group=Binding.Group("Layer", compact=True))
            for key in LAYER_KEYS
        ],
        *[
            Binding(key, f"set_type('{key}')", TYPES[i], show=True, group=Binding.Group("Type", compact=True))
            for i, key in enumerate(TYPE_KEYS)
        ],
        Binding("space", "skip", "Skip"),
        Binding("u", "undo", "Undo"),
        Binding("q", "quit_review", "Quit"),
    ]

    def __init__(self, queue: pd.DataFrame, store: DecisionStore, reviewer: str | None = None):
        super().__init__()
        self.queue = queue.reset_index(drop=True)
        self.rows: list[dict] = self.queue.to_dict("records")
        self.store = store
        self.reviewer = reviewer or default_reviewer()
        self.position = 0
        self.error: SmgovError | None = None
        self._steps: list[_Step] = []
        self._skipped: set[int] = set()
        self._undone = 0
        self._pending: dict[str, str] = {}
        self._touched: set[str] = set()

    # layout

    def compose(self) -> ComposeResult:
        yield Static(id="progress", markup=False)
        with VerticalScroll(id="body"):
            yield Static(id="text", markup=False)
            yield Static(id="meta", markup=False)
            yield Static(id="suggestion", markup=False)
            yield Static(id="choice", markup=False)
            yield Static(id="examples", markup=False)
        yield Static(Content(HELP_KEYS + "\n" + HELP_LEGEND), id="help", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._show()

    @property
    def done(self) -> bool:
        return self.position >= len(self.rows)

    @property
    def current(self) -> dict | None:
        return None if self.done else self.rows[self.position]

    def summary(self) -> ReviewSummary:
        decided = {step.index for step in self._steps}
        return ReviewSummary(
            total=len(self.rows),
            accepted=sum(step.accepted for step in self._steps),
            corrected=sum(not step.accepted for step in self._steps),
            skipped=len(self._skipped - decided),
            undone=self._undone,
            store_path=self.store.path,
            already_decided=int(self.queue.attrs.get("already_decided", 0)),
        )

    def _show(self) -> None:
        summary = self.summary()
        progress = f"{min(self.position + 1, len(self.rows))} of {len(self.rows)} · most uncertain first · " \
                   f"saved {summary.decided} · skipped {summary.skipped} · reviewer {self.reviewer}"
        self.query_one("#progress", Static).update(Content(progress))
        row = self.current
        if row is None:
            self.query_one("#text", Static).update(Content("Queue finished."))
            self.query_one("#meta", Static).update(Content(
                f"{summary.decided} saved to {self.store.path}, {summary.skipped} skipped. "
                "Press u to undo the last decision or q to quit."
            ))
            for name in ("suggestion", "choice", "examples"):
                self.query_one(f"#{name}", Static).update("")
            return
        self._pending = {"layer": row["layer"], "type": row["type"]}
        self._touched = set()
        self.query_one("#text", Static).update(Content(row["text"]))
        meta = [f"lang {row['lang'] or 'und'}"]
        meta += [f"{name} {row[name]}" for name in PROVENANCE if str(row.get(name, "")).strip()]
        if row.get("model_version"):
            meta.append(f"model {row['model_version']}")
        self.query_one("#meta", Static).update(Content(" · ".join(meta)))
        self.query_one("#suggestion", Static).update(self._suggestion(row))
        self._show_choice()
        examples = nearest_examples(row.get("nearest_examples", ""))
        self.query_one("#examples", Static).update(
            Content("Nearest hand-coded examples:\n" + "\n".join(f"  • {e}" for e in examples)) if examples
            else Content("No nearest examples in the queue.")
        )

    def _suggestion(self, row: dict) -> Content:
        def line(head: str, value: str, conf: float, runner: str, runner_conf: float) -> str:
            name = _layer_name if head == "layer" else _type_name
            text = f"Suggested {head:<5} {_fmt_conf(conf)}  {name(value)}"
            if runner:
                text += f"   runner-up {_fmt_conf(runner_conf)} {name(runner)}"
            return text

        return Content("\n".join([
            line("layer", row["layer"], row["layer_confidence"], row["layer_runner_up"],
                 row["layer_runner_up_confidence"]),
            line("type", row["type"], row["type_confidence"], row["type_runner_up"],
                 row["type_runner_up_confidence"]),
        ]))

    def _show_choice(self) -> None:
        row = self.current
        if row is None:
            return
        parts: list[str | tuple[str, str]] = ["Your decision"]
        for head, name in (("layer", _layer_name), ("type", _type_name)):
            value = self._pending[head]
            mark = "changed" if value != row[head] else ("set" if head in self._touched else "suggested")
            style = "bold underline" if mark == "changed" else ("bold" if mark == "set" else "")
            parts += [f"\n  {head:<5}  ", (name(value), style), f"  [{mark}]"]
        self.query_one("#choice", Static).update(Content.assemble(*parts))

    # actions

    def action_set_layer(self, key: str) -> None:
        self._set("layer", LAYER_KEYS[key])

    def action_set_type(self, key: str) -> None:
        self._set("type", TYPE_KEYS[key])

    def _set(self, head: str, value: str) -> None:
        if self.done:
            self.bell()
            return
        self._pending[head] = value
        self._touched.add(head)
        if self._touched == {"layer", "type"}:
            self._save()
        else:
            self._show_choice()

    def action_accept(self) -> None:
        if self.done:
            self.bell()
            return
        missing = [head for head in ("layer", "type") if not self._pending[head]]
        if missing:
            keys = "1-6" if missing[0] == "layer" else "r/b/s"
            self.notify(f"no suggested {missing[0]} for this statement: press {keys} to set it", severity="warning")
            return
        self._save()

    def _save(self) -> None:
        row = self.rows[self.position]
        decision = Decision.new(
            row["text"],
            self._pending["layer"],
            self._pending["type"],
            text_hash=row["text_hash"],
            lang=row["lang"],
            reviewer=self.reviewer,
            model_version=row["model_version"],
            suggested_layer=row["layer"],
            suggested_type=row["type"],
            via="tui",
        )
        try:
            previous = self.store.get(decision.text_hash)  # reads only rows appended since the last save
            self.store.append([decision])
        except (SmgovError, OSError) as exc:
            self._fail(exc)
            return
        self._steps.append(_Step(self.position, previous, decision))
        self.position += 1
        self._show()

    def action_skip(self) -> None:
        if self.done:
            self.bell()
            return
        self._skipped.add(self.position)
        self.position += 1
        self._show()

    def action_undo(self) -> None:
        if not self._steps:
            self.notify("nothing to undo in this session", severity="warning")
            return
        step = self._steps[-1]
        if step.previous is not None:
            restore = replace(step.previous, reviewed_at=utc_now())
        else:
            restore = step.decision.undecided(reviewer=self.reviewer)
        try:
            self.store.append([restore])
        except (SmgovError, OSError) as exc:
            self._fail(exc)
            return
        self._steps.pop()
        self._undone += 1
        self.position = step.index
        self._skipped.discard(step.index)
        self._show()
        self.notify("undone: this statement is back to its previous state")

    def action_quit_review(self) -> None:
        self.exit(self.summary())

    def _fail(self, exc: Exception) -> None:
        self.error = exc if isinstance(exc, SmgovError) else SmgovError(
            f"cannot write {str(self.store.path)!r} ({exc})", "check the folder is writable and has space"
        )
        self.exit(self.summary(), return_code=1)


def _has_terminal() -> bool:
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout))


def run_review(
    queue_path: str | Path, data_dir: Path | str | None = None, reviewer: str | None = None
) -> ReviewSummary:
    """Review ``queue_path`` in the terminal; every decision is appended to the store at once.

    Returns a summary with ``nothing_to_review=True`` (without opening the screen) when
    every statement of the queue is blank or already decided. Raises :class:`SmgovError`
    for a bad queue, or when stdin/stdout is not a terminal.
    """
    store = DecisionStore(data_dir)
    queue = load_queue(queue_path, store.data_dir)
    if queue.empty:
        return ReviewSummary(
            store_path=store.path, nothing_to_review=True, already_decided=queue.attrs.get("already_decided", 0)
        )
    if not _has_terminal():
        raise SmgovError(
            "no terminal to review in (stdin or stdout is not a TTY)",
            "run smgov review in a terminal, or use --export review.xlsx to review in a spreadsheet",
        )
    app = ReviewApp(queue, store, reviewer)
    app.run()
    if app.error is not None:
        raise app.error
    return app.summary()


# --- the spreadsheet round trip ----------------------------------------------------------


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


__all__ = [
    "ImportResult",
    "ReviewApp",
    "ReviewSummary",
    "export_review_xlsx",
    "import_review_xlsx",
    "load_queue",
    "nearest_examples",
    "run_review",
]
