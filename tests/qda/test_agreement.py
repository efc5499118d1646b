"""``smgov agreement``: κ and percent agreement per pair on units both coded, Krippendorff's α over all."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from typer.testing import CliRunner

from qda.conftest import layer_guid, recode, type_guid
from smgov_nlp.cli import app
from smgov_nlp.qda.agreement import agreement_table, krippendorff_alpha, read_ratings
from smgov_nlp.qda.importing import import_qdpx
from smgov_nlp.text import text_hash

# two coders, ten units: 8 of 10 agree; each uses a and b five times, so chance agreement is 0.5 and
# kappa = (0.8 - 0.5) / (1 - 0.5) = 0.6; alpha = 1 - (n - 1) * disagreeing pairs / (2 * n_a * n_b)
# = 1 - 19 * 4 / (2 * 10 * 10) = 0.62
A = dict(zip("0123456789", "aaaaabbbbb"))
B = dict(zip("0123456789", "aaaabbbbba"))


def test_hand_checked_kappa_agreement_and_alpha():
    table = agreement_table({"layer": {"A": A, "B": B}, "type": {}})
    pair = table.iloc[0]
    assert (pair["head"], pair["coder_a"], pair["coder_b"], pair["units"]) == ("layer", "A", "B", 10)
    assert pair["agreement"] == pytest.approx(0.8) and pair["kappa"] == pytest.approx(0.6)
    everyone = table.iloc[1]
    assert everyone["coder_a"] == "all 2 coders" and everyone["alpha"] == pytest.approx(0.62)
    assert math.isnan(table.iloc[2]["alpha"])  # no type codings at all


def test_only_units_both_coders_coded_count():
    partial = {"0": "a", "5": "a", "x": "b"}  # x: nobody else coded it
    table = agreement_table({"layer": {"A": A, "B": B, "C": partial}, "type": {}})
    pairs = table.set_index(["coder_a", "coder_b"])
    assert pairs.loc[("A", "C"), "units"] == 2 and pairs.loc[("A", "C"), "agreement"] == pytest.approx(0.5)
    assert pairs.loc[("B", "C"), "units"] == 2
    alpha, units = krippendorff_alpha({"A": A, "B": B, "C": partial})
    assert units == 10 and alpha != pytest.approx(0.62)  # C's two codings change alpha, x does not count


def test_kappa_is_undefined_when_only_one_label_is_used():
    table = agreement_table({"layer": {"A": {"1": "a", "2": "a"}, "B": {"1": "a", "2": "a"}}, "type": {}})
    assert table.iloc[0]["agreement"] == 1.0 and math.isnan(table.iloc[0]["kappa"])


@pytest.fixture
def coded_by_ana(small, tmp_path):
    """Ana agrees with the model on two statements' layers and types, and recodes one layer."""
    changes = [("La ciudadanía recibe avisos rápidos", layer_guid("technology")),
               ("La ciudadanía recibe avisos rápidos", type_guid("benefit")),
               ("Hay más transparencia en los trámites", layer_guid("institutional_framework")),
               ("Hay más transparencia en los trámites", type_guid("benefit")),
               ("Falta presupuesto para las redes.", layer_guid("general_context"))]
    return recode(small.project, tmp_path / "coded.qdpx", "Ana", changes)


def test_agreement_between_the_model_and_a_person_in_a_qdpx(coded_by_ana, tmp_path):
    runner = CliRunner()
    out = tmp_path / "agreement.csv"
    result = runner.invoke(app, ["agreement", str(coded_by_ana), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    layer = table[(table["head"] == "layer") & (table["coder_b"].notna())].iloc[0]
    assert {layer["coder_a"], layer["coder_b"]} == {"Ana", "smgov-nlp stub@000000000000"}
    assert layer["units"] == 3 and layer["agreement"] == pytest.approx(2 / 3)  # the repeated statement is one unit
    type_ = table[(table["head"] == "type") & (table["coder_b"].notna())].iloc[0]
    assert type_["units"] == 2 and type_["agreement"] == 1.0
    assert "kappa" in result.output and "Ana vs smgov-nlp stub@000000000000" in result.output


def test_agreement_from_reviewed_csv_pairs_each_reviewer_with_the_model(coded_by_ana, tmp_path):
    import_qdpx(coded_by_ana, data_dir=tmp_path / "data")
    table = agreement_table(read_ratings(tmp_path / "data" / "reviewed.csv"))
    layer = table.iloc[0]
    assert (layer["coder_a"], layer["coder_b"], layer["units"]) == ("Ana", "smgov-nlp stub@000000000000", 3)
    assert layer["agreement"] == pytest.approx(2 / 3)


def test_agreement_refuses_other_files(tmp_path):
    result = CliRunner().invoke(app, ["agreement", str(tmp_path / "notes.txt")])
    assert result.exit_code != 0 and "expected a .qdpx project or reviewed.csv" in str(result.exception)


@pytest.mark.slow
def test_kappa_between_the_model_and_a_person_on_the_examples(example, tmp_path):
    """Done when: a person's coding changed in the examples' .qdpx comes back as theirs, and agreement gives κ."""
    rows = example.coded.to_dict("records")
    changes = []
    for i, row in enumerate(rows[:30]):  # the person agrees on 25 layers and recodes 5
        layer = row["layer"] if i % 6 else ("technology" if row["layer"] != "technology" else "general_context")
        changes.append((row["text"], layer_guid(layer)))
    coded = recode(example.project, tmp_path / "coded.qdpx", "Lucía", changes)
    result = CliRunner().invoke(app, ["review", "--import", str(coded), "--data", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    assert "decisions by Lucía" in result.output
    table = agreement_table(read_ratings(coded))
    layer = table.iloc[0]
    assert layer["coder_a"] == "Lucía" and layer["coder_b"].startswith("smgov-nlp default@")
    units = len({text_hash(row["text"]) for row in rows[:30]})
    assert layer["units"] == units and 0.5 < layer["kappa"] < 1.0


@pytest.mark.slow
def test_agreement_on_a_project_only_the_model_coded_says_it_needs_a_second_coder(example):
    result = CliRunner().invoke(app, ["agreement", str(example.project)])
    assert result.exit_code == 0, result.output
    assert "1 coder(s) (smgov-nlp default@" in result.output and "agreement needs two" in result.output
