"""Grouped folds, the review threshold and the temperature (smgov_nlp.coding.calibration)."""

from __future__ import annotations

import numpy as np
import pytest

from smgov_nlp.coding.calibration import choose_threshold, fit_temperature, grouped_splits
from smgov_nlp.coding.runtime import log_likelihood

# --- choosing the review threshold --------------------------------------------------------


def synthetic_confidence():
    """20 predictions at confidence 1.00, 0.95, ..., 0.05: the 15 most confident are right,
    then right/wrong go F T F F F. Accuracy of the top k: 1.0 up to k=15, 15/16, 16/17, 16/18, ..."""
    confidence = np.arange(20, 0, -1) / 20
    correct = np.array([True] * 15 + [False, True, False, False, False])
    return confidence, correct


@pytest.mark.parametrize("target, min_support, expected", [
    (0.90, 10, 4 / 20),   # top 17 are 16/17 = 94% right; top 18 only 89%
    (0.94, 10, 4 / 20),   # 16/17 = 0.941
    (0.95, 10, 6 / 20),   # only the 15 all-right ones qualify
    (1.00, 10, 6 / 20),
    (1.00, 16, 1.0),      # 100% never holds with 16 or more accepted: review everything
    (0.80, 10, 1 / 20),   # all 20 accepted: 16/20 = 80%
    (0.90, 18, 1.0),
])
def test_choose_threshold(target, min_support, expected):
    confidence, correct = synthetic_confidence()
    assert choose_threshold(confidence, correct, target, min_support=min_support) == expected


def test_choose_threshold_ignores_input_order():
    confidence, correct = synthetic_confidence()
    order = np.random.default_rng(0).permutation(20)
    assert choose_threshold(confidence[order], correct[order], 0.90) == 4 / 20


def test_choose_threshold_needs_support():
    assert choose_threshold(np.array([0.99, 0.98]), np.array([True, True]), 0.5) == 1.0
    assert choose_threshold(np.array([0.99, 0.98]), np.array([True, True]), 0.5, min_support=2) == 0.98


# --- grouped folds ------------------------------------------------------------------------


def test_grouped_splits_never_split_a_group(labeled_table):
    groups = labeled_table["group"].to_numpy()
    splits = grouped_splits(labeled_table["layer"].to_numpy(), groups, n_splits=5)
    assert len(splits) == 5
    tested = np.concatenate([test for _, test in splits])
    assert sorted(tested) == list(range(len(labeled_table)))  # every row tested exactly once
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])


def test_grouped_splits_capped_by_number_of_groups():
    target = np.array(["a", "b", "a", "b", "a", "b"])
    groups = np.array([1, 1, 2, 2, 3, 3])
    splits = grouped_splits(target, groups, n_splits=10)
    assert len(splits) == 3
    assert all(len(set(groups[test])) == 1 for _, test in splits)


# --- the temperature ---------------------------------------------------------------------------


def test_fit_temperature_softens_overconfident_logits():
    truth = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    logits = np.array([[5.0, -5.0], [-5.0, 5.0], [-5.0, 5.0], [5.0, -5.0]] * 2)  # half right, very sure
    temperature, nll = fit_temperature(logits, truth)
    assert temperature > 5
    assert nll == pytest.approx(-log_likelihood(logits / temperature, truth))
    assert nll < -log_likelihood(logits, truth)
