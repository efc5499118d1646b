from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import smgov_nlp
import smgov_nlp.review.store as store_module
from smgov_nlp.errors import SmgovError
from smgov_nlp.review.store import (
    COLUMNS,
    Decision,
    DecisionStore,
    default_data_dir,
    default_reviewer,
    load_reviewed_examples,
)
from smgov_nlp.text import normalize_text, text_hash

HEADER = "text_hash,text,lang,layer,type,reviewer,reviewed_at,model_version,suggested_layer,suggested_type,via"


def make(text: str, layer: str = "technology", type_: str = "risk", **kw) -> Decision:
    kw.setdefault("reviewer", "ana")
    kw.setdefault("reviewed_at", "2024-05-01T09:30:00+00:00")
    kw.setdefault("lang", "es")
    kw.setdefault("model_version", "m1")
    kw.setdefault("suggested_layer", "technology")
    kw.setdefault("suggested_type", "risk")
    return Decision.new(text, layer, type_, **kw)


# --- the text key ------------------------------------------------------------------------


def test_normalize_text_nfc_casefold_whitespace():
    decomposed = unicodedata.normalize("NFD", "Información Pública")
    assert decomposed != "Información Pública"
    assert normalize_text(decomposed) == "información pública"
    assert normalize_text("  Falta\tde\n\nCAPACITACIÓN  ") == "falta de capacitación"
    assert normalize_text("STRASSE Straße") == "strasse strasse"  # casefold, not lower
    assert normalize_text("") == ""
    assert normalize_text(None) == ""


def test_text_hash_is_sha256_of_normalized_text():
    expected = hashlib.sha256("falta de capacitación".encode()).hexdigest()
    assert text_hash("Falta de capacitación") == expected
    assert text_hash(unicodedata.normalize("NFD", "  FALTA   de\ncapacitación ")) == expected
    assert text_hash("Falta de capacitacion") != expected  # accents matter
    assert len(expected) == 64


# --- where the store lives ---------------------------------------------------------------


