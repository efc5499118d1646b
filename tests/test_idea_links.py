"""Ideas people fix stay fixed (#15): a statement moved to another idea, or split into an idea of its own,
in review keeps that place in later precode runs, whatever the grouping would do; and remarks about the
workshop are kept in metadata.csv, not coded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_precode import coded_frame, stub_idea_model

import smgov_nlp.workflows.precode as precode
from smgov_nlp.ideas.grouping import group_ideas
from smgov_nlp.review.decision import OWN_IDEA
from smgov_nlp.review.store import Decision, DecisionStore
from smgov_nlp.text import text_hash
from smgov_nlp.workflows.precode import consolidate, read_notes, run_precode


def angles(*degrees: float) -> np.ndarray:
    radians = np.deg2rad(degrees)
    return np.stack([np.cos(radians), np.sin(radians)], axis=1).astype(np.float32)


def test_group_ideas_honours_links_over_the_merge():
    texts = ["Robo de identidad", "Suplantación de identidad", "Que hackeen las cuentas", "Noticias falsas"]
    vectors = angles(0, 5, 10, 80)  # the first three merge at 0.5; the fourth stands alone
    plain = group_ideas(texts, vectors, 0.5)["idea_id"].tolist()
    assert plain[0] == plain[1] == plain[2] != plain[3]
    linked = group_ideas(texts, vectors, 0.5, links={2: None})["idea_id"].tolist()  # "own idea"
    assert linked[0] == linked[1] and len({linked[0], linked[2], linked[3]}) == 3
    moved = group_ideas(texts, vectors, 0.5, links={2: 3})["idea_id"].tolist()  # joins "Noticias falsas"
    assert moved[0] == moved[1] != moved[2] == moved[3]


def test_group_ideas_ignores_links_across_blocks_and_to_unknown_rows():
    texts = ["a risk", "a benefit"]
    vectors = angles(0, 80)
    ideas = group_ideas(texts, vectors, 0.5, blocks=["risk", "benefit"], links={0: 1, 1: 7})
    assert ideas["idea_id"].nunique() == 2


def test_precode_honours_the_ideas_people_fixed(tmp_path):
    rows = [("Robo de identidad", "risk", "technology", 0.9, "es"),
            ("Suplantación de identidad", "risk", "technology", 0.9, "es"),
            ("Que hackeen las cuentas", "risk", "technology", 0.9, "es"),
            ("Noticias falsas", "risk", "information_data", 0.9, "es")]
    model = stub_idea_model({"Robo de identidad": 0, "Suplantación de identidad": 5,
                             "Que hackeen las cuentas": 10, "Noticias falsas": 80})
    coded = coded_frame(rows)
    _, before = consolidate(coded, model)
    assert len(before) == 2
    store = DecisionStore(tmp_path)
    store.append([Decision.new("Que hackeen las cuentas", "technology", "risk", reviewer="ana", idea_with=OWN_IDEA)])
    _, own = consolidate(coded, model, links=store.idea_links())
    assert sorted(own["member_ids"]) == ["S00001 S00002", "S00003", "S00004"]
    store.append([Decision.new("Que hackeen las cuentas", "technology", "risk", reviewer="ana",
                               idea_with=text_hash("Noticias falsas"))])
    _, joined = consolidate(coded, model, links=store.idea_links())
    assert sorted(joined["member_ids"]) == ["S00001 S00002", "S00003 S00004"]


def test_remarks_about_the_workshop_go_to_metadata_not_to_statements(tmp_path):
    notes = tmp_path / "mesa.txt"
    notes.write_text("Riesgos\n- Robo de identidad\n- La mesa pidió que se repita el taller\n", encoding="utf-8")
    statements, metadata = read_notes([notes])
    assert statements["text"].tolist() == ["Robo de identidad"]
    remark = metadata[metadata["kind"] == "remark"]
    assert remark["text"].tolist() == ["La mesa pidió que se repita el taller"]
    assert list(metadata.columns) == ["file", "line", "kind", "text"]
    assert isinstance(metadata, pd.DataFrame) and precode.METADATA_COLUMNS


@pytest.mark.slow
def test_hacked_accounts_no_longer_merge_into_identity_theft(tmp_path):
    """Finding 3 of #15: "Que hackeen las cuentas" was merged into identity theft by the default model."""
    notes = tmp_path / "notas.txt"
    notes.write_text("Mesa 4\n\nRiesgos\n- Robo de identidad en redes sociales\n- Que hackeen las cuentas\n"
                     "- Suplantación de identidad de la dependencia\n- Noticias falsas sobre el gobierno\n",
                     encoding="utf-8")
    run_precode([notes], tmp_path / "out", data_dir=tmp_path / "no-decisions")
    ideas = pd.read_csv(tmp_path / "out" / "statements.csv", encoding="utf-8-sig").set_index("text")["idea_id"]
    assert ideas["Robo de identidad en redes sociales"] == ideas["Suplantación de identidad de la dependencia"]
    assert ideas["Que hackeen las cuentas"] != ideas["Robo de identidad en redes sociales"]
