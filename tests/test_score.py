from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from openpyxl import load_workbook

from smgov_nlp.errors import SmgovError
from smgov_nlp.io.readers import read_table
from smgov_nlp.labels import LAYERS, TYPES
from smgov_nlp.workflows.score import OUTPUT_COLUMNS, RUNNER_UP_COLUMNS, predict_statements, score_file

pytestmark = pytest.mark.slow  # the real default model (USE), loaded once per session

ROBO = "Robo de identidad"
STRATEGY = "Define a strategy for the official social media accounts"


def read_out(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def files_in(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def notes_csv(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text(
        "id,text,lang\n"
        f"1,{ROBO},xx\n"
        "2,,\n"
        "\n"
        f"4,{STRATEGY},en\n"
        "5,   ,es\n",
        encoding="utf-8",
    )
    return path


# --- CSV in, CSV out ----------------------------------------------------------------------


def test_csv_rows_columns_and_order(default_model, notes_csv, tmp_path):
    warnings: list[str] = []
    out = tmp_path / "scored.csv"
    rows = score_file(notes_csv, out, model=default_model, warn=warnings.append)
    assert rows == 5
    frame = read_out(out)
    assert list(frame.columns) == ["id", "text", "lang_input"] + OUTPUT_COLUMNS
    assert frame["id"].tolist() == ["1", "2", "", "4", "5"]
    assert frame["text"].tolist() == [ROBO, "", "", STRATEGY, "   "]
    assert frame["lang_input"].tolist() == ["xx", "", "", "en", "es"]
    assert frame["lang"].tolist() == ["es", "und", "und", "en", "und"]
    assert warnings == ["the input already has column(s) ['lang']; kept them as ['lang_input']"]


def test_blank_rows_get_empty_predictions_and_need_review(default_model, notes_csv, tmp_path):
    out = tmp_path / "scored.csv"
    score_file(notes_csv, out, model=default_model)
    frame = read_out(out)
    blank = frame.iloc[[1, 2, 4]]
    for column in ("layer", "layer_confidence", "type", "type_confidence", "nearest_examples"):
        assert (blank[column] == "").all(), column
    assert (blank["needs_review"] == "true").all()
    filled = frame.iloc[[0, 3]]
    assert set(filled["layer"]) <= set(LAYERS) and set(filled["type"]) <= set(TYPES)
    assert set(frame["needs_review"]) <= {"true", "false"}
    assert filled["nearest_examples"].str.count(r" \| ").tolist() == [2, 2]
    assert frame.loc[0, "nearest_examples"].startswith("es-t1-017: Robo de identidad | t1-017: Identity theft")


def test_predictions_are_consistent_with_the_thresholds(default_model):
    texts = [ROBO, STRATEGY, "Falta de presupuesto para las redes sociales", "Open data portals", ""]
    out = predict_statements(default_model, texts)
    assert list(out.columns) == OUTPUT_COLUMNS
    assert out["needs_review"].dtype == bool
    filled = out.iloc[:4]
    for head in ("layer", "type"):
        confidence = filled[f"{head}_confidence"].to_numpy(dtype=float)
        assert ((confidence > 0) & (confidence <= 1)).all()
        assert (confidence == np.round(confidence, 4)).all()
    # the review policy: a reason exactly when a statement needs review, the riskiest flagged
    assert (filled["review_reason"] != "").tolist() == filled["needs_review"].tolist()
    assert out.loc[4, "needs_review"] and out.loc[4, "review_reason"] == "empty statement"
    assert out.loc[0, "matched_idea"] == "t1-017: Identity theft"  # a restated table idea is shown as the reason
    assert not out.loc[0, "needs_review"]  # ... and accepted: it agrees with the idea it restates
    risk = filled["error_risk"].to_numpy(dtype=float)
    assert ((risk >= 0) & (risk <= 1)).all()
    if filled["needs_review"].any() and (~filled["needs_review"]).any():
        assert risk[filled["needs_review"].to_numpy()].max() >= risk[~filled["needs_review"].to_numpy()].min()
    assert out.loc[1, "type"] == "strategy"
    assert out.loc[0, "type"] == "risk"


def test_a_higher_target_accuracy_sends_more_to_review(default_model):
    texts = [ROBO, STRATEGY, "Falta de presupuesto para las redes sociales", "Open data portals",
             "Identity theft", "Training program for staff"]
    lax = predict_statements(default_model, texts, target_accuracy=0.5)["needs_review"]
    strict = predict_statements(default_model, texts, target_accuracy=0.999)["needs_review"]
    assert (strict | ~lax).all() and strict.sum() >= lax.sum()


def test_runner_up(default_model):
    out = predict_statements(default_model, [ROBO, ""], runner_up=True, k=2)
    assert list(out.columns) == OUTPUT_COLUMNS + RUNNER_UP_COLUMNS
    for head in ("layer", "type"):
        assert out.loc[0, f"{head}_runner_up"] != out.loc[0, head]
        assert out.loc[0, f"{head}_runner_up_confidence"] <= out.loc[0, f"{head}_confidence"]
        assert out.loc[1, f"{head}_runner_up"] == ""
    assert len(out.loc[0, "nearest_examples"]) == 2


def test_all_blank_input_embeds_nothing(default_model, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("nothing should be embedded")

    monkeypatch.setattr(default_model, "embed", fail)
    out = predict_statements(default_model, ["", "  ", None])
    assert out["needs_review"].tolist() == [True, True, True]
    assert out["lang"].tolist() == ["und", "und", "und"]


def test_other_text_column_and_clashing_label_columns(default_model, tmp_path):
    path = tmp_path / "gold.csv"
    path.write_text(f"body,layer,type\n{ROBO},technology,risk\n", encoding="utf-8")
    out = tmp_path / "scored.csv"
    warnings: list[str] = []
    score_file(path, out, text_col="body", model=default_model, warn=warnings.append)
    assert list(read_out(out).columns) == ["body", "layer_input", "type_input"] + OUTPUT_COLUMNS
    assert warnings == ["the input already has column(s) ['layer', 'type']; kept them as ['layer_input', 'type_input']"]


def test_chunked_scoring_is_the_same_as_one_chunk(default_model, notes_csv, tmp_path):
    done: list[int] = []
    score_file(notes_csv, tmp_path / "one.csv", model=default_model)
    score_file(notes_csv, tmp_path / "many.csv", model=default_model, chunk_rows=2, progress=done.append)
    assert done == [2, 2, 1]
    assert (tmp_path / "many.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()


# --- other formats ------------------------------------------------------------------------


def test_jsonl_output_nearest_examples_is_a_list(default_model, notes_csv, tmp_path):
    out = tmp_path / "scored.jsonl"
    score_file(notes_csv, out, model=default_model)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 5
    first = records[0]
    assert list(first) == ["id", "text", "lang_input"] + OUTPUT_COLUMNS
    assert isinstance(first["nearest_examples"], list) and len(first["nearest_examples"]) == 3
    assert all(re.fullmatch(r"(es-)?t[1-3]-\d{3}: .+", item) for item in first["nearest_examples"])
    assert first["nearest_examples"][0] == "es-t1-017: Robo de identidad"
    assert isinstance(first["needs_review"], bool)
    assert isinstance(first["layer_confidence"], float)
    blank = records[1]
    assert blank["nearest_examples"] == [] and blank["needs_review"] is True
    assert blank["layer"] == "" and blank["layer_confidence"] is None


def test_xlsx_output_is_readable(default_model, notes_csv, tmp_path):
    out = tmp_path / "scored.xlsx"
    score_file(notes_csv, out, model=default_model)
    frame = read_table(out)
    assert list(frame.columns) == ["id", "text", "lang_input"] + OUTPUT_COLUMNS
    assert len(frame) == 5
    assert frame.loc[0, "nearest_examples"].count(" | ") == 2
    assert frame["needs_review"].tolist()[1] == "true"
    sheet = load_workbook(out).worksheets[0]
    assert isinstance(sheet.cell(row=2, column=OUTPUT_COLUMNS.index("layer_confidence") + 4).value, float)


def test_txt_input(default_model, tmp_path):
    path = tmp_path / "notas.txt"
    path.write_text(f"{ROBO}\n\n{STRATEGY}\n", encoding="utf-8")
    out = tmp_path / "scored.csv"
    assert score_file(path, out, model=default_model) == 3
    frame = read_out(out)
    assert list(frame.columns) == ["text"] + OUTPUT_COLUMNS
    assert frame["text"].tolist() == [ROBO, "", STRATEGY]
    assert frame["needs_review"].tolist()[1] == "true"


def test_a_100_kb_statement_scores_and_keeps_its_full_text(default_model, tmp_path):
    long = "El robo de identidad en las cuentas oficiales afecta la confianza ciudadana. " * 1400
    assert len(long) > 100_000
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"text": long}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "scored.csv"
    score_file(path, out, model=default_model)
    frame = read_out(out)
    assert frame.loc[0, "text"] == long
    assert frame.loc[0, "layer"] in LAYERS
    short = predict_statements(default_model, [long[:2000]])
    assert frame.loc[0, "layer"] == short.loc[0, "layer"]
    assert float(frame.loc[0, "layer_confidence"]) == short.loc[0, "layer_confidence"]


# --- failures leave the output alone ------------------------------------------------------


def test_existing_output_untouched_when_the_run_fails(default_model, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("body,id\nhola,1\n", encoding="utf-8")
    out = tmp_path / "scored.csv"
    out.write_text("previous results\n", encoding="utf-8")
    with pytest.raises(SmgovError, match=r"expected a column 'text' in notes.csv, found \['body', 'id'\]"):
        score_file(path, out, model=default_model)
    assert out.read_text(encoding="utf-8") == "previous results\n"
    assert files_in(tmp_path) == ["notes.csv", "scored.csv"]


def test_existing_output_untouched_when_the_run_fails_midway(default_model, tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text(f'{{"text": "{ROBO}"}}\n{{"text": "ok"}}\n{{broken\n', encoding="utf-8")
    out = tmp_path / "scored.csv"
    out.write_text("previous results\n", encoding="utf-8")
    with pytest.raises(SmgovError, match="line 3 of .* is not valid JSON"):
        score_file(path, out, model=default_model, chunk_rows=2)
    assert out.read_text(encoding="utf-8") == "previous results\n"
    assert files_in(tmp_path) == ["notes.jsonl", "scored.csv"]


def test_existing_output_replaced_when_the_run_succeeds(default_model, notes_csv, tmp_path):
    out = tmp_path / "scored.csv"
    out.write_text("previous results\n", encoding="utf-8")
    score_file(notes_csv, out, model=default_model)
    assert read_out(out)["text"].tolist()[0] == ROBO
    assert files_in(tmp_path) == ["notes.csv", "scored.csv"]


def test_bad_input_fails_before_the_model_loads(tmp_path, monkeypatch):
    import smgov_nlp.workflows.score as score_module

    monkeypatch.setattr(score_module, "load_model", lambda *a: pytest.fail("the model should not load"))
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(SmgovError, match="is empty"):
        score_file(tmp_path / "empty.csv", tmp_path / "out.csv")
    assert files_in(tmp_path) == ["empty.csv"]


# --- the bundled examples -----------------------------------------------------------------


def test_bundled_examples_quality_floor(default_model, tmp_path):
    """A regression guard for the committed model on the 32 bundled example statements."""
    out = tmp_path / "scored.csv"
    assert score_file(REPO / "data/examples/statements.csv", out, model=default_model) == 32
    scored = read_out(out).merge(read_out(REPO / "data/examples/statements_gold.csv"), on="id",
                                 suffixes=("", "_gold"))
    assert len(scored) == 32
    assert (scored["layer"] == scored["layer_gold"]).mean() >= 0.75
    assert (scored["type"] == scored["type_gold"]).mean() >= 0.7
