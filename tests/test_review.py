from __future__ import annotations

import asyncio
import io
import math
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

import smgov_nlp.review.session as review
from smgov_nlp.errors import SmgovError
from smgov_nlp.labels import LAYERS, TYPES
from smgov_nlp.review.session import (
    ImportResult,
    ReviewApp,
    ReviewSummary,
    export_review_xlsx,
    import_review_xlsx,
    load_queue,
    nearest_examples,
    run_review,
)
from smgov_nlp.review.store import Decision, DecisionStore
from smgov_nlp.text import text_hash

S1 = "Uso de Facebook para avisos"
S2 = "Falta de presupuesto para redes"
S3 = "Convenios entre dependencias"
S5 = "Datos abiertos en tiempo real"
S6 = "Políticas de uso de redes"

QUEUE_ROWS = [
    # text, lang, layer, layer_conf, type, type_conf, runner-up, runner-up conf, nearest, file, line
    (S1, "es", "technology", "0.90", "benefit", "0.85", "", "", "", "taller.txt", "1"),
    (S2, "es", "general_context", "0.30", "risk", "0.95", "institutional_framework", "0.25",
     "No hay recursos | Budget cuts", "taller.txt", "2"),
    (S3, "es", "interorganizational_collaboration", "0.55", "benefit", "0.50", "", "", "", "taller.txt", "3"),
    ("   ", "", "", "", "", "", "", "", "", "taller.txt", "4"),
    (S5, "", "information_data", "0.60", "benefit", "0.40", "", "", "", "taller.txt", "5"),
    (S6, "es", "institutional_framework", "0.50", "strategy", "0.70", "", "", "", "taller.txt", "6"),
    ("  FALTA de presupuesto para   redes", "es", "general_context", "0.80", "risk", "0.80", "", "", "",
     "taller.txt", "7"),
]
QUEUE_COLUMNS = ["text", "lang", "layer", "layer_confidence", "type", "type_confidence", "layer_runner_up",
                 "layer_runner_up_confidence", "nearest_examples", "file", "line"]


@pytest.fixture
def queue_csv(tmp_path: Path) -> Path:
    frame = pd.DataFrame(QUEUE_ROWS, columns=QUEUE_COLUMNS)
    frame["model_version"] = "smgov-0.1-test"
    path = tmp_path / "review_queue.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def latest_labels(data_dir: Path) -> dict[str, tuple[str, str]]:
    return {d.text: (d.layer, d.type) for d in DecisionStore(data_dir).latest().values()}


def texts(app: ReviewApp, widget: str) -> str:
    return str(app.query_one(f"#{widget}").content)


# --- the queue ---------------------------------------------------------------------------


def test_load_queue_most_uncertain_first_stable_dedup_and_blank(queue_csv, data_dir):
    queue = load_queue(queue_csv, data_dir)
    assert list(queue["text"]) == [S2, S5, S3, S6, S1]  # S3 and S6 tie at 0.50: file order kept
    assert list(queue["min_confidence"]) == [0.30, 0.40, 0.50, 0.50, 0.85]
    assert list(queue["queue_row"]) == [3, 6, 4, 7, 2]
    assert queue.loc[0, "text_hash"] == text_hash(S2)
    assert queue.loc[0, "layer_runner_up"] == "institutional_framework"
    assert queue.loc[1, "lang"] == "es"  # blank lang detected from the text
    assert math.isnan(queue.loc[0, "type_runner_up_confidence"])
    assert queue.attrs == {"rows": 7, "blank": 1, "duplicates": 1, "already_decided": 0}


def test_load_queue_resumes_without_decided_statements(queue_csv, data_dir):
    DecisionStore(data_dir).append([
        Decision.new("falta DE presupuesto  para redes", "general_context", "risk", reviewer="ana"),
        Decision.new(S3, "technology", "risk", reviewer="ana"),
    ])
    queue = load_queue(queue_csv, data_dir)
    assert list(queue["text"]) == [S5, S6, S1]
    assert queue.attrs["already_decided"] == 2


