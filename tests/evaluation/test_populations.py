"""The review policy's populations: the pooled figures, the mixture and the coverage curves."""

from __future__ import annotations

import numpy as np
import pytest

from smgov_nlp.evaluation.figures import POPULATION_FIGURE, write_population_figure
from smgov_nlp.evaluation.populations import coverage_curves, summarise


def _results():
    def found(rows, accept, correct, risk):
        return {"rows": rows, "accept": accept, "correct": correct, "risk": risk, "stratum": ["new"] * len(rows)}

    fold0 = {"new_ideas": found([0, 1], [True, False], [True, False], [0.1, 0.6]),
             "known_ideas": found([0, 1], [True, True], [True, True], [0.01, 0.02]),
             "real_text": found([0, 1], [False, False], [True, False], [0.3, 0.5])}
    fold1 = {"new_ideas": found([2, 3], [False, False], [True, False], [0.4, 0.7]),
             "known_ideas": found([1, 2], [True, False], [False, True], [0.02, 0.2]),  # row 1 again: counted once
             "real_text": found([0, 1], [False, True], [True, True], [0.3, 0.05])}
    return {("shipped", 0, 0): {"populations": fold0}, ("shipped", 0, 1): {"populations": fold1},
            ("majority", 0, 0): {"proba": None}}


def test_summary_counts_a_known_idea_once_and_weighs_the_mixture():
    sel = summarise(_results(), repeats=1)
    assert sel["known_ideas"]["rows"] == 3 and sel["known_ideas"]["auto_accept_share"] == pytest.approx(2 / 3)
    assert sel["known_ideas"]["auto_accept_accuracy"] == pytest.approx(1.0)
    assert sel["new_ideas"]["auto_accept_share"] == pytest.approx(0.25)
    assert sel["real_text"]["auto_accept_share"] == pytest.approx(0.25)
    share = 0.5 * 2 / 3 + 0.3 * 0.25 + 0.2 * 0.25
    assert sel["mixture"]["auto_accept_share"] == pytest.approx(share)


def test_coverage_curves_accept_the_lowest_risk_first(tmp_path):
    curves = coverage_curves(_results())
    assert set(curves) == {"new_ideas", "known_ideas", "real_text", "mixture"}
    coverage, accuracy = curves["new_ideas"]
    assert np.all(np.diff(coverage) >= 0) and coverage[-1] == pytest.approx(1.0)
    assert accuracy[-1] == pytest.approx(0.5)  # everything accepted: two of four right
    first = np.flatnonzero(coverage > 0)[0]
    assert coverage[first] == pytest.approx(0.25) and accuracy[first] == pytest.approx(1.0)
    mix_coverage, _ = curves["mixture"]
    assert mix_coverage[-1] == pytest.approx(1.0)
    assert write_population_figure(tmp_path, _results(), summarise(_results(), 1)) == POPULATION_FIGURE
    assert (tmp_path / POPULATION_FIGURE).stat().st_size > 1000
