"""The novelty-aware review policy: strata, per-stratum thresholds, reasons and error estimates."""

from __future__ import annotations

import numpy as np
import pytest

from smgov_nlp.coding.review_policy import (
    MIN_SUPPORT,
    CalibrationRows,
    Curve,
    ReviewPolicy,
    fit_policy,
)


def test_curve_threshold_is_the_lowest_score_reaching_the_target():
    scores = np.array([0.99, 0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1])
    correct = np.array([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], dtype=bool)
    assert Curve(scores, correct).threshold(1.0) == pytest.approx(0.3)  # ten right, then wrong
    assert Curve(scores, correct).threshold(0.8) == pytest.approx(0.1)  # 10/12 = 0.83
    assert Curve(scores[:5], correct[:5]).threshold(0.9) == float("inf")  # fewer than MIN_SUPPORT rows
    assert Curve(np.zeros(0), np.zeros(0, dtype=bool)).threshold(0.9) == float("inf")


def test_curve_accepts_tied_scores_together():
    scores = np.array([0.9] * 12)
    correct = np.array([1] * 11 + [0], dtype=bool)
    assert Curve(scores, correct).threshold(0.95) == float("inf")  # 11/12 = 0.917 as a whole run
    assert Curve(scores, correct).threshold(0.9) == pytest.approx(0.9)


def test_error_rate_is_non_increasing_in_the_score():
    rng = np.random.default_rng(0)
    scores = rng.uniform(size=200)
    correct = rng.uniform(size=200) < scores  # higher score, more often right
    curve = Curve(scores, correct)
    grid = np.linspace(0, 1, 50)
    errors = curve.error_rate(grid)
    assert np.all(np.diff(errors) <= 1e-12)
    assert errors[0] > 0.5 > errors[-1]


def _rows(kind, n, sim, conf, right, agree=True, length=40):
    ones = np.ones(n)
    return CalibrationRows(kind, sim * ones, np.full(n, length),
                           {"layer": conf * ones, "type": conf * ones},
                           {"layer": np.asarray(right, bool), "type": np.asarray(right, bool)},
                           {"layer": np.full(n, agree), "type": np.full(n, agree)})


def test_known_statements_agreeing_with_their_idea_are_accepted_new_ones_reviewed():
    rng = np.random.default_rng(1)
    known = _rows("known", 60, 0.8, 0.6, rng.uniform(size=60) < 0.99)
    new = _rows("new", 60, 0.3, 0.6, rng.uniform(size=60) < 0.6)
    policy = fit_policy([known, new], target_accuracy=0.95)
    assert policy.known_similarity <= 0.8
    labels = {"layer": np.array(["technology", "technology"]), "type": np.array(["risk", "risk"])}
    runner = {"layer": np.array(["information_data"] * 2), "type": np.array(["benefit"] * 2)}
    decision = policy.decide({"layer": np.array([0.6, 0.6]), "type": np.array([0.6, 0.6])}, labels, runner,
                             matched=labels, similarity=np.array([0.8, 0.3]), lengths=np.array([40, 40]))
    assert decision.stratum.tolist() == ["known", "new"]
    assert decision.needs_review.tolist() == [False, True]
    assert decision.review_reason[0] == ""
    assert decision.review_reason[1].startswith("new idea; layer uncertain: technology or information_data")
    assert decision.p_wrong[1] > decision.p_wrong[0]


def test_a_known_statement_that_disagrees_with_its_idea_goes_to_review_with_the_idea_as_the_alternative():
    known = _rows("known", 40, 0.9, 0.7, np.ones(40))
    policy = fit_policy([known, _rows("new", 40, 0.2, 0.7, np.ones(40))], target_accuracy=0.95)
    labels = {"layer": np.array(["technology"]), "type": np.array(["risk"])}
    matched = {"layer": np.array(["information_data"]), "type": np.array(["risk"])}
    decision = policy.decide({"layer": np.array([0.5]), "type": np.array([0.99])}, labels,
                             {"layer": np.array(["general_context"]), "type": np.array(["benefit"])}, matched,
                             similarity=np.array([0.9]), lengths=np.array([30]))
    assert decision.needs_review.tolist() == [True]
    assert decision.review_reason == ["layer uncertain: technology or information_data"]


def test_only_the_layer_decides_where_the_type_comes_from_a_section():
    rng = np.random.default_rng(2)
    rows = _rows("new", 80, 0.2, 0.9, np.ones(80))
    rows.correct["type"][:] = rng.uniform(size=80) < 0.5  # the type head is poor, the layer head perfect
    policy = fit_policy([rows, _rows("known", 20, 0.9, 0.9, np.ones(20))], target_accuracy=0.95)
    labels = {"layer": np.array(["technology"] * 2), "type": np.array(["risk"] * 2)}
    runner = {"layer": np.array(["information_data"] * 2), "type": np.array(["benefit"] * 2)}
    decision = policy.decide({"layer": np.array([0.9, 0.9]), "type": np.array([0.9, 0.9])}, labels, runner, labels,
                             similarity=np.array([0.2, 0.2]), lengths=np.array([30, 30]),
                             type_decides=np.array([True, False]))
    assert decision.needs_review.tolist() == [True, False]


def test_long_text_is_its_own_stratum_and_reason():
    policy = fit_policy([_rows("long", 30, 0.2, 0.5, np.zeros(30), length=400)], target_accuracy=0.9)
    labels = {"layer": np.array(["technology"]), "type": np.array(["risk"])}
    runner = {"layer": np.array(["information_data"]), "type": np.array(["benefit"])}
    decision = policy.decide({"layer": np.array([0.5]), "type": np.array([0.5])}, labels, runner, labels,
                             similarity=np.array([0.2]), lengths=np.array([400]))
    assert decision.stratum.tolist() == ["long"]
    assert decision.review_reason[0].endswith("long text")


def test_policy_round_trips_through_its_config_and_takes_another_target():
    rng = np.random.default_rng(3)
    policy = fit_policy([_rows("known", 50, 0.8, 0.7, rng.uniform(size=50) < 0.97),
                         _rows("new", 50 + MIN_SUPPORT, 0.3, 0.7, rng.uniform(size=60) < 0.7)], target_accuracy=0.95)
    again = ReviewPolicy.from_config(policy.to_config())
    assert again.thresholds() == policy.thresholds()
    assert again.known_similarity == policy.known_similarity
    lax, strict = again.thresholds(0.5), again.thresholds(0.999)
    for mode in lax:
        for stratum in lax[mode]:
            assert lax[mode][stratum] <= strict[mode][stratum]
