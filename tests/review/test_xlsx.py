"""The spreadsheet round trip: the exported sheet, and importing the choices made in it."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from openpyxl import load_workbook

from review.conftest import S1, S2, S3, S5, S6
from smgov_nlp.errors import SmgovError
from smgov_nlp.labels import LAYERS, TYPES
from smgov_nlp.review.queue import load_queue
from smgov_nlp.review.store import DecisionStore
from smgov_nlp.review.xlsx import export_review_xlsx, import_review_xlsx
from smgov_nlp.text import text_hash


def cell_of(sheet, name: str, row: int):
    header = [c.value for c in sheet[1]]
    return sheet.cell(row=row, column=header.index(name) + 1)


def edit(path, changes: dict[tuple[str, int], str | None]) -> None:
    """Set cells of the review sheet by (column name, Excel row) and save."""
    book = load_workbook(path)
    for (name, row), value in changes.items():
        cell_of(book["review"], name, row).value = value
    book.save(path)


def test_xlsx_export_layout(queue_csv, data_dir, tmp_path):
    out = tmp_path / "review.xlsx"
    assert export_review_xlsx(queue_csv, out, data_dir) == 5

    book = load_workbook(out)
    assert book.sheetnames == ["review", "ids"]
    sheet = book["review"]
    header = [c.value for c in sheet[1]]
    assert header == ["text_hash", "text", "lang", "suggested_layer", "suggested_type", "confidence", "decision",
                      "layer", "type", "idea", "note", "model_version", "suggested_idea"]
    assert sheet.column_dimensions["L"].hidden is True and sheet.column_dimensions["M"].hidden is True
    assert sheet.freeze_panes == "A2"
    assert [sheet.cell(row=r, column=2).value for r in range(2, 7)] == [S2, S5, S3, S6, S1]
    assert [sheet.cell(row=r, column=6).value for r in range(2, 7)] == [0.3, 0.4, 0.5, 0.5, 0.85]
    assert sheet["G2"].value is None  # no decision until a person picks one
    assert sheet["H2"].value == "general_context" and sheet["I2"].value == "risk"
    assert sheet["A2"].value == text_hash(S2)
    assert sheet["B2"].alignment.wrap_text is True
    validations = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    assert set(validations) == {"G2:G6", "H2:H6", "I2:I6"}
    assert validations["G2:G6"].formula1 == '"accept,correct,not a statement"'
    assert validations["H2:H6"].formula1 == '"' + ",".join(LAYERS) + '"'
    assert validations["I2:I6"].formula1 == '"risk,benefit,strategy"'
    assert validations["H2:H6"].errorStyle == "warning"  # a readable name may be typed instead of an id
    ids = book["ids"]
    assert [ids.cell(row=r, column=2).value for r in range(2, 8)] == list(LAYERS)
    assert [ids.cell(row=r, column=3).value for r in (2, 7)] == ["General context", "Technology"]
    assert [ids.cell(row=r, column=4).value for r in (2, 7)] == ["Contexto general", "Tecnología"]
    assert [ids.cell(row=r, column=7).value for r in range(2, 5)] == list(TYPES)


def test_changing_one_cell_records_exactly_one_decision(queue_csv, data_dir, tmp_path):
    """The bug: every prefilled row used to count as reviewed. Untouched rows record nothing and stay in the queue."""
    out = tmp_path / "review.xlsx"
    export_review_xlsx(queue_csv, out, data_dir)
    edit(out, {("layer", 3): "technology"})  # S5: the layer fixed, nothing else touched
    result = import_review_xlsx(out, data_dir, reviewer="ana")
    assert (result.imported, result.corrected, result.accepted, result.untouched, result.invalid) == (1, 1, 0, 4, [])
    history = DecisionStore(data_dir).history()
    assert history.drop(columns=["reviewed_at", "batch"]).to_dict("records") == [
        {"text_hash": text_hash(S5), "text": S5, "lang": "es", "layer": "technology", "type": "benefit",
         "reviewer": "ana", "model_version": "smgov-0.1-test", "suggested_layer": "information_data",
         "suggested_type": "benefit", "via": "xlsx", "decision": "correct", "note": "", "idea_with": ""},
    ]
    assert history.loc[0, "batch"] == result.batch != ""
    assert list(load_queue(queue_csv, data_dir)["text"]) == [S2, S3, S6, S1]  # the rest stay in the queue

    again = import_review_xlsx(out, data_dir, reviewer="ana")  # the same sheet again adds nothing
    assert (again.imported, again.already_recorded, again.batch) == (0, 1, "")
    assert len(DecisionStore(data_dir).history()) == 1


def test_the_decision_column_and_readable_names_in_both_languages(queue_csv, data_dir, tmp_path):
    out = tmp_path / "review.xlsx"
    export_review_xlsx(queue_csv, out, data_dir)
    edit(out, {
        ("decision", 2): "accept",  # S2 as suggested
        ("decision", 3): "No es una afirmación", ("note", 3): "  es un encabezado ",  # S5: a heading
        ("layer", 4): "1. General context", ("type", 4): "Riesgo",  # S3: names, English and Spanish
        ("decision", 5): "Correct", ("layer", 5): "contexto general", ("type", 5): "Strategy",  # S6
        ("layer", 6): None, ("type", 6): None,  # S1: cleared, no decision: nothing recorded
    })
    result = import_review_xlsx(out, data_dir, reviewer="ana")
    assert (result.accepted, result.corrected, result.not_statement, result.untouched) == (1, 2, 1, 1)
    assert result.invalid == []
    latest = {d.text: (d.decision, d.layer, d.type, d.note) for d in DecisionStore(data_dir).latest().values()}
    assert latest == {
        S2: ("accept", "general_context", "risk", ""),
        S5: ("not_statement", "", "", "es un encabezado"),
        S3: ("correct", "general_context", "risk", ""),
        S6: ("correct", "general_context", "strategy", ""),
    }


def test_invalid_rows_are_reported_and_left_out(queue_csv, data_dir, tmp_path):
    out = tmp_path / "review.xlsx"
    export_review_xlsx(queue_csv, out, data_dir)
    edit(out, {
        ("layer", 2): "tech",
        ("decision", 3): "maybe",
        ("note", 4): "unsure",  # a note without a decision
        ("decision", 5): "accept", ("layer", 5): None, ("type", 5): None,
    })
    result = import_review_xlsx(out, data_dir, reviewer="ana")
    assert result.imported == 0 and result.untouched == 1 and result.batch == ""
    assert [message.split(":")[0] for message in result.invalid] == ["row 2", "row 3", "row 4", "row 5"]
    assert "layer 'tech' is not a valid id or name" in result.invalid[0]
    assert "decision 'maybe' is not one of ['accept', 'correct', 'not a statement']" in result.invalid[1]
    assert "a note or an idea is recorded only with a decision" in result.invalid[2]
    assert "layer is empty" in result.invalid[3] and "type is empty" in result.invalid[3]
    assert not (data_dir / "reviewed.csv").exists()


def test_notes_and_idea_links_are_stored(tmp_path, data_dir):
    queue = tmp_path / "q.csv"
    pd.DataFrame({
        "text": ["Robo de identidad", "Identity theft", "Perfiles falsos", "Hackeo", "Noticias falsas"],
        "layer": "general_context", "type": "risk", "layer_confidence": ["0.1", "0.2", "0.3", "0.4", "0.5"],
        "type_confidence": "0.9", "idea_id": ["I0001", "I0002", "I0001", "I0003", "I0004"],
    }).to_csv(queue, index=False)
    out = tmp_path / "review.xlsx"
    export_review_xlsx(queue, out, data_dir)
    assert [cell_of(load_workbook(out)["review"], "idea", r).value for r in range(2, 7)] == \
        ["I0001", "I0002", "I0001", "I0003", "I0004"]
    edit(out, {
        ("decision", 2): "accept", ("idea", 2): "I0003",  # Robo joins Hackeo's idea
        ("decision", 3): "accept", ("idea", 3): "i0001", ("note", 3): "same as robo",  # joins who stays in I0001
        ("decision", 4): "accept",  # Perfiles falsos stays in I0001: no link
        ("decision", 5): "accept", ("idea", 5): "own",
        ("decision", 6): "accept", ("idea", 6): "I0042",  # not an idea of this sheet
    })
    result = import_review_xlsx(out, data_dir, reviewer="ana")
    assert result.invalid == ["row 6: idea 'I0042' is not an idea id of this sheet; type the id of another row's "
                              "idea, or own"]
    store = DecisionStore(data_dir)
    assert store.idea_links() == {
        text_hash("Robo de identidad"): text_hash("Hackeo"),
        text_hash("Identity theft"): text_hash("Perfiles falsos"),
        text_hash("Hackeo"): "own",
    }
    assert store.get(text_hash("Identity theft")).note == "same as robo"


def test_dry_run_writes_nothing(queue_csv, data_dir, tmp_path):
    out = tmp_path / "review.xlsx"
    export_review_xlsx(queue_csv, out, data_dir)
    edit(out, {("layer", 3): "technology", ("decision", 4): "not a statement", ("layer", 5): "tech"})
    result = import_review_xlsx(out, data_dir, reviewer="ana", dry_run=True)
    assert (result.dry_run, result.corrected, result.not_statement, result.untouched, len(result.invalid)) == \
        (True, 1, 1, 2, 1)
    assert result.batch == ""
    assert not data_dir.exists()


def test_undo_import_removes_exactly_its_batch(queue_csv, data_dir, tmp_path):
    out = tmp_path / "review.xlsx"
    export_review_xlsx(queue_csv, out, data_dir)
    edit(out, {("decision", 2): "accept"})
    first = import_review_xlsx(out, data_dir, reviewer="ana")
    edit(out, {("decision", 2): None, ("decision", 3): "accept", ("decision", 4): "not a statement"})
    second = import_review_xlsx(out, data_dir, reviewer="luis")
    assert first.batch and second.batch and first.batch != second.batch
    store = DecisionStore(data_dir)
    assert store.remove_batch(second.batch) == 2
    assert [(d.text, d.batch) for d in store.latest().values()] == [(S2, first.batch)]


def test_xlsx_import_keys_on_text_when_hash_cleared_and_rejects_bad_hash(tmp_path, data_dir, queue_csv):
    out = tmp_path / "review.xlsx"
    export_review_xlsx(queue_csv, out, data_dir)
    edit(out, {("text_hash", 2): None, ("decision", 2): "accept", ("text_hash", 3): "abc", ("decision", 3): "accept"})
    result = import_review_xlsx(out, data_dir, reviewer="ana")
    assert (result.accepted, result.corrected, result.untouched) == (1, 0, 3)
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
    edit(out, {("decision", 2): "accept"})
    result = import_review_xlsx(out, data_dir, reviewer="ana")
    assert result.accepted == 1
    assert list(DecisionStore(data_dir).latest()) == [text_hash("=1+1 redes")]


def test_the_spreadsheet_round_trip_never_loads_textual(queue_csv, data_dir, tmp_path):
    """Only the terminal review needs textual: ``smgov review --export/--import`` start without it."""
    script = (
        "import sys\n"
        "from smgov_nlp.cli import main\n"
        "for argv in (['review', sys.argv[1], '--export', sys.argv[2], '--data', sys.argv[3]],\n"
        "             ['review', '--import', sys.argv[2], '--data', sys.argv[3]]):\n"
        "    sys.argv = ['smgov', '-q', *argv]\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as exit:\n"
        "        assert not exit.code, exit.code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))\n"
    )
    out = tmp_path / "review.xlsx"
    result = subprocess.run([sys.executable, "-c", script, str(queue_csv), str(out), str(data_dir)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert out.exists() and len(DecisionStore(data_dir).latest()) == 0  # nothing touched, nothing recorded