def test_load_queue_with_only_text_keeps_file_order(tmp_path, data_dir):
    path = tmp_path / "q.csv"
    path.write_text("text\nuno\n\ndos\n", encoding="utf-8")
    queue = load_queue(path, data_dir)
    assert list(queue["text"]) == ["uno", "dos"]
    assert list(queue["layer"]) == ["", ""]
    assert list(queue["model_version"]) == ["", ""]


def test_load_queue_needs_a_text_column(tmp_path, data_dir):
    path = tmp_path / "q.csv"
    path.write_text("body,layer\nhola,technology\n", encoding="utf-8")
    with pytest.raises(SmgovError) as info:
        load_queue(path, data_dir)
    assert info.value.problem == "expected a column 'text' in q.csv, found ['body', 'layer']"


def test_load_queue_rejects_bad_ids_and_confidences(tmp_path, data_dir):
    path = tmp_path / "q.csv"
    path.write_text("text,layer,layer_confidence\nuno,technology,0.5\ndos,tech,0.5\n", encoding="utf-8")
    with pytest.raises(SmgovError, match=r"^row 3 of q.csv: layer 'tech' is not a valid id"):
        load_queue(path, data_dir)
    path.write_text("text,layer,layer_confidence\nuno,technology,alta\n", encoding="utf-8")
    with pytest.raises(SmgovError, match=r"^row 2 of q.csv: layer_confidence 'alta' is not a number"):
        load_queue(path, data_dir)


def test_nearest_examples_split():
    assert nearest_examples("No hay recursos | Budget cuts") == ["No hay recursos", "Budget cuts"]
    assert nearest_examples('["a | b", "c"]') == ["a | b", "c"]
    assert nearest_examples("") == []


# --- the terminal flow -------------------------------------------------------------------


def test_terminal_flow_accept_change_skip_undo_quit_and_resume(queue_csv, data_dir):
    store = DecisionStore(data_dir)
    app = ReviewApp(load_queue(queue_csv, data_dir), store, reviewer="ana")

    async def first_session():
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert texts(app, "text") == S2
            assert "taller.txt" in texts(app, "meta") and "line 2" in texts(app, "meta")
            assert "0.30  1. General context" in texts(app, "suggestion")
            assert "runner-up 0.25 2. Institutional framework" in texts(app, "suggestion")
            assert "No hay recursos" in texts(app, "examples")
            help_line = texts(app, "help")
            for hint in ("a save shown", "1-6 layer", "r/b/s type", "space skip", "u undo", "q quit"):
                assert hint in help_line

            await pilot.press("a")  # S2: accept the suggestion
            assert texts(app, "text") == S5
            await pilot.press("3")  # S5: change the layer; nothing saved until the type is confirmed
            assert texts(app, "text") == S5
            assert "[changed]" in texts(app, "choice")
            assert len(store.history()) == 1
            await pilot.press("a")
            assert texts(app, "text") == S3
            await pilot.press("s", "a")  # S3: change the type
            assert texts(app, "text") == S6
            await pilot.press("4", "r")  # S6: both heads set -> saved and next
            assert texts(app, "text") == S1
            await pilot.press("space")  # S1: skip
            assert texts(app, "text") == "Queue finished."
            await pilot.press("u")  # undo S6: back to it, marked undecided
            assert texts(app, "text") == S6
            assert "[suggested]" in texts(app, "choice")
            await pilot.press("q")

    asyncio.run(first_session())
    assert app.return_value == ReviewSummary(
        total=5, accepted=1, corrected=2, skipped=1, undone=1, store_path=data_dir / "reviewed.csv",
    )
    assert app.return_value.remaining == 2
    history = store.history()
    assert list(history["text"]) == [S2, S5, S3, S6, S6]
    assert list(history["layer"]) == [
        "general_context", "interorganizational_collaboration", "interorganizational_collaboration",
        "organizational_structure_processes", "",
    ]
    assert list(history["type"]) == ["risk", "benefit", "strategy", "risk", ""]
    assert list(history["suggested_layer"]) == [
        "general_context", "information_data", "interorganizational_collaboration", "institutional_framework",
        "institutional_framework",
    ]
    assert list(history["suggested_type"]) == ["risk", "benefit", "benefit", "strategy", "strategy"]
    assert set(history["via"]) == {"tui"}
    assert set(history["reviewer"]) == {"ana"}
    assert set(history["model_version"]) == {"smgov-0.1-test"}
    assert list(history["lang"]) == ["es", "es", "es", "es", "es"]
    assert latest_labels(data_dir) == {
        S2: ("general_context", "risk"),
        S5: ("interorganizational_collaboration", "benefit"),
        S3: ("interorganizational_collaboration", "strategy"),
    }

    # second run resumes with what is left, most uncertain first
    queue = load_queue(queue_csv, data_dir)
    assert list(queue["text"]) == [S6, S1]
    second = ReviewApp(queue, store, reviewer="luis")

    async def second_session():
        async with second.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert texts(second, "text") == S6
            await pilot.press("b", "a", "a", "q")

    asyncio.run(second_session())
    assert second.return_value.accepted == 1 and second.return_value.corrected == 1
    assert second.return_value.already_decided == 3
    labels = latest_labels(data_dir)
    assert labels[S6] == ("institutional_framework", "benefit")
    assert labels[S1] == ("technology", "benefit")
    assert len(labels) == 5
    assert len(load_queue(queue_csv, data_dir)) == 0


