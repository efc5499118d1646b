"""``precode``: segmentation, coding, human decisions, idea consolidation, the review queue and the outputs.

The first half uses a stub model (fixed predictions and hand-made idea vectors); the second
half runs the committed default model once on the three example transcripts.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from openpyxl import load_workbook

import smgov_nlp.workflows.precode as precode
from smgov_nlp.errors import SmgovError
from smgov_nlp.labels import LAYER_TITLES, LAYERS, TYPE_TITLES, TYPES
from smgov_nlp.review.store import Decision, DecisionStore
from smgov_nlp.workflows.precode import (
    IDEA_COLUMNS,
    STATEMENT_COLUMNS,
    code_statements,
    consolidate,
    review_queue,
    run_precode,
    segment_files,
)

EXAMPLES = REPO / "data" / "examples"
TRANSCRIPTS = [EXAMPLES / "mesa1_notas.txt", EXAMPLES / "mesa2_notes.md", EXAMPLES / "mesa3_notas.docx"]


def read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# --- segment_files ------------------------------------------------------------------------------


def test_segment_files_numbers_statements_across_files(tmp_path):
    first = tmp_path / "a.txt"
    first.write_text("Riesgos\n- Robo de identidad\n- Hackeo\n", encoding="utf-8")
    second = tmp_path / "b.md"
    second.write_text("## Benefits\n* Free tools\n", encoding="utf-8")
    frame = segment_files([first, second])
    assert frame["statement_id"].tolist() == ["S00001", "S00002", "S00003"]
    assert frame["text"].tolist() == ["Robo de identidad", "Hackeo", "Free tools"]
    assert frame["type"].tolist() == ["risk", "risk", "benefit"]
    assert frame["file"].tolist() == ["a.txt", "a.txt", "b.md"]
    assert frame["line"].tolist() == [2, 3, 2]


def test_segment_files_without_files_or_statements(tmp_path):
    with pytest.raises(SmgovError, match="no transcripts given"):
        segment_files([])
    empty = tmp_path / "preamble.txt"
    empty.write_text("Taller 2026\nSecretaria: Ana\nFecha: 3 de marzo de 2026\n", encoding="utf-8")
    with pytest.raises(SmgovError, match=r"no statements found in preamble\.txt"):
        segment_files([empty])


# --- code_statements with fixed predictions ------------------------------------------------------


STUB = SimpleNamespace(thresholds={"layer": 0.9, "type": 0.8}, version="stub@0")


def statements(rows: list[tuple[str, str | None]]) -> pd.DataFrame:
    """A segment_files-like frame from (text, section type)."""
    return pd.DataFrame({
        "statement_id": [f"S{k:05d}" for k in range(1, len(rows) + 1)],
        "text": [text for text, _ in rows],
        "lang": ["es"] + ["und"] * (len(rows) - 1),
        "type": [type_ for _, type_ in rows],
        "section": "", "file": "notes.txt", "line": list(range(1, len(rows) + 1)), "group": "1",
    })


def fixed_predictions(rows: list[tuple[str, float, str, float]]):
    """A predict_statements stand-in returning (layer, layer conf, type, type conf) per text; it flags
    like a policy with thresholds 0.9 (layer) and 0.8 (type), the type only where it decides."""
    def predict(model, texts, runner_up=False, k=3, type_decides=None, target_accuracy=None):
        assert model is STUB and runner_up
        assert len(texts) == len(rows)
        decides = np.ones(len(rows), dtype=bool) if type_decides is None else np.asarray(type_decides)
        flagged = [r[1] < 0.9 or (d and r[3] < 0.8) for r, d in zip(rows, decides)]
        return pd.DataFrame({
            "lang": "en",
            "layer": [r[0] for r in rows], "layer_confidence": [r[1] for r in rows],
            "type": [r[2] for r in rows], "type_confidence": [r[3] for r in rows],
            "needs_review": flagged, "review_reason": ["layer uncertain: x or y" if f else "" for f in flagged],
            "matched_idea": "", "error_risk": [round(1 - min(r[1], r[3]), 4) for r in rows],
            "nearest_examples": [["t1-001: an example"] for _ in rows],
            "layer_runner_up": "technology", "layer_runner_up_confidence": 0.01,
            "type_runner_up": "benefit", "type_runner_up_confidence": 0.01,
        })
    return predict


def test_code_statements_takes_types_from_sections_and_flags_uncertain_ones(monkeypatch, tmp_path):
    monkeypatch.setattr(precode, "predict_statements", fixed_predictions([
        ("technology", 0.95, "benefit", 0.50),        # section says risk; the model's doubt on type is moot
        ("technology", 0.95, "strategy", 0.85),       # no section type: the model's, confident
        ("technology", 0.95, "strategy", 0.70),       # no section type: the model's, uncertain
        ("information_data", 0.50, "benefit", 0.99),  # uncertain layer
    ]))
    frame = statements([("Robo de identidad", "risk"), ("Buy servers", None), ("Maybe buy", None),
                        ("Open data", "benefit")])
    coded = code_statements(frame, STUB, data_dir=tmp_path)
    assert coded["type"].tolist() == ["risk", "strategy", "strategy", "benefit"]
    assert coded["type_source"].tolist() == ["section", "model", "model", "section"]
    assert coded["type_confidence"].tolist() == [1.0, 0.85, 0.70, 1.0]
    assert coded["layer_source"].tolist() == ["model"] * 4
    assert coded["needs_review"].tolist() == [False, False, True, True]
    assert coded["lang"].tolist() == ["es", "en", "en", "en"]  # a known language is kept, 'und' is replaced
    assert coded["model_version"].unique().tolist() == ["stub@0"]
    assert coded["statement_id"].tolist() == frame["statement_id"].tolist()


def test_code_statements_applies_the_latest_human_decision(monkeypatch, tmp_path):
    monkeypatch.setattr(precode, "predict_statements", fixed_predictions([
        ("technology", 0.40, "risk", 0.40),
        ("technology", 0.40, "risk", 0.40),
    ]))
    store = DecisionStore(tmp_path)
    store.append([Decision.new("robo  de IDENTIDAD", "general_context", "benefit", reviewer="ana"),
                  Decision.new("Robo de identidad", "institutional_framework", "risk", reviewer="ana")])
    coded = code_statements(statements([("Robo de identidad", "risk"), ("Hackeo", "risk")]), STUB, tmp_path)
    decided, open_ = coded.iloc[0], coded.iloc[1]
    assert (decided["layer"], decided["layer_source"], decided["layer_confidence"]) == \
        ("institutional_framework", "human", 1.0)
    assert (decided["type"], decided["type_source"], decided["needs_review"]) == ("risk", "human", False)
    assert (open_["layer"], open_["layer_source"], open_["needs_review"]) == ("technology", "model", True)


def test_not_a_statement_stays_in_statements_and_leaves_ideas_tables_and_queue(monkeypatch, tmp_path):
    rows = [("Otros comentarios", None), ("Robo de identidad", "risk"), ("Hackeo", "risk")]
    monkeypatch.setattr(precode, "predict_statements", fixed_predictions([("technology", 0.40, "risk", 0.40)] * 3))
    for name, value in vars(stub_idea_model({text: 0 for text, _ in rows})).items():
        monkeypatch.setattr(STUB, name, value, raising=False)
    monkeypatch.setattr(precode, "load_model", lambda model_dir=None: STUB)
    monkeypatch.setattr(precode, "segment_files", lambda paths: statements(rows))
    DecisionStore(tmp_path / "data").append([
        Decision.new("Otros comentarios", decision="not_statement", reviewer="ana", note="a heading"),
    ])
    summary = run_precode(["notes.txt"], tmp_path / "out", data_dir=tmp_path / "data")
    out = tmp_path / "out"
    coded = read(out / "statements.csv")
    assert list(coded.columns) == STATEMENT_COLUMNS
    heading = coded.iloc[0]
    assert (heading["text"], heading["decision"], heading["layer"], heading["type"]) == \
        ("Otros comentarios", "not_statement", "", "")
    assert (heading["layer_source"], heading["type_source"], heading["needs_review"], heading["idea_id"]) == \
        ("human", "human", "false", "")
    assert coded["statement_id"].tolist() == ["S00001", "S00002", "S00003"]  # kept in place
    assert coded["decision"].tolist()[1:] == ["", ""]
    ideas = read(out / "ideas.csv")
    assert ideas["member_ids"].tolist() == ["S00002 S00003"]
    assert "Otros comentarios" not in (out / "tables.md").read_text(encoding="utf-8")
    assert read(out / "review_queue.csv")["text"].tolist() == ["Robo de identidad", "Hackeo"]
    assert (summary["statements"], summary["ideas"], summary["needs_review"], summary["human"]) == (3, 1, 2, 1)


# --- consolidate and review_queue with a stub model --------------------------------------------


def stub_idea_model(vectors_by_text: dict[str, float]):
    """Idea vectors at the given angle (degrees) per text; threshold 0.5 unless one is passed."""
    def idea_vectors(texts, blocked=True):
        assert blocked  # precode groups within type, so the type is not part of the vector
        radians = np.deg2rad([vectors_by_text[t] for t in texts])
        return np.stack([np.cos(radians), np.sin(radians)], axis=1).astype(np.float32)
    return SimpleNamespace(idea_vectors=idea_vectors, dedupe_threshold=lambda blocked=True: 0.5)


def coded_frame(rows: list[tuple[str, str, str, float, str]]) -> pd.DataFrame:
    """A code_statements-like frame from (text, type, layer, layer confidence, lang)."""
    return pd.DataFrame({
        "statement_id": [f"S{k:05d}" for k in range(1, len(rows) + 1)],
        "text": [r[0] for r in rows], "type": [r[1] for r in rows], "layer": [r[2] for r in rows],
        "layer_confidence": [r[3] for r in rows], "lang": [r[4] for r in rows],
    })


def test_consolidate_merges_within_type_only_and_summarises_ideas():
    coded = coded_frame([
        ("Robo de identidad", "risk", "institutional_framework", 0.9, "es"),
        ("Identity theft", "risk", "general_context", 0.6, "en"),
        ("Fake profiles", "risk", "general_context", 0.6, "en"),
        ("Define a strategy", "strategy", "organizational_structure_processes", 0.9, "en"),
        ("Sin estrategia", "risk", "organizational_structure_processes", 0.8, "und"),
        ("Estrategia", "strategy", "organizational_structure_processes", 0.9, "und"),
    ])
    model = stub_idea_model({"Robo de identidad": 0, "Identity theft": 2, "Fake profiles": 4,
                             "Define a strategy": 90, "Sin estrategia": 90, "Estrategia": 91})
    statements_out, ideas = consolidate(coded, model)
    ids = statements_out["idea_id"].tolist()
    assert ids[0] == ids[1] == ids[2]
    assert ids[3] == ids[5] != ids[4]  # same vector, other type: another idea
    assert list(ideas.columns) == IDEA_COLUMNS
    records = ideas.to_dict("records")
    # sorted by type (framework order), then layer (framework order), then count
    assert [(r["type"], r["layer"], r["count"]) for r in records] == [
        ("risk", "general_context", 3),  # 0.6 + 0.6 outweighs 0.9
        ("risk", "organizational_structure_processes", 1),
        ("strategy", "organizational_structure_processes", 2),
    ]
    assert records[0]["member_ids"] == "S00001 S00002 S00003"
    assert records[0]["idea_text"] == "Identity theft"  # the member closest to the centre
    assert records[0]["languages"] == "en,es"
    assert records[1]["languages"] == "und"
    assert records[2]["languages"] == "en"
    assert ideas["count"].sum() == len(coded)


def test_consolidate_breaks_layer_ties_in_framework_order():
    coded = coded_frame([("a", "benefit", "technology", 0.5, "en"), ("b", "benefit", "general_context", 0.5, "en")])
    _, ideas = consolidate(coded, stub_idea_model({"a": 0, "b": 1}))
    assert ideas["layer"].tolist() == ["general_context"]


def test_consolidate_threshold_overrides_the_tuned_one():
    coded = coded_frame([("a", "risk", "technology", 0.5, "en"), ("b", "risk", "technology", 0.5, "en")])
    model = stub_idea_model({"a": 0, "b": 50})  # cosine 0.64
    assert consolidate(coded, model)[1]["count"].tolist() == [2]
    assert consolidate(coded, model, threshold=0.7)[1]["count"].tolist() == [1, 1]


def test_review_queue_has_the_flagged_statements_likeliest_wrong_first():
    coded = pd.DataFrame({
        "statement_id": ["S00001", "S00002", "S00003", "S00004", "S00005"],
        "needs_review": [True, False, True, True, True],
        "error_risk": [0.5, 0.9, 0.2, 0.5, 0.7],
        "layer_confidence": [0.8, 0.1, 0.3, 0.9, 0.5],
        "type_confidence": [0.2, 0.1, 1.0, 0.3, 0.6],
        "nearest_examples": [["a: x", "b: y"], [], ["c: z"], [], ["d: w"]],
    })
    queue = review_queue(coded)
    # error risk first (0.7, 0.5, 0.5, 0.2); equal risks: the lower confidence (0.2 before 0.3) first
    assert queue["statement_id"].tolist() == ["S00005", "S00001", "S00004", "S00003"]
    assert queue["nearest_examples"].tolist() == ["d: w", "a: x | b: y", "", "c: z"]
    assert "_certainty" not in queue.columns and "_risk" not in queue.columns


# --- the real model on the example transcripts ---------------------------------------------------


@pytest.fixture(scope="module")
def precoded(default_model, tmp_path_factory):
    """``run_precode`` on the three example transcripts, once for the module, with an empty decision store."""
    root = tmp_path_factory.mktemp("precode")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(precode, "load_model", lambda model_dir=None: default_model)
        summary = run_precode(TRANSCRIPTS, root / "out", data_dir=root / "data")
    out = root / "out"
    return SimpleNamespace(out=out, summary=summary, statements=read(out / "statements.csv"),
                           ideas=read(out / "ideas.csv"), queue=read(out / "review_queue.csv"))


@pytest.mark.slow
def test_precode_writes_every_output(precoded):
    assert sorted(p.name for p in precoded.out.iterdir()) == [
        "ideas.csv", "review_queue.csv", "statements.csv", "tables.html", "tables.md", "tables.xlsx"]
    assert list(precoded.statements.columns) == [
        "statement_id", "text", "lang", "type", "type_source", "type_confidence", "layer", "layer_source",
        "layer_confidence", "needs_review", "review_reason", "matched_idea", "error_risk", "idea_id", "file", "line",
        "section", "group", "decision"]
    assert list(precoded.statements.columns) == STATEMENT_COLUMNS
    assert list(precoded.ideas.columns) == [
        "idea_id", "type", "layer", "count", "idea_text", "member_ids", "languages"]
    assert precoded.summary == {
        "statements": 89, "ideas": len(precoded.ideas), "files": 3, "out": str(precoded.out), "human": 0,
        "needs_review": int((precoded.statements["needs_review"] == "true").sum()),
    }


@pytest.mark.slow
def test_precode_segments_the_examples_as_documented(precoded):
    frame = precoded.statements
    assert frame["file"].value_counts().to_dict() == {"mesa1_notas.txt": 33, "mesa2_notes.md": 30,
                                                      "mesa3_notas.docx": 26}
    assert frame["statement_id"].tolist() == [f"S{k:05d}" for k in range(1, 90)]
    assert frame.groupby("file", sort=False)["type"].value_counts().to_dict() == {
        ("mesa1_notas.txt", "risk"): 12, ("mesa1_notas.txt", "benefit"): 11, ("mesa1_notas.txt", "strategy"): 10,
        ("mesa2_notes.md", "risk"): 10, ("mesa2_notes.md", "benefit"): 10, ("mesa2_notes.md", "strategy"): 10,
        ("mesa3_notas.docx", "risk"): 9, ("mesa3_notas.docx", "strategy"): 9, ("mesa3_notas.docx", "benefit"): 8,
    }
    assert set(frame["type_source"]) == {"section"}
    assert set(frame["type_confidence"]) == {"1.0"}
    assert set(frame["layer_source"]) == {"model"}
    assert set(frame["layer"]) <= set(LAYERS)
    assert frame["group"].tolist() == ["1"] * 33 + ["2"] * 30 + ["3"] * 26
    lang = frame.groupby("file")["lang"].agg(lambda s: set(s)).to_dict()
    assert lang == {"mesa1_notas.txt": {"es"}, "mesa2_notes.md": {"en"}, "mesa3_notas.docx": {"es"}}


@pytest.mark.slow
def test_precode_never_takes_the_preamble_as_statements(precoded):
    texts = precoded.statements["text"]
    preamble = re.compile(r"^(?:Secretari[ao]|Fecha|Mesa \d|Taller|Workshop|\*Workshop|Rapporteur|# )")
    assert not texts.str.contains(preamble).any()
    assert not texts.str.contains("Mariana Robles|Jorge Anaya|Daniel Ortega|12 de marzo|12 March").any()
    first = precoded.statements.groupby("file", sort=False)["line"].first().astype(int).to_dict()
    assert first == {"mesa1_notas.txt": 7, "mesa2_notes.md": 7, "mesa3_notas.docx": 5}


@pytest.mark.slow
def test_precode_ideas_account_for_every_statement(precoded):
    statements, ideas = precoded.statements, precoded.ideas
    assert ideas["count"].astype(int).sum() == len(statements) == 89
    assert ideas["idea_id"].is_unique
    members = {sid: idea for idea, ids in zip(ideas["idea_id"], ideas["member_ids"]) for sid in ids.split()}
    assert members == dict(zip(statements["statement_id"], statements["idea_id"]))
    sizes = statements["idea_id"].value_counts()
    assert (ideas.set_index("idea_id")["count"].astype(int) == sizes.reindex(ideas["idea_id"])).all()


@pytest.mark.slow
def test_precode_merges_only_within_a_type(precoded):
    statements, ideas = precoded.statements, precoded.ideas
    types = statements.groupby("idea_id")["type"].agg(lambda s: set(s))
    assert (types.map(len) == 1).all()
    assert {idea: t.pop() for idea, t in types.items()} == dict(zip(ideas["idea_id"], ideas["type"]))


@pytest.mark.slow
def test_precode_merges_ideas_across_files_and_languages(precoded):
    statements = precoded.statements.set_index("statement_id")
    cross = [row for row in precoded.ideas.itertuples()
             if len({statements.loc[s, "file"] for s in row.member_ids.split()}) >= 2 and row.languages == "en,es"]
    assert len(cross) >= 10
    for row in cross:
        langs = {statements.loc[s, "lang"] for s in row.member_ids.split()}
        assert langs == {"en", "es"}


@pytest.mark.slow
def test_precode_finds_identity_theft_in_all_three_tables(precoded):
    by_text = precoded.statements.set_index("text")["idea_id"]
    theft = {by_text["Robo de identidad: que alguien abra una cuenta falsa a nombre de la Secretaría"],
             by_text["Fake accounts impersonating the agency or the governor (identity theft)"],
             by_text["Suplantación de identidad con perfiles falsos"]}
    assert len(theft) == 1
    assert by_text["Theft of information from internal systems"] not in theft  # the README's near miss
    idea = precoded.ideas.set_index("idea_id").loc[theft.pop()]
    assert (idea["type"], idea["count"], idea["languages"]) == ("risk", "3", "en,es")


@pytest.mark.slow
def test_precode_idea_ids_are_numbered_by_size(precoded):
    ideas = precoded.ideas.assign(count=precoded.ideas["count"].astype(int)).sort_values("idea_id")
    assert ideas["idea_id"].tolist() == [f"I{k:04d}" for k in range(1, len(ideas) + 1)]
    assert ideas["count"].is_monotonic_decreasing


@pytest.mark.slow
def test_precode_review_queue_is_exactly_the_flagged_statements_most_uncertain_first(precoded):
    flagged = precoded.statements.loc[precoded.statements["needs_review"] == "true", "statement_id"]
    queue = precoded.queue
    assert len(flagged) > 0
    assert sorted(queue["statement_id"]) == sorted(flagged)
    risk = queue["error_risk"].astype(float).to_numpy()
    assert (np.diff(risk) <= 0).all()  # the likeliest to be wrong first
    assert (queue["review_reason"] != "").all()
    assert set(queue["needs_review"]) == {"true"}
    assert {"text", "layer", "type", "layer_confidence", "type_confidence", "nearest_examples",
            "text_hash", "model_version"} <= set(queue.columns)
    assert queue["nearest_examples"].str.count(" \\| ").eq(2).all()


@pytest.mark.slow
def test_precode_ideas_are_sorted_like_the_tables(precoded):
    ideas = precoded.ideas
    keys = [(TYPES.index(t), LAYERS.index(layer), -int(c), text)
            for t, layer, c, text in zip(ideas["type"], ideas["layer"], ideas["count"], ideas["idea_text"])]
    assert keys == sorted(keys)


def _table_cells(markdown: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(table heading, [(layer title, cell)]) for each '## Table' section."""
    tables = []
    for line in markdown.splitlines():
        if line.startswith("## Table"):
            tables.append((line, []))
        elif line.startswith("| ") and not line.startswith("| Layer |"):
            layer, cell = line[2:-2].split(" | ", 1)
            tables[-1][1].append((layer, cell))
    return tables


