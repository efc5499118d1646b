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
    monkeypatch.setattr(precode, "read_notes", lambda paths: (statements(rows), pd.DataFrame(
        columns=["file", "line", "kind", "text"])))
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


def coded_frame(rows: list[tuple[str, str, str, float, str]], places: list[tuple[str, int, str]] | None = None,
                sources: list[str] | None = None) -> pd.DataFrame:
    """A code_statements-like frame from (text, type, layer, layer confidence, lang); ``places`` gives each
    statement's (file, line, group) (one line each in one file by default), ``sources`` its layer_source."""
    places = places or [("notes.txt", k, "1") for k in range(1, len(rows) + 1)]
    sources = sources or ["model"] * len(rows)
    return pd.DataFrame({
        "statement_id": [f"S{k:05d}" for k in range(1, len(rows) + 1)],
        "text": [r[0] for r in rows], "type": [r[1] for r in rows], "layer": [r[2] for r in rows],
        "layer_confidence": [r[3] for r in rows], "lang": [r[4] for r in rows],
        "file": [p[0] for p in places], "line": [p[1] for p in places], "group": [p[2] for p in places],
        "layer_source": sources, "type_source": ["section"] * len(rows),
    })


def test_consolidate_merges_within_type_only_and_summarises_ideas():
    coded = coded_frame([
        ("Robo de identidad", "risk", "institutional_framework", 0.9, "es"),
        ("Identity theft", "risk", "general_context", 0.6, "en"),
        ("Fake profiles", "risk", "general_context", 0.6, "en"),
        ("Define a strategy", "strategy", "organizational_structure_processes", 0.9, "en"),
        ("Sin estrategia", "risk", "organizational_structure_processes", 0.8, "und"),
        ("Estrategia", "strategy", "organizational_structure_processes", 0.9, "und"),
    ], places=[("a.txt", 1, "1"), ("b.txt", 1, "2"), ("c.txt", 1, "3"), ("a.txt", 5, "1"), ("a.txt", 2, "1"),
               ("b.txt", 5, "2")])
    model = stub_idea_model({"Robo de identidad": 0, "Identity theft": 2, "Fake profiles": 4,
                             "Define a strategy": 90, "Sin estrategia": 90, "Estrategia": 91})
    statements_out, ideas = consolidate(coded, model)
    ids = statements_out["idea_id"].tolist()
    assert ids[0] == ids[1] == ids[2]
    assert ids[3] == ids[5] != ids[4]  # same vector, other type: another idea
    assert list(ideas.columns) == IDEA_COLUMNS
    records = ideas.to_dict("records")
    # sorted by type (framework order), then layer (framework order), then mentions
    assert [(r["type"], r["layer"], r["mentions"], r["groups"]) for r in records] == [
        ("risk", "general_context", 3, 3),  # 0.6 + 0.6 outweighs 0.9
        ("risk", "organizational_structure_processes", 1, 1),
        ("strategy", "organizational_structure_processes", 2, 2),
    ]
    assert records[0]["member_ids"] == "S00001 S00002 S00003"
    assert records[0]["idea_text"] == "Identity theft"  # the member most like the others
    assert records[0]["languages"] == "en,es"
    assert records[1]["languages"] == "und"
    assert records[2]["languages"] == "en"
    assert ideas["mentions"].sum() == len(coded)
    assert not ideas["reviewed"].any() and not ideas["idea_needs_review"].any()
    assert set(ideas["weakest_member"]) == {""}
    assert statements_out["idea_needs_review"].tolist() == [False] * 6


def test_a_bullet_split_into_two_sentences_counts_once():
    # "Mejora la imagen del gobierno. La gente nos percibe más cercanos." is one bullet (one line): two statements
    coded = coded_frame([
        ("Mejora la imagen del gobierno.", "benefit", "general_context", 0.9, "es"),
        ("La gente nos percibe más cercanos.", "benefit", "general_context", 0.9, "es"),
    ], places=[("mesa1.txt", 27, "1"), ("mesa1.txt", 27, "1")])
    model = stub_idea_model({"Mejora la imagen del gobierno.": 0, "La gente nos percibe más cercanos.": 10})
    statements_out, ideas = consolidate(coded, model)
    assert statements_out["idea_id"].nunique() == 1
    assert ideas[["mentions", "groups"]].values.tolist() == [[1, 1]]
    assert not ideas["idea_text"].iloc[0].endswith(".")  # the label is cleaned of its full stop