def test_undo_restores_a_previous_decision(queue_csv, data_dir):
    store = DecisionStore(data_dir)
    app = ReviewApp(load_queue(queue_csv, data_dir), store, reviewer="ana")
    # someone else decided S2 after the queue was loaded
    store.append([Decision.new(S2, "technology", "strategy", reviewer="otro")])

    async def session():
        async with app.run_test() as pilot:
            await pilot.press("a", "u", "q")

    asyncio.run(session())
    history = store.history()
    assert list(history["layer"]) == ["technology", "general_context", "technology"]
    assert list(history["reviewer"]) == ["otro", "ana", "otro"]
    assert latest_labels(data_dir) == {S2: ("technology", "strategy")}
    assert app.return_value.decided == 0 and app.return_value.undone == 1


def test_no_suggestion_needs_both_keys_and_undo_with_nothing(tmp_path, data_dir):
    path = tmp_path / "q.csv"
    path.write_text("text\nSolo texto sin sugerencia\n", encoding="utf-8")
    store = DecisionStore(data_dir)
    app = ReviewApp(load_queue(path, data_dir), store, reviewer="ana")

    async def session():
        async with app.run_test() as pilot:
            await pilot.press("u", "a")  # nothing to undo; nothing to accept
            assert not store.path.exists()
            assert texts(app, "text") == "Solo texto sin sugerencia"
            await pilot.press("1", "r", "q")

    asyncio.run(session())
    assert latest_labels(data_dir) == {"Solo texto sin sugerencia": ("general_context", "risk")}
    assert app.return_value.corrected == 1


