from __future__ import annotations

import shutil
import subprocess
import sys

import pandas as pd
import pytest
from conftest import LABELED, REPO

from smgov_nlp.errors import SmgovError
from smgov_nlp.labels import LAYERS, TYPES
from smgov_nlp.model.corpus import COLUMNS, REVIEWED, corpus_hash, example_bank, load_corpus, load_reviewed
from smgov_nlp.review.store import COLUMNS as STORE_COLUMNS
from smgov_nlp.review.store import DecisionStore
from smgov_nlp.text import text_hash

SEED = REPO.parent / "shared" / "seeds" / "000_e5fa613599e5cf33.txt"
N_ADDITIONS = len(pd.read_csv(LABELED / "additions.csv"))


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(LABELED / name, dtype=str, keep_default_na=False)


# --- the committed tables -----------------------------------------------------------------


def test_tables_en():
    en = read("tables_en.csv")
    assert list(en.columns) == ["id", "text", "layer", "type", "count", "table", "lang", "source"]
    assert len(en) == 122
    assert en["count"].astype(int).sum() == 289
    assert en["id"].is_unique
    assert set(en["layer"]) == set(LAYERS)
    assert set(en["type"]) == set(TYPES)
    assert (en["lang"] == "en").all()
    assert (en["text"].str.strip() != "").all()
    assert (en["type"] == en["table"].map({"1": "risk", "2": "benefit", "3": "strategy"})).all()
    assert en["id"].str.fullmatch(r"t[1-3]-\d{3}").all()
    assert (en["id"].str[1] == en["table"]).all()
    assert en["count"].astype(int).min() >= 1


def test_tables_es_is_one_row_per_english_idea():
    en = read("tables_en.csv").set_index("id")
    es = read("tables_es.csv")
    assert len(es) == 122
    assert es["source_id"].is_unique and es["id"].is_unique
    assert set(es["source_id"]) == set(en.index)
    assert (es["lang"] == "es").all()
    assert (es["text"].str.strip() != "").all()
    aligned = en.loc[es["source_id"]]
    assert (es["layer"].to_numpy() == aligned["layer"].to_numpy()).all()
    assert (es["type"].to_numpy() == aligned["type"].to_numpy()).all()
    assert (es["count"].to_numpy() == aligned["count"].to_numpy()).all()
    assert (es["text"].to_numpy() != aligned["text"].to_numpy()).all()  # translated, not copied


@pytest.mark.parametrize("name", ["tables_en.csv", "tables_es.csv", "prose.csv", "augment.csv",
                                  "additions.csv", "layer_definitions.csv"])
def test_every_labeled_file_uses_known_label_ids(name):
    frame = read(name)
    assert set(frame["layer"]) <= set(LAYERS)
    if "type" in frame:
        assert set(frame["type"]) <= set(TYPES)
    assert set(frame["lang"]) <= {"en", "es"}


