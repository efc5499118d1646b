"""The evaluation's metric helpers (smgov_nlp.evaluation.metrics) on small worked examples."""

from __future__ import annotations

import json

import numpy as np
import pytest

from smgov_nlp.evaluation.metrics import (
    accuracy_at,
    coverage_at_accuracy,
    expected_calibration_error,
    head_scores,
    idea_count_errors,
    mean_dicts,
    reliability_table,
    rounded,
    selective_curve,
    value_at,
)


def test_ece_on_a_known_example():
    # 4 statements at 0.95 (3 right) and 2 at 0.55 (1 right):
    # ECE = 4/6 · |0.75 − 0.95| + 2/6 · |0.5 − 0.55| = 0.15
    confidence = [0.95, 0.95, 0.95, 0.95, 0.55, 0.55]
    correct = [1, 1, 1, 0, 1, 0]
    assert expected_calibration_error(confidence, correct) == pytest.approx(0.15)


def test_ece_is_zero_when_confidence_matches_accuracy_and_bins_are_right_closed():
    assert expected_calibration_error([1.0, 1.0], [True, True]) == pytest.approx(0.0)
    table = reliability_table([0.0, 1 / 15, 0.07, 1.0], [1, 1, 1, 1])
    assert table["count"].tolist()[:2] == [2, 1]  # 0 and exactly 1/15 in the first bin
    assert table["count"].iloc[-1] == 1 and table["count"].sum() == 4


def test_selective_curve_on_a_tiny_example():
    confidence = np.array([0.3, 0.8, 0.9, 0.6, 0.8])
    correct = np.array([0, 0, 1, 1, 1])
    curve = selective_curve(confidence, correct)
    # tied confidences (0.8) are accepted together
    assert curve["threshold"].tolist() == [0.9, 0.8, 0.6, 0.3]
    assert curve["accepted"].tolist() == [1, 3, 4, 5]
    assert curve["coverage"].tolist() == pytest.approx([0.2, 0.6, 0.8, 1.0])
    assert curve["accuracy"].tolist() == pytest.approx([1.0, 2 / 3, 0.75, 0.6])
    assert coverage_at_accuracy(curve, 0.75, min_support=1) == pytest.approx(0.8)
    assert coverage_at_accuracy(curve, 0.75, min_support=5) == 0.0
    assert coverage_at_accuracy(curve, 1.0, min_support=1) == pytest.approx(0.2)
    assert accuracy_at(curve, 0.5) == pytest.approx(2 / 3)  # the first point covering half
    assert accuracy_at(curve, 1.0) == pytest.approx(0.6)
    order = np.random.default_rng(0).permutation(5)
    assert selective_curve(confidence[order], correct[order]).equals(curve)


def test_idea_count_errors():
    errors = idea_count_errors(["a", "a", "b", "c"], ["x", "x", "x", "y"])
    # gold sizes 2 2 1 1, predicted sizes 3 3 3 1
    assert errors["size_mae"] == pytest.approx(1.0)
    assert (errors["gold_ideas"], errors["predicted_ideas"], errors["idea_count_error"]) == (3, 2, -1)


def test_head_scores_per_language():
    scores = head_scores(["a", "b", "a", "b"], ["a", "b", "b", "b"], ["es", "es", "en", "en"])
    assert scores["per_lang"]["es"] == 1.0
    assert scores["accuracy"] == 0.75 and scores["per_lang_accuracy"]["en"] == 0.5


def test_mean_dicts_averages_numbers_and_keeps_rows_from_the_first():
    runs = [{"macro_f1": 0.5, "rows": 10, "per_lang": {"es": 0.4, "en": None}, "note": "x"},
            {"macro_f1": 0.7, "rows": 12, "per_lang": {"es": 0.6, "en": 0.2}, "note": "y"}]
    assert mean_dicts(runs) == {"macro_f1": pytest.approx(0.6), "rows": 10,
                                "per_lang": {"es": pytest.approx(0.5), "en": pytest.approx(0.2)}, "note": "x"}


def test_rounding_for_json():
    out = rounded({"a": np.float32(0.123456), "b": float("nan"), "c": [np.int64(3), True], "d": None})
    assert out == {"a": 0.1235, "b": None, "c": [3, True], "d": None}
    json.dumps(out)


def test_value_at_a_dotted_path():
    metrics = {"classification": {"baselines": {"use+e5_lr": {"layer": {"macro_f1": 0.61}}}}}
    assert value_at(metrics, "classification.baselines.use+e5_lr.layer.macro_f1") == 0.61
    assert value_at(metrics, "classification.shipped.layer") is None
    assert value_at({"a": 1}, "a.b") is None