def test_an_idea_stated_in_both_languages_by_one_table_counts_once():
    # one group recorded the response and its translation; another group raised the idea once
    coded = coded_frame([
        ("Robo de identidad", "risk", "technology", 0.9, "es"),
        ("Identity theft", "risk", "technology", 0.9, "en"),
        ("Suplantación de identidad", "risk", "technology", 0.9, "es"),
        ("Perfiles falsos", "risk", "technology", 0.9, "es"),
    ], places=[("mesa1.txt", 7, "1"), ("mesa1.txt", 8, "1"), ("mesa2.txt", 5, "2"), ("mesa2.txt", 6, "2")])
    model = stub_idea_model({"Robo de identidad": 0, "Identity theft": 1, "Suplantación de identidad": 2,
                             "Perfiles falsos": 3})
    _, ideas = consolidate(coded, model)
    # group 1: one Spanish and one English response -> 1; group 2: two Spanish responses -> 2
    assert ideas[["mentions", "groups"]].values.tolist() == [[3, 2]]


def test_count_mentions_per_group_takes_the_larger_language():
    members = pd.DataFrame({
        "statement_id": ["S1", "S2", "S3", "S4", "S5"],
        "file": ["a.txt", "a.txt", "a.txt", "a.txt", "b.txt"], "line": [1, 1, 2, 3, 1],
        "group": ["1", "1", "1", "1", "2"], "lang": ["es", "es", "es", "en", "en"],
    })
    # group 1: Spanish lines 1 and 2 (line 1 twice) = 2, English line 3 = 1 -> 2; group 2: 1
    assert precode.count_mentions(members) == 3


def test_consolidate_marks_reviewed_ideas_and_flags_far_apart_ones():
    coded = coded_frame([
        ("a", "risk", "technology", 0.5, "en"), ("b", "risk", "technology", 0.5, "en"),
        ("c", "risk", "technology", 0.5, "en"), ("z", "risk", "technology", 0.5, "en"),
    ], sources=["model", "human", "model", "model"])
    # a, b, c within 20 degrees of each other (cos >= 0.94); z at 55 degrees from a: cos(a, z) = 0.57 < 0.6, under
    # the threshold but above the guard's floor (0.55), and two of its three pairs reach 0.6: merged, and flagged
    model = stub_idea_model({"a": 0, "b": 20, "c": 10, "z": 55})
    model.dedupe_threshold = lambda blocked=True: 0.6
    statements_out, ideas = consolidate(coded, model)
    assert len(ideas) == 1
    idea = ideas.iloc[0]
    assert bool(idea["reviewed"]) is True  # b was decided by a person
    assert bool(idea["idea_needs_review"]) is True
    assert idea["weakest_member"] == "S00004: z"
    assert idea["idea_text"] == "b"  # the member most like the others (mean similarity 0.915), never z (0.700)
    assert statements_out["idea_needs_review"].tolist() == [True] * 4


def test_consolidate_breaks_layer_ties_in_framework_order():
    coded = coded_frame([("a", "benefit", "technology", 0.5, "en"), ("b", "benefit", "general_context", 0.5, "en")])
    _, ideas = consolidate(coded, stub_idea_model({"a": 0, "b": 1}))
    assert ideas["layer"].tolist() == ["general_context"]


def test_consolidate_threshold_overrides_the_tuned_one():
    coded = coded_frame([("a", "risk", "technology", 0.5, "en"), ("b", "risk", "technology", 0.5, "en")])
    model = stub_idea_model({"a": 0, "b": 50})  # cosine 0.64
    assert consolidate(coded, model)[1]["mentions"].tolist() == [2]
    assert consolidate(coded, model, threshold=0.7)[1]["mentions"].tolist() == [1, 1]