@pytest.mark.slow
def test_precode_tables_md_lays_out_the_ideas_like_the_paper(precoded):
    markdown = (precoded.out / "tables.md").read_text(encoding="utf-8")
    tables = _table_cells(markdown)
    assert [heading for heading, _ in tables] == [
        "## Table 1. Perceived risks", "## Table 2. Perceived benefits", "## Table 3. Strategic components"]
    ideas = precoded.ideas.assign(count=precoded.ideas["count"].astype(int))
    for type_, (_, rows) in zip(TYPES, tables):
        assert [layer for layer, _ in rows] == [LAYER_TITLES[layer] for layer in LAYERS]
        for layer, (_, cell) in zip(LAYERS, rows):
            part = ideas[(ideas["type"] == type_) & (ideas["layer"] == layer)]
            part = part.sort_values(["count", "idea_text"], ascending=[False, True])
            expected = [f"{text} ({count})" if count > 1 else text for text, count in zip(part["idea_text"],
                                                                                         part["count"])]
            items = [item.removeprefix("• ") for item in cell.split("<br>")] if cell != "—" else []
            assert items == expected
            counts = [int(m.group(1)) if (m := re.search(r" \((\d+)\)$", item)) else 1 for item in items]
            assert counts == sorted(counts, reverse=True)
    assert "(1)" not in markdown
    # the idea's members are mostly Spanish, so its text is too (--lang auto)
    assert "Robo de identidad: que alguien abra una cuenta falsa a nombre de la Secretaría (3)" in markdown