def test_run_review_without_a_terminal(queue_csv, data_dir, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(SmgovError) as info:
        run_review(queue_csv, data_dir)
    assert str(info.value) == (
        "no terminal to review in (stdin or stdout is not a TTY); "
        "run smgov review in a terminal, or use --export review.xlsx to review in a spreadsheet"
    )
    assert not (data_dir / "reviewed.csv").exists()


def test_run_review_with_nothing_to_review(tmp_path, data_dir, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal needed when there is nothing to do
    path = tmp_path / "q.csv"
    path.write_text("text\n\nya decidido\n", encoding="utf-8")
    DecisionStore(data_dir).append([Decision.new("Ya decidido", "technology", "risk", reviewer="ana")])
    summary = run_review(path, data_dir)
    assert summary == ReviewSummary(store_path=data_dir / "reviewed.csv", nothing_to_review=True, already_decided=1)
    assert summary.decided == 0


def test_run_review_runs_the_app_and_uses_user_as_reviewer(queue_csv, data_dir, monkeypatch):
    monkeypatch.setattr(review, "_has_terminal", lambda: True)
    monkeypatch.setenv("USER", "carmen")

    def fake_run(self):
        async def drive():
            async with self.run_test() as pilot:
                await pilot.press("a", "q")

        asyncio.run(drive())

    monkeypatch.setattr(ReviewApp, "run", fake_run)
    summary = run_review(queue_csv, data_dir)
    assert (summary.total, summary.accepted, summary.corrected, summary.remaining) == (5, 1, 0, 4)
    assert list(DecisionStore(data_dir).history()["reviewer"]) == ["carmen"]


def test_run_review_surfaces_a_failed_write(queue_csv, data_dir, monkeypatch):
    monkeypatch.setattr(review, "_has_terminal", lambda: True)

    def broken_append(self, decisions):
        raise OSError("disk full")

    def fake_run(self):
        async def drive():
            async with self.run_test() as pilot:
                await pilot.press("a")

        asyncio.run(drive())

    monkeypatch.setattr(DecisionStore, "append", broken_append)
    monkeypatch.setattr(ReviewApp, "run", fake_run)
    with pytest.raises(SmgovError, match=r"cannot write .*reviewed.csv.* \(disk full\)"):
        run_review(queue_csv, data_dir, reviewer="ana")


# --- the spreadsheet round trip ----------------------------------------------------------


def test_xlsx_export_edit_import(queue_csv, data_dir, tmp_path):
    out = tmp_path / "review.xlsx"
    assert export_review_xlsx(queue_csv, out, data_dir) == 5

    book = load_workbook(out)
    assert book.sheetnames == ["review", "ids"]
    sheet = book["review"]
    header = [c.value for c in sheet[1]]
    assert header == ["text_hash", "text", "lang", "suggested_layer", "suggested_type", "confidence", "layer",
                      "type", "note", "model_version"]
    assert sheet.column_dimensions["J"].hidden is True
    assert sheet.freeze_panes == "A2"
    assert [sheet.cell(row=r, column=2).value for r in range(2, 7)] == [S2, S5, S3, S6, S1]
    assert [sheet.cell(row=r, column=6).value for r in range(2, 7)] == [0.3, 0.4, 0.5, 0.5, 0.85]
    assert sheet["G2"].value == "general_context" and sheet["H2"].value == "risk"
    assert sheet["A2"].value == text_hash(S2)
    assert sheet["B2"].alignment.wrap_text is True
    validations = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    assert set(validations) == {"G2:G6", "H2:H6"}
    assert validations["G2:G6"].type == "list"
    assert validations["G2:G6"].formula1 == '"' + ",".join(LAYERS) + '"'
    assert validations["H2:H6"].formula1 == '"risk,benefit,strategy"'
    assert validations["G2:G6"].showErrorMessage is True
    ids = book["ids"]
    assert [ids.cell(row=r, column=2).value for r in range(2, 8)] == list(LAYERS)
    assert [ids.cell(row=r, column=6).value for r in range(2, 5)] == list(TYPES)

    # the reviewer's edits: row 2 untouched (S2), row 3 layer fixed (S5), row 4 bad layer (S3),
    # row 5 bad type (S6), row 6 both cleared = skipped (S1)
    sheet["G3"] = "technology"
    sheet["I3"] = "about apps"
    sheet["G4"] = "tech"
    sheet["H5"] = "riesgo"
    sheet["G6"] = None
    sheet["H6"] = None
    book.save(out)

    result = import_review_xlsx(out, data_dir, reviewer="ana")
    assert result == ImportResult(
        accepted=1,
        corrected=1,
        invalid=[
            "row 4: layer 'tech' is not a valid id; expected one of " + str(list(LAYERS)),
            "row 5: type 'riesgo' is not a valid id; expected one of ['risk', 'benefit', 'strategy']",
        ],
        skipped=1,
        already_recorded=0,
        store_path=data_dir / "reviewed.csv",
    )
    history = DecisionStore(data_dir).history()
    assert history.to_dict("records") == [
        {"text_hash": text_hash(S2), "text": S2, "lang": "es", "layer": "general_context", "type": "risk",
         "reviewer": "ana", "reviewed_at": history.loc[0, "reviewed_at"], "model_version": "smgov-0.1-test",
         "suggested_layer": "general_context", "suggested_type": "risk", "via": "xlsx"},
        {"text_hash": text_hash(S5), "text": S5, "lang": "es", "layer": "technology", "type": "benefit",
         "reviewer": "ana", "reviewed_at": history.loc[1, "reviewed_at"], "model_version": "smgov-0.1-test",
         "suggested_layer": "information_data", "suggested_type": "benefit", "via": "xlsx"},
    ]

    # importing the same sheet again adds nothing
    again = import_review_xlsx(out, data_dir, reviewer="ana")
    assert (again.accepted, again.corrected, again.already_recorded, len(again.invalid)) == (0, 0, 2, 2)
    assert len(DecisionStore(data_dir).history()) == 2

    # a new export leaves out what is decided
    assert export_review_xlsx(queue_csv, tmp_path / "rest.xlsx", data_dir) == 3


def test_xlsx_import_keys_on_text_when_hash_cleared_and_rejects_bad_hash(tmp_path, data_dir, queue_csv):
    out = tmp_path / "review.xlsx"
    export_review_xlsx(queue_csv, out, data_dir)
    book = load_workbook(out)
    sheet = book["review"]
    sheet["A2"] = None
    sheet["A3"] = "abc"
    for row in range(4, 7):
        sheet[f"G{row}"] = None
        sheet[f"H{row}"] = None
    book.save(out)
    result = import_review_xlsx(out, data_dir, reviewer="ana")
    assert (result.accepted, result.corrected, result.skipped) == (1, 0, 3)
    assert result.invalid == [
        "row 3: text_hash 'abc' is not the 64-character key the export wrote; restore it or clear the cell"
    ]
    assert list(DecisionStore(data_dir).latest()) == [text_hash(S2)]


def test_xlsx_paths_are_checked(tmp_path, queue_csv, data_dir):
    with pytest.raises(SmgovError, match="expected a file ending in .xlsx"):
        export_review_xlsx(queue_csv, tmp_path / "review.csv", data_dir)
    with pytest.raises(SmgovError, match=r"expected the .xlsx written by smgov review --export"):
        import_review_xlsx(queue_csv, data_dir)
    other = tmp_path / "other.xlsx"
    pd.DataFrame({"body": ["x"]}).to_excel(other, index=False)
    with pytest.raises(SmgovError, match=r"expected columns \['text', 'layer', 'type'\] in the first sheet"):
        import_review_xlsx(other, data_dir)


def test_xlsx_export_of_formula_like_text_stays_text(tmp_path, data_dir):
    path = tmp_path / "q.csv"
    path.write_text('text,layer,type\n"=1+1 redes",technology,risk\n', encoding="utf-8")
    out = tmp_path / "review.xlsx"
    assert export_review_xlsx(path, out, data_dir) == 1
    cell = load_workbook(out)["review"]["B2"]
    assert (cell.value, cell.data_type) == ("=1+1 redes", "s")
    result = import_review_xlsx(out, data_dir, reviewer="ana")
    assert result.accepted == 1
    assert list(DecisionStore(data_dir).latest()) == [text_hash("=1+1 redes")]
