"""The novelty bank: nearest coded wording, its idea and labels, saved beside the model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smgov_nlp.coding.novelty import NoveltyBank, bank_mask, build, idea_names


def corpus() -> pd.DataFrame:
    return pd.DataFrame({
        "text": ["Identity theft", "Robo de identidad", "Someone impersonates the account", "Limited budget",
                 "Definition of the technology layer"],
        "group": ["t1-017", "t1-017", "t1-017", "t1-033", "def-6"],
        "origin": ["paper_table", "project_translation", "project_paraphrase", "paper_table", "paper_definition"],
        "lang": ["en", "es", "en", "en", "en"],
        "layer": ["institutional_framework"] * 3 + ["organizational_structure_processes", "technology"],
        "type": ["risk", "risk", "risk", "risk", ""],
    })


def vectors() -> np.ndarray:
    return np.array([[1, 0, 0], [0.9, 0.1, 0], [0.8, 0.2, 0.1], [0, 1, 0], [0, 0, 1]], dtype=np.float32)


def test_bank_keeps_coded_wordings_not_definitions():
    assert bank_mask(corpus()).tolist() == [True, True, True, True, False]
    assert idea_names(corpus()) == {"t1-017": "Identity theft", "t1-033": "Limited budget",
                                    "def-6": "Definition of the technology layer"}


def test_match_finds_the_nearest_wording_and_its_idea():
    bank = build(corpus(), vectors())
    found = bank.match(np.array([[2.0, 0.1, 0.0], [0.0, 0.3, 0.0]]))
    assert found.idea.tolist() == ["t1-017", "t1-033"]
    assert found.labels["layer"].tolist() == ["institutional_framework", "organizational_structure_processes"]
    assert found.similarity[1] == 1.0 and 0.99 < found.similarity[0] <= 1.0
    assert found.describe(bank.names) == ["t1-017: Identity theft", "t1-033: Limited budget"]


def test_match_can_leave_out_the_query_s_own_idea():
    bank = build(corpus(), vectors())
    found = bank.match(np.array([[1.0, 0.0, 0.0]]), exclude=np.array(["t1-017"]))
    assert found.idea.tolist() == ["t1-033"] and found.similarity[0] == 0.0


def test_bank_round_trips_through_its_file(tmp_path):
    bank = build(corpus(), vectors())
    bank.save(tmp_path)
    again = NoveltyBank.load(tmp_path)
    assert again.ideas.tolist() == bank.ideas.tolist() and again.names == bank.names
    query = np.array([[0.7, 0.3, 0.0]])
    assert again.match(query).idea.tolist() == bank.match(query).idea.tolist()
    assert NoveltyBank.load(tmp_path / "nothing") is None