def test_default_data_dir_is_under_cwd_not_the_package(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_data_dir() == tmp_path / "data" / "labeled"
    store = DecisionStore()
    assert store.path == tmp_path / "data" / "labeled" / "reviewed.csv"
    assert Path(smgov_nlp.__file__).parent not in store.path.parents


def test_data_dir_that_is_a_file_is_an_error(tmp_path):
    (tmp_path / "x").write_text("hi")
    with pytest.raises(SmgovError, match="is a file, expected a folder"):
        DecisionStore(tmp_path / "x")


def test_default_reviewer(monkeypatch):
    monkeypatch.setenv("USER", "maria")
    assert default_reviewer() == "maria"
    monkeypatch.delenv("USER")
    assert default_reviewer() == "reviewer"


# --- decisions ---------------------------------------------------------------------------


def test_decision_new_stamps_hash_and_utc_time():
    decision = Decision.new("Uso de redes", "technology", "benefit", reviewer="ana")
    assert decision.text_hash == text_hash("uso de redes")
    stamp = datetime.fromisoformat(decision.reviewed_at)
    assert stamp.utcoffset() == timedelta(0)
    assert decision.via == "tui"
    assert decision.decided


@pytest.mark.parametrize(
    "layer, type_, message",
    [
        ("tech", "risk", "layer 'tech' is not a valid id"),
        ("technology", "riesgo", "type 'riesgo' is not a valid id"),
        ("technology", "", "both be set or both be empty"),
        ("", "risk", "both be set or both be empty"),
    ],
)
def test_decision_rejects_bad_labels(layer, type_, message):
    with pytest.raises(ValueError, match=message):
        make("x", layer, type_)


def test_decision_rejects_bad_via():
    with pytest.raises(ValueError, match="via 'web' is not one of"):
        make("x", via="web")


# --- append-only, latest wins ------------------------------------------------------------


def test_append_writes_exact_columns_and_rows(tmp_path):
    store = DecisionStore(tmp_path)
    store.append([make('Texto con "comillas", coma\ny salto', lang="es")])
    lines = store.path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == HEADER
    assert list(COLUMNS) == HEADER.split(",")
    history = store.history()
    assert list(history.columns) == list(COLUMNS)
    assert history.loc[0, "text"] == 'Texto con "comillas", coma\ny salto'
    assert history.loc[0, "layer"] == "technology"
    assert history.loc[0, "via"] == "tui"


def test_append_nothing_creates_nothing(tmp_path):
    store = DecisionStore(tmp_path / "new")
    store.append([])
    assert not store.path.exists()
    assert store.latest() == {}
    assert list(store.history().columns) == list(COLUMNS)
    assert len(store.history()) == 0


def test_latest_decision_wins_and_history_keeps_all(tmp_path):
    store = DecisionStore(tmp_path)
    first = make("Falta de presupuesto", "general_context", "risk")
    other = make("Mejor comunicación", "information_data", "benefit")
    second = make("  FALTA de presupuesto ", "institutional_framework", "strategy",
                  reviewed_at="2024-05-02T10:00:00+00:00")
    store.append([first, other])
    store.append([second])
    assert len(store.history()) == 3
    latest = store.latest()
    assert list(latest) == [other.text_hash, first.text_hash]
    assert latest[first.text_hash] == second
    assert latest[first.text_hash].layer == "institutional_framework"
    assert len(store) == 2


def test_undo_to_undecided_and_back_to_previous(tmp_path):
    store = DecisionStore(tmp_path)
    first = make("Falta de presupuesto", "general_context", "risk")
    store.append([first])
    store.append([first.undecided(reviewer="luis")])
    assert store.latest() == {}
    last_row = store.history().iloc[-1]
    assert (last_row["layer"], last_row["type"], last_row["reviewer"]) == ("", "", "luis")
    assert load_reviewed_examples(tmp_path).empty

    second = replace(first, layer="technology", type="benefit", reviewed_at="2024-05-03T00:00:00+00:00")
    store.append([second])
    store.append([replace(first, reviewed_at="2024-05-04T00:00:00+00:00")])  # undo restores the previous state
    latest = store.latest()[first.text_hash]
    assert (latest.layer, latest.type) == ("general_context", "risk")
    assert len(store.history()) == 4


def test_load_reviewed_examples(tmp_path):
    store = DecisionStore(tmp_path)
    a = make("Falta de presupuesto", "general_context", "risk", lang="es")
    b = make("Faster answers to citizens", "technology", "benefit", lang="en")
    store.append([a, b, b.undecided()])
    examples = load_reviewed_examples(tmp_path)
    assert list(examples.columns) == ["text", "layer", "type", "lang", "text_hash"]
    assert examples.to_dict("records") == [
        {"text": "Falta de presupuesto", "layer": "general_context", "type": "risk", "lang": "es",
         "text_hash": a.text_hash},
    ]
    empty = load_reviewed_examples(tmp_path / "none")
    assert list(empty.columns) == ["text", "layer", "type", "lang", "text_hash"] and empty.empty


# --- atomic writes -----------------------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "reviewed.csv")


def test_failing_write_leaves_old_file_intact(tmp_path, monkeypatch):
    store = DecisionStore(tmp_path)
    store.append([make("uno")])
    before = store.path.read_bytes()
    calls = []

    def explode(decision):
        calls.append(decision.text)
        if len(calls) == 2:
            raise OSError("disk full")
        return decision.row()

    monkeypatch.setattr(store_module, "_row_values", explode)
    with pytest.raises(OSError, match="disk full"):
        store.append([make("dos"), make("tres")])
    assert calls == ["dos", "tres"]
    assert store.path.read_bytes() == before
    assert _leftovers(tmp_path) == []
    assert [d.text for d in store.latest().values()] == ["uno"]


def test_failing_replace_leaves_old_file_intact(tmp_path, monkeypatch):
    store = DecisionStore(tmp_path)
    store.append([make("uno")])
    before = store.path.read_bytes()

    def no_replace(src, dst):
        raise OSError("replace failed")

    monkeypatch.setattr("os.replace", no_replace)
    with pytest.raises(OSError, match="replace failed"):
        store.append([make("dos")])
    assert store.path.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_append_after_file_without_trailing_newline(tmp_path):
    store = DecisionStore(tmp_path)
    store.append([make("uno")])
    store.path.write_bytes(store.path.read_bytes().rstrip(b"\n"))
    store.append([make("dos")])
    assert [d.text for d in store.latest().values()] == ["uno", "dos"]


def test_wrong_header_is_an_error(tmp_path):
    (tmp_path / "reviewed.csv").write_text("text,label\nhola,risk\n", encoding="utf-8")
    store = DecisionStore(tmp_path)
    with pytest.raises(SmgovError, match=r"has columns \['text', 'label'\], expected \['text_hash'"):
        store.append([make("uno")])
    assert (tmp_path / "reviewed.csv").read_text(encoding="utf-8") == "text,label\nhola,risk\n"


def test_invalid_row_in_file_names_the_row(tmp_path):
    store = DecisionStore(tmp_path)
    store.append([make("uno")])
    with store.path.open("a", encoding="utf-8") as fh:
        fh.write(f"{text_hash('dos')},dos,es,tech,risk,ana,2024-05-01T00:00:00+00:00,m1,,,tui\n")
    with pytest.raises(SmgovError, match=r"row 3 of .*reviewed.csv.*layer 'tech' is not a valid id"):
        store.latest()