@pytest.mark.skipif(not SEED.exists(), reason=f"the source text {SEED} is not available")
def test_extract_tables_reproduces_the_committed_csv(tmp_path):
    # the script writes next to itself (REPO/data/labeled), so run a copy in a throw-away layout
    scripts = tmp_path / "repo" / "scripts"
    scripts.mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "extract_tables.py", scripts)
    result = subprocess.run([sys.executable, str(scripts / "extract_tables.py"), str(SEED)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Total: 122 ideas, count sum 289" in result.stdout
    produced = tmp_path / "repo" / "data" / "labeled" / "tables_en.csv"
    assert produced.read_bytes() == (LABELED / "tables_en.csv").read_bytes()


# --- load_corpus on the committed data -----------------------------------------------------


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    return load_corpus(LABELED, include_reviewed=False)


def test_corpus_columns_and_sizes(corpus):
    assert list(corpus.columns) == COLUMNS
    assert corpus.groupby(["origin", "role"]).size().to_dict() == {
        ("paper_definition", "aux"): 58,
        ("paper_prose", "aux"): 150,
        ("paper_table", "table"): 122,
        ("project_addition", "aux"): N_ADDITIONS,
        ("project_paraphrase", "aux"): 732,
        ("project_translation", "table"): 122,
    }
    assert corpus["id"].is_unique
    assert set(corpus["layer"]) <= set(LAYERS)
    assert set(corpus["type"]) <= set(TYPES) | {""}
    assert (corpus.loc[corpus["origin"] == "paper_definition", "type"] == "").all()


def test_spanish_row_shares_its_english_ideas_group(corpus):
    es = read("tables_es.csv")
    groups = corpus.set_index("id")["group"]
    assert (groups.loc[es["id"]].to_numpy() == es["source_id"].to_numpy()).all()
    assert groups["es-t1-017"] == groups["t1-017"] == "t1-017"
    english = corpus[corpus["origin"] == "paper_table"]
    assert (english["group"] == english["id"]).all()


def test_aux_rows_point_to_real_ideas(corpus):
    ideas = set(corpus.loc[corpus["origin"] == "paper_table", "id"])
    assert set(corpus.loc[corpus["origin"] == "project_paraphrase", "group"]) <= ideas
    # prose restating no table idea is its own group, shared by the English row and its translation
    prose = corpus[corpus["origin"] == "paper_prose"]
    own = prose[~prose["group"].isin(ideas)]
    assert sorted(own["id"]) == ["es-p-037", "es-p-040", "es-p-063", "p-037", "p-040", "p-063"]
    assert (own["id"].str.removeprefix("es-") == own["group"]).all()


def test_committed_default_model_was_trained_on_this_data():
    import json

    config = json.loads((REPO / "models" / "default" / "config.json").read_text(encoding="utf-8"))
    assert corpus_hash(load_corpus(LABELED)) == config["data_hash"]


def test_origins_filter():
    only = load_corpus(LABELED, origins={"paper_table"})
    assert set(only["origin"]) == {"paper_table"} and len(only) == 122


def test_example_bank(corpus):
    bank = example_bank(corpus)
    assert list(bank.columns) == ["id", "text", "layer", "type", "lang"]
    assert len(bank) == 244
    assert set(bank["lang"]) == {"en", "es"}


# --- load_corpus on a throw-away data folder ----------------------------------------------


@pytest.fixture
def data_dir(tmp_path):
    folder = tmp_path / "labeled"
    folder.mkdir()
    for name in ("tables_en.csv", "tables_es.csv"):
        shutil.copy(LABELED / name, folder)
    return folder


def write_reviewed(folder, rows) -> None:
    frame = pd.DataFrame([dict.fromkeys(STORE_COLUMNS, "") | row for row in rows], columns=list(STORE_COLUMNS))
    frame.to_csv(folder / REVIEWED, index=False)


def decision(text, layer, type_, when, lang="es"):
    return {"text_hash": text_hash(text), "text": text, "lang": lang, "layer": layer, "type": type_,
            "reviewer": "ana", "reviewed_at": when, "via": "tui"}


A = "Perfiles falsos que se hacen pasar por la dependencia"
B = "No clear objectives for the accounts"
C = "Convenios entre dependencias"


def test_reviewed_rows_latest_decision_wins(data_dir):
    write_reviewed(data_dir, [
        decision(A, "technology", "risk", "2024-05-01T09:00:00+00:00"),
        decision(B, "organizational_structure_processes", "risk", "2024-05-01T09:01:00+00:00", lang="en"),
        decision(A, "institutional_framework", "risk", "2024-05-01T09:02:00+00:00"),
        decision(C, "interorganizational_collaboration", "benefit", "2024-05-01T09:03:00+00:00"),
        decision(C, "", "", "2024-05-01T09:04:00+00:00"),  # undone: C is undecided again
    ])
    corpus = load_corpus(data_dir)
    reviewed = corpus[corpus["role"] == "reviewed"].reset_index(drop=True)
    assert reviewed[["text", "layer", "type", "lang"]].to_dict("records") == [
        {"text": B, "layer": "organizational_structure_processes", "type": "risk", "lang": "en"},
        {"text": A, "layer": "institutional_framework", "type": "risk", "lang": "es"},
    ]
    assert reviewed["id"].tolist() == ["rev-" + text_hash(B)[:12], "rev-" + text_hash(A)[:12]]
    assert reviewed["group"].tolist() == ["rev-" + text_hash(B), "rev-" + text_hash(A)]
    assert set(reviewed["origin"]) == {"review"}
    assert len(corpus) == 244 + 2
    assert len(load_corpus(data_dir, include_reviewed=False)) == 244
    assert list(example_bank(corpus)["id"][-2:]) == reviewed["id"].tolist()


def test_same_statement_with_other_spacing_is_one_decision(data_dir):
    write_reviewed(data_dir, [
        decision(A, "technology", "risk", "2024-05-01T09:00:00+00:00"),
        decision("  perfiles FALSOS que se hacen pasar por la   dependencia", "institutional_framework", "risk",
                 "2024-05-01T09:02:00+00:00"),
    ])
    reviewed = load_reviewed(data_dir / REVIEWED)
    assert reviewed["layer"].tolist() == ["institutional_framework"]


def test_invalid_label_is_an_error(data_dir):
    en = pd.read_csv(data_dir / "tables_en.csv", dtype=str, keep_default_na=False)
    en.loc[3, "layer"] = "politics"
    en.to_csv(data_dir / "tables_en.csv", index=False)
    with pytest.raises(SmgovError, match="row t1-004 has layer 'politics', expected one of"):
        load_corpus(data_dir)


def test_invalid_reviewed_label_is_an_error(data_dir):
    write_reviewed(data_dir, [decision(A, "technology", "opportunity", "2024-05-01T09:00:00+00:00")])
    with pytest.raises(SmgovError, match=r"row 2 of .*reviewed.csv.* is not a valid decision \(type 'opportunity'"):
        load_corpus(data_dir)


@pytest.mark.parametrize("bad", [{"via": "email"}, {"type": ""}, {"text_hash": ""}],
                         ids=["unknown via", "layer without type", "no key"])
def test_a_row_the_store_refuses_is_not_trained_on(data_dir, bad):
    """Training reads reviewed.csv through the decision store, so it refuses what review refuses."""
    write_reviewed(data_dir, [decision(A, "technology", "risk", "2024-05-01T09:00:00+00:00"),
                              decision(B, "technology", "benefit", "2024-05-01T09:01:00+00:00") | bad])
    with pytest.raises(SmgovError) as info:
        load_corpus(data_dir)
    assert "row 3 of" in info.value.problem and "is not a valid decision" in info.value.problem
    with pytest.raises(SmgovError, match="is not a valid decision"):
        DecisionStore(data_dir).latest()


def test_a_statement_marked_not_a_statement_is_not_trained_on(data_dir):
    write_reviewed(data_dir, [decision(A, "technology", "risk", "2024-05-01T09:00:00+00:00"),
                              decision(B, "", "", "2024-05-01T09:01:00+00:00") | {"decision": "not_statement"}])
    assert load_corpus(data_dir).query("role == 'reviewed'")["text"].tolist() == [A]


def test_reviewed_rows_cut_off_by_a_crash_are_not_trained_on(data_dir):
    write_reviewed(data_dir, [decision(A, "technology", "risk", "2024-05-01T09:00:00+00:00"),
                              decision(B, "technology", "benefit", "2024-05-01T09:01:00+00:00")])
    path = data_dir / REVIEWED
    path.write_bytes(path.read_bytes()[:-30])  # the last row cut off mid-write
    reviewed = load_corpus(data_dir).query("role == 'reviewed'")
    assert reviewed["text"].tolist() == [A]


def test_missing_tables_is_an_error(tmp_path):
    with pytest.raises(SmgovError, match="expected tables_en.csv there"):
        load_corpus(tmp_path)


# --- the training-data hash ---------------------------------------------------------------


def test_corpus_hash_is_stable_and_order_free(data_dir):
    corpus = load_corpus(data_dir)
    first = corpus_hash(corpus)
    assert len(first) == 64
    assert corpus_hash(load_corpus(data_dir)) == first
    assert corpus_hash(corpus.sample(frac=1, random_state=0)) == first
    assert corpus_hash(corpus.assign(lang="xx", role="aux")) == first  # only text, labels, group count


@pytest.mark.parametrize("column, value", [("layer", "technology"), ("type", "benefit"),
                                           ("text", "Otro texto"), ("group", "t9-999")])
def test_corpus_hash_changes_with_the_data(data_dir, column, value):
    corpus = load_corpus(data_dir)
    before = corpus_hash(corpus)
    changed = corpus.copy()
    row = changed.index[changed["id"] == "t1-001"][0]
    assert changed.loc[row, column] != value
    changed.loc[row, column] = value
    assert corpus_hash(changed) != before


def test_corpus_hash_changes_when_a_label_file_changes(data_dir):
    before = corpus_hash(load_corpus(data_dir))
    es = pd.read_csv(data_dir / "tables_es.csv", dtype=str, keep_default_na=False)
    es.loc[0, "type"] = "benefit"
    es.to_csv(data_dir / "tables_es.csv", index=False)
    assert corpus_hash(load_corpus(data_dir)) != before


def test_corpus_hash_changes_with_a_review(data_dir):
    before = corpus_hash(load_corpus(data_dir))
    write_reviewed(data_dir, [decision(A, "technology", "risk", "2024-05-01T09:00:00+00:00")])
    assert corpus_hash(load_corpus(data_dir)) != before
    assert corpus_hash(load_corpus(data_dir, include_reviewed=False)) == before


# --- the project's double-coded additions ------------------------------------------------------


def test_additions_keep_only_ideas_both_coders_agree_on():
    written = read("drafts/additions_written.csv").set_index("idea_id")
    second = read("drafts/additions_second_coding.csv").set_index("idea_id")
    additions = read("additions.csv")
    assert set(second.index) == set(written.index)  # every written idea was second-coded
    idea = additions["id"].str.extract(r"^(a\d{3})-")[0]
    assert idea.notna().all() and additions["id"].is_unique
    for head in ("layer", "type"):
        assert (additions[head].to_numpy() == written.loc[idea, head].to_numpy()).all()
        assert (additions[head].to_numpy() == second.loc[idea, head].to_numpy()).all()
    disagreed = written.index[(written["layer"] != second["layer"]) | (written["type"] != second["type"])]
    assert len(disagreed) and not set(disagreed) & set(idea)  # the disagreements are really left out
    # four wordings per kept idea: terse and sentence, English and Spanish
    assert (idea.value_counts() == 4).all()
    assert sorted(additions.groupby(["lang", "style"]).size().to_dict()) == [
        ("en", "formal"), ("en", "table"), ("es", "formal"), ("es", "table")]
    assert additions["source"].str.contains("written by the project").all()


def test_additions_are_their_own_idea_or_join_a_table_idea(corpus):
    ideas = set(read("tables_en.csv")["id"])
    rows = corpus[corpus["origin"] == "project_addition"]
    own = rows["group"] == rows["id"].str.extract(r"^(a\d{3})-")[0]
    assert own.mean() > 0.9
    assert set(rows.loc[~own, "group"]) <= ideas  # the ones close to a paper idea are held out with it


def test_build_additions_reproduces_the_committed_csv(tmp_path):
    out = tmp_path / "additions.csv"
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "build_additions.py"), str(out)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "Cohen's kappa" in result.stdout
    assert out.read_bytes() == (LABELED / "additions.csv").read_bytes()
