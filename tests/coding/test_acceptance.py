"""Joint thresholds: every population's accepted rows keep the target, whatever stratum they fall in."""

from __future__ import annotations

import numpy as np

from smgov_nlp.coding.acceptance import joint_thresholds, rows_needed
from smgov_nlp.coding.review_policy import MIXTURE, Curve, ReviewPolicy

INF = float("inf")


def _rows(kind, scores, correct):
    return np.asarray(scores, float), np.asarray(correct, bool), np.full(len(scores), kind, dtype=object)


def _join(*parts):
    return tuple(np.concatenate(column) for column in zip(*parts))


def test_rows_needed_is_what_one_error_takes():
    assert rows_needed(0.97) == 34
    assert rows_needed(0.9) == 10
    assert rows_needed(1.0) > 10**6


def test_new_ideas_hidden_among_paraphrases_are_not_accepted():
    # the known stratum: 100 paraphrases, all right, and 10 new ideas scored a little lower, half right.
    # A pooled, mix-weighted rule accepts both (0.5 × 100% and 0.3 × 50% of few rows); every population must keep it.
    known = _join(_rows("known", np.linspace(1.95, 1.8, 100), np.ones(100)),
                  _rows("new", np.full(10, 1.75), np.arange(10) % 2 == 0))
    new = _rows("new", np.linspace(0.9, 0.1, 200), np.arange(200) % 3 == 0)
    pooled = Curve(known[0], known[1], np.r_[np.full(100, 0.5 / 100), np.full(10, 0.3 / 210)])
    assert pooled.threshold(0.97) <= 1.75  # the old rule's broken promise
    limits, share = joint_thresholds({"known": known, "new": new}, MIXTURE, 0.97, min_support=10)
    assert 1.75 < limits["known"] <= 1.8
    assert limits["new"] == INF
    assert share > 0.49


def test_a_few_lucky_rows_do_not_open_a_stratum():
    scores = np.linspace(0.99, 0.01, 200)
    correct = np.r_[np.ones(12), np.arange(188) % 2 == 0]  # twelve right at the top, then a coin toss
    limits, share = joint_thresholds({"new": _rows("new", scores, correct)}, MIXTURE, 0.97, min_support=10)
    assert limits["new"] == INF and share == 0.0
    correct = np.r_[np.ones(60), np.arange(140) % 2 == 0]  # enough rows to measure 97%
    limits, _ = joint_thresholds({"new": _rows("new", scores, correct)}, MIXTURE, 0.97, min_support=10)
    assert limits["new"] < 0.99 and np.sum(scores >= limits["new"]) >= 34


def test_a_rare_population_in_a_stratum_must_be_error_free():
    known = _join(_rows("known", np.linspace(1.99, 1.6, 100), np.ones(100)),
                  _rows("long", [1.9, 1.7], [False, True]))  # one wrong long row among the paraphrases
    limits, _ = joint_thresholds({"known": known}, MIXTURE, 0.97, min_support=10)
    assert 1.7 < limits["known"] > 1.9


def test_a_policy_stored_before_populations_were_kept_still_decides():
    curve = Curve(np.linspace(0.99, 0.5, 40), np.ones(40, dtype=bool))
    old = ReviewPolicy(0.95, 0.7, curves={"both": {"new": curve}, "layer": {"new": curve}})
    data = old.to_config()
    assert "kinds" not in data["curves"]["both"]["new"]
    assert ReviewPolicy.from_config(data).thresholds()["both"]["new"] == curve.threshold(0.95)
