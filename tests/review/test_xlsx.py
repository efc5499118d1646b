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
from smgov_nlp.review.store import DecisionStore
from smgov_nlp.review.xlsx import ImportResult, export_review_xlsx, import_review_xlsx
from smgov_nlp.text import text_hash


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
    assert out.exists() and len(DecisionStore(data_dir).latest()) == 5
