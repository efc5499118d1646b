"""The decision record: its text key, its validation, and the defaults stamped on a new decision."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime, timedelta

import pytest

from smgov_nlp.review.decision import COLUMNS, LEGACY_COLUMNS, Decision, default_reviewer, utc_now
from smgov_nlp.text import normalize_text, text_hash


def make(text: str, layer: str = "technology", type_: str = "risk", **kw) -> Decision:
    kw.setdefault("reviewer", "ana")
    kw.setdefault("reviewed_at", "2024-05-01T09:30:00+00:00")
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


# --- decisions ---------------------------------------------------------------------------


def test_default_reviewer(monkeypatch):
    monkeypatch.setenv("USER", "maria")
    assert default_reviewer() == "maria"
    monkeypatch.delenv("USER")
    assert default_reviewer() == "reviewer"


def test_utc_now_follows_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert utc_now() == "2023-11-14T22:13:20+00:00"


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


def test_decision_rejects_bad_via_empty_key_and_non_strings():
    with pytest.raises(ValueError, match="via 'email' is not one of"):
        make("x", via="email")
    with pytest.raises(ValueError, match="text_hash is empty"):
        Decision(**dict.fromkeys(COLUMNS, "") | {"via": "tui"})
    with pytest.raises(TypeError, match="Decision.lang must be a str, got NoneType"):
        make("x", lang=None)


def test_the_verdict_is_inferred_or_given_and_checked():
    assert make("x", suggested_layer="technology", suggested_type="risk").decision == "accept"
    assert make("x", suggested_layer="technology", suggested_type="benefit").decision == "correct"
    assert make("x").decision == "correct"  # no suggestion: the labels are the reviewer's own
    heading = Decision.new("Otros comentarios", decision="not_statement", note="a heading", reviewer="ana")
    assert (heading.layer, heading.type, heading.decided, heading.is_statement) == ("", "", True, False)
    legacy = Decision(**dict(zip(LEGACY_COLUMNS, make("x", suggested_layer="technology",
                                                      suggested_type="risk").row())))
    assert legacy.decision == "accept"  # a row from before the column gets its verdict
    with pytest.raises(ValueError, match="decision 'maybe' is not one of"):
        make("x", decision="maybe")
    with pytest.raises(ValueError, match="decision 'not_statement' has no layer or type"):
        make("x", decision="not_statement")
    with pytest.raises(ValueError, match="decision 'accept' needs a layer and a type"):
        Decision.new("x", decision="accept")
    with pytest.raises(ValueError, match="idea_with 'I0003' is not 'own' or the text_hash"):
        make("x", idea_with="I0003")
    with pytest.raises(ValueError, match="an undecided row has no note"):
        Decision.new("x", decision="", note="hm")


def test_undecided_clears_the_labels_and_row_follows_the_columns():
    decision = make("Falta de presupuesto", lang="es", model_version="m1", note="ojo", idea_with="own", batch="b1")
    undone = decision.undecided(reviewer="luis")
    assert (undone.layer, undone.type, undone.reviewer, undone.decided) == ("", "", "luis", False)
    assert (undone.decision, undone.note, undone.idea_with, undone.batch) == ("", "", "", "")
    assert undone.text_hash == decision.text_hash
    assert decision.row() == [getattr(decision, name) for name in COLUMNS]