@pytest.mark.slow
def test_precode_tables_xlsx_and_html(precoded):
    book = load_workbook(precoded.out / "tables.xlsx")
    assert book.sheetnames == [TYPE_TITLES[t] for t in TYPES] + ["ideas"]
    for type_ in TYPES:
        rows = list(book[TYPE_TITLES[type_]].iter_rows(min_row=2, values_only=True))
        assert len(rows) == int((precoded.ideas["type"] == type_).sum())
        assert sum(count for _, _, count in rows) == \
            precoded.ideas.loc[precoded.ideas["type"] == type_, "count"].astype(int).sum()
    page = (precoded.out / "tables.html").read_text(encoding="utf-8")
    assert page.count("<table>") == 3
    assert page.index("Perceived risks") < page.index("Perceived benefits") < page.index("Strategic components")


@pytest.mark.slow
def test_precode_rejects_a_threshold_outside_0_1(default_model, tmp_path, monkeypatch):
    notes = tmp_path / "notes.txt"
    notes.write_text("Riesgos\n- Robo de identidad\n- Identity theft\n", encoding="utf-8")
    monkeypatch.setattr(precode, "load_model", lambda model_dir=None: default_model)
    with pytest.raises(SmgovError, match=r"threshold"):
        run_precode([notes], tmp_path / "out", data_dir=tmp_path / "data", threshold=1.5)