def test_consolidate_refuses_an_unknown_count():
    coded = coded_frame([("a", "risk", "technology", 0.5, "en")])
    with pytest.raises(SmgovError, match="--count must be one of mentions, groups"):
        consolidate(coded, stub_idea_model({"a": 0}), count="votes")


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
        "codebook.qdc", "ideas.csv", "metadata.csv", "project.qdpx", "review_queue.csv", "statements.csv",
        "tables.html", "tables.md", "tables.xlsx"]
    assert list(precoded.statements.columns) == [
        "statement_id", "text", "lang", "type", "type_source", "type_confidence", "layer", "layer_source",
        "layer_confidence", "needs_review", "review_reason", "matched_idea", "error_risk", "idea_id",
        "idea_needs_review", "file", "line", "section", "group", "decision"]
    assert list(precoded.statements.columns) == STATEMENT_COLUMNS
    assert list(precoded.ideas.columns) == [
        "idea_id", "type", "layer", "mentions", "groups", "idea_text", "member_ids", "languages", "reviewed",
        "idea_needs_review", "weakest_member"]
    assert precoded.summary == {
        "statements": 89, "ideas": len(precoded.ideas), "files": 3, "out": str(precoded.out), "human": 0,
        "not_statements": 0, "unplaced": 0,
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
    assert ideas["member_ids"].str.split().map(len).sum() == len(statements) == 89
    assert ideas["idea_id"].is_unique
    members = {sid: idea for idea, ids in zip(ideas["idea_id"], ideas["member_ids"]) for sid in ids.split()}
    assert members == dict(zip(statements["statement_id"], statements["idea_id"]))
    # mentions count responses (file + line): never more than the statements, never fewer than the groups
    responses = statements.groupby("idea_id").apply(lambda m: len(set(zip(m["file"], m["line"]))))
    by_id = ideas.set_index("idea_id")
    mentions, groups = by_id["mentions"].astype(int), by_id["groups"].astype(int)
    assert (mentions <= responses.reindex(by_id.index)).all() and (groups <= mentions).all()
    assert (groups == statements.groupby("idea_id")["group"].nunique().reindex(by_id.index)).all()
    # each table writes one language, so an idea's mentions are its distinct responses; three items hold two
    # sentences (data/examples/README.md), so there are fewer mentions than statements
    assert (mentions == responses.reindex(by_id.index)).all() and mentions.sum() < 89
    assert set(statements["idea_needs_review"]) <= {"true", "false"}
    flagged = ideas[ideas["idea_needs_review"] == "true"]
    assert (ideas.loc[ideas["idea_needs_review"] == "false", "weakest_member"] == "").all()
    for row in flagged.itertuples():  # the weakest member is one of the idea's own statements
        assert row.weakest_member.split(":")[0] in row.member_ids.split()
    assert set(ideas["reviewed"]) == {"false"}  # nothing was decided by a person here


@pytest.mark.slow
def test_precode_a_bullet_split_into_two_sentences_counts_once(precoded):
    statements = precoded.statements.set_index("text")
    # one bullet of mesa 1 (line 9) holds two sentences; the idea is raised by all three tables
    first = statements.loc["Falta de capacitación del personal que opera las cuentas.", "idea_id"]
    assert statements.loc["Nadie en el área ha tomado un curso sobre redes sociales.", "idea_id"] == first
    idea = precoded.ideas.set_index("idea_id").loc[first]
    assert (idea["mentions"], idea["groups"]) == ("3", "3")  # it used to say (4)
    assert not precoded.ideas["idea_text"].str.endswith(".").any()  # labels carry no full stop


@pytest.mark.slow
def test_precode_keeps_training_staff_apart_from_promoting_social_media_among_citizens(precoded):
    by_text = precoded.statements.set_index("text")
    # the plain average linkage merged these two (different layers) into "Capacitar a los servidores públicos ... (2)"
    assert by_text.loc["Capacitar a los servidores públicos en el uso de redes", "idea_id"] != \
        by_text.loc["Promover el uso de redes sociales entre la población", "idea_id"]


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
    assert (idea["type"], idea["mentions"], idea["groups"], idea["languages"]) == ("risk", "3", "3", "en,es")


@pytest.mark.slow
def test_precode_idea_ids_are_numbered_by_size(precoded):
    ideas = precoded.ideas.assign(size=precoded.ideas["member_ids"].str.split().map(len)).sort_values("idea_id")
    assert ideas["idea_id"].tolist() == [f"I{k:04d}" for k in range(1, len(ideas) + 1)]
    assert ideas["size"].is_monotonic_decreasing


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
    assert queue["nearest_examples"].fillna("").str.count(" \\| ").le(2).all()  # up to three, unrelated ones left out
    assert queue["nearest_examples"].fillna("").ne("").mean() > 0.5


@pytest.mark.slow
def test_precode_ideas_are_sorted_like_the_tables(precoded):
    ideas = precoded.ideas
    keys = [(TYPES.index(t), LAYERS.index(layer), -int(c), text)
            for t, layer, c, text in zip(ideas["type"], ideas["layer"], ideas["mentions"], ideas["idea_text"])]
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
    ideas = precoded.ideas.assign(mentions=precoded.ideas["mentions"].astype(int))
    for type_, (_, rows) in zip(TYPES, tables):
        assert [layer for layer, _ in rows] == [LAYER_TITLES[layer] for layer in LAYERS]
        for layer, (_, cell) in zip(LAYERS, rows):
            part = ideas[(ideas["type"] == type_) & (ideas["layer"] == layer)]
            part = part.sort_values(["mentions", "idea_text"], ascending=[False, True])
            expected = [(f"{text} ({count})" if count > 1 else text) + " †" + ("‡" if flag == "true" else "")
                        for text, count, flag in zip(part["idea_text"], part["mentions"], part["idea_needs_review"])]
            items = [item.removeprefix("• ") for item in cell.split("<br>")] if cell != "—" else []
            assert items == expected  # nothing reviewed by a person yet: every idea carries the dagger
            counts = [int(m.group(1)) if (m := re.search(r" \((\d+)\) †‡?$", item)) else 1 for item in items]
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
        assert sum(row[2] for row in rows) == \
            precoded.ideas.loc[precoded.ideas["type"] == type_, "mentions"].astype(int).sum()
    page = (precoded.out / "tables.html").read_text(encoding="utf-8")
    assert page.count("<table>") == 3
    assert page.index("Perceived risks") < page.index("Perceived benefits") < page.index("Strategic components")


@pytest.mark.slow
def test_precode_tables_have_the_header_and_the_csvs_a_bom(precoded, default_model):
    for name in ("tables.md", "tables.html"):
        text = (precoded.out / name).read_text(encoding="utf-8")
        head = text.split("Table 1.")[0]
        assert "Numbers in parentheses count mentions" in head
        assert "89 statements: 89 coded by the model only, 0 reviewed by people" in head
        assert f"Model {default_model.version}; tables written " in head
        assert "† no statement of this idea has been reviewed by a person" in head
    for name in ("statements.csv", "ideas.csv", "review_queue.csv"):
        assert (precoded.out / name).read_bytes().startswith(b"\xef\xbb\xbf")  # Excel shows the accents
    assert list(read(precoded.out / "statements.csv").columns)[0] == "statement_id"  # readers take the BOM off


@pytest.mark.slow
def test_precode_rejects_a_threshold_outside_0_1(default_model, tmp_path, monkeypatch):
    notes = tmp_path / "notes.txt"
    notes.write_text("Riesgos\n- Robo de identidad\n- Identity theft\n", encoding="utf-8")
    monkeypatch.setattr(precode, "load_model", lambda model_dir=None: default_model)
    with pytest.raises(SmgovError, match=r"threshold"):
        run_precode([notes], tmp_path / "out", data_dir=tmp_path / "data", threshold=1.5)


@pytest.mark.slow
def test_precode_an_idea_in_both_languages_from_one_table_counts_once(default_model, tmp_path, monkeypatch):
    one = tmp_path / "mesa1.txt"
    one.write_text("Mesa 1\n\nRiesgos\n- Robo de identidad\n- Identity theft\n- Falta de presupuesto\n", encoding="utf-8")
    two = tmp_path / "mesa2.txt"
    two.write_text("Mesa 2\n\nRiesgos\n- Suplantación de identidad\n", encoding="utf-8")
    monkeypatch.setattr(precode, "load_model", lambda model_dir=None: default_model)
    run_precode([one, two], tmp_path / "out", data_dir=tmp_path / "data")
    statements, ideas = read(tmp_path / "out" / "statements.csv"), read(tmp_path / "out" / "ideas.csv")
    theft = statements.set_index("text").loc[["Robo de identidad", "Identity theft", "Suplantación de identidad"],
                                             "idea_id"]
    assert theft.nunique() == 1
    idea = ideas.set_index("idea_id").loc[theft.iloc[0]]
    # mesa 1 recorded the response and its translation: one mention there, one in mesa 2
    assert (idea["mentions"], idea["groups"]) == ("2", "2")
    assert "Robo de identidad (2)" in (tmp_path / "out" / "tables.md").read_text(encoding="utf-8")
    run_precode([one, two], tmp_path / "by_groups", data_dir=tmp_path / "data", count="groups")
    assert "Robo de identidad (2)" in (tmp_path / "by_groups" / "tables.md").read_text(encoding="utf-8")
    with pytest.raises(SmgovError, match="--count must be one of mentions, groups"):
        run_precode([one, two], tmp_path / "bad", data_dir=tmp_path / "data", count="votes")


MISINFORMATION = ["Publicar información errónea o sin verificar", "Government may post inaccurate information",
                  "Se difunde información falsa o no verificada"]
CONFIDENTIAL = "Confidential data could be posted by mistake"


def _misinformation_ideas(default_model, tmp_path, monkeypatch) -> tuple[pd.DataFrame, pd.DataFrame]:
    notes = tmp_path / "mesa.txt"
    notes.write_text("Riesgos\n" + "".join(f"- {text}\n" for text in [*MISINFORMATION, CONFIDENTIAL]),
                     encoding="utf-8")
    monkeypatch.setattr(precode, "load_model", lambda model_dir=None: default_model)
    run_precode([notes], tmp_path / "out", data_dir=tmp_path / "data")
    return read(tmp_path / "out" / "statements.csv").set_index("text"), read(tmp_path / "out" / "ideas.csv")


@pytest.mark.slow
def test_an_idea_of_misinformation_statements_is_never_labelled_with_the_confidential_one(default_model, tmp_path,
                                                                                          monkeypatch):
    statements, ideas = _misinformation_ideas(default_model, tmp_path, monkeypatch)
    idea = statements.loc[MISINFORMATION[0], "idea_id"]
    assert (statements.loc[MISINFORMATION, "idea_id"] == idea).all()
    label = ideas.set_index("idea_id").loc[idea, "idea_text"]
    assert label in MISINFORMATION  # the member most like the others, not "Confidential data ... (4)"


@pytest.mark.slow
def test_the_idea_space_puts_confidential_data_closer_to_misinformation_than_to_its_own_paraphrase(default_model):
    texts = [CONFIDENTIAL, "Hay información sensible que no se puede difundir", *MISINFORMATION]
    vectors = default_model.idea_vectors(texts, blocked=True)
    to_paraphrase, to_misinformation = vectors[0] @ vectors[1], vectors[0] @ vectors[2:].T
    assert (to_misinformation > to_paraphrase).all()  # why the next test cannot pass by merge rules alone


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "the idea space puts 'Confidential data could be posted by mistake' closer to misinformation statements "
    "(same type, same predicted layer) than to a paraphrase of itself (the test above), so no merge rule on "
    "these similarities keeps it apart"))
def test_misinformation_statements_do_not_merge_into_confidential_data_posted_by_mistake(default_model, tmp_path,
                                                                                         monkeypatch):
    statements, _ = _misinformation_ideas(default_model, tmp_path, monkeypatch)
    assert statements.loc[CONFIDENTIAL, "idea_id"] != statements.loc[MISINFORMATION[0], "idea_id"]
