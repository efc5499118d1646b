"""What a head is calibrated with: grouped folds, out-of-fold logits, a temperature, a review threshold.

Grouped folds keep the paraphrases of one idea on one side of every split, so out-of-fold
predictions are honest about ideas the model never saw. Temperature scaling keeps the ranking
of classes and needs one parameter, which suits a few hundred hand-coded ideas.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold
from threadpoolctl import threadpool_limits

from smgov_nlp.coding.runtime import align_columns, log_likelihood


def choose_threshold(confidence: np.ndarray, correct: np.ndarray, target_accuracy: float, min_support: int = 10) -> float:
    """Lowest confidence ``t`` such that predictions with confidence ≥ ``t`` are ``target_accuracy`` accurate.

    Scans thresholds from the most confident prediction down and keeps the lowest one
    whose accepted set (at least ``min_support`` statements) still meets the target.
    Returns 1.0 (review everything) when no threshold qualifies.
    """
    order = np.argsort(-confidence, kind="stable")
    hits = np.cumsum(correct[order])
    accepted = np.arange(1, len(order) + 1)
    accuracy = hits / accepted
    ok = (accuracy >= target_accuracy) & (accepted >= min_support)
    if not ok.any():
        return 1.0
    last = np.flatnonzero(ok)[-1]
    return float(confidence[order][last])


def grouped_splits(target, groups, n_splits: int, random_state: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified grouped folds (plain grouped folds when stratification is impossible)."""
    n_splits = max(2, min(n_splits, len(np.unique(groups))))
    try:
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
        return list(splitter.split(np.zeros(len(target)), target, groups))
    except ValueError:
        return list(GroupKFold(n_splits=n_splits).split(np.zeros(len(target)), target, groups))


def balanced_logistic(C: float) -> LogisticRegression:
    """The linear model under every head: class-balanced logistic regression."""
    return LogisticRegression(C=C, class_weight="balanced", max_iter=5000)


def linear_logits(model: LogisticRegression, X) -> np.ndarray:
    """One logit per class (a binary model's single score becomes two symmetric logits)."""
    scores = model.decision_function(X)
    return np.column_stack([-scores, scores]) / 2 if scores.ndim == 1 else scores


def oof_logits(estimator: LogisticRegression, X, y, groups=None, sample_weight=None, cv: int = 5,
               random_state: int = 0) -> np.ndarray:
    """Grouped out-of-fold logits (columns: ``np.unique(y)``); rows of weight 0 are never trained on.

    The folds depend only on ``y``, ``groups``, ``cv`` and ``random_state``, so logits for
    different ``sample_weight`` are computed on the same splits and can be compared.
    """
    y = np.asarray(y)
    groups = np.arange(len(y)) if groups is None else np.asarray(groups)
    classes = np.unique(y)
    logits = np.zeros((len(y), len(classes)))
    with threadpool_limits(1):  # small dense fits: extra BLAS threads only contend
        for train, test in grouped_splits(y, groups, cv, random_state):
            if sample_weight is not None:
                train = train[sample_weight[train] > 0]
            model = clone(estimator).fit(X[train], y[train],
                                         sample_weight=None if sample_weight is None else sample_weight[train])
            logits[test] = align_columns(linear_logits(model, X[test]), model.classes_, classes)
    return logits


def fit_temperature(logits: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """The temperature minimising the mean negative log-likelihood of ``truth`` (column indices), and that NLL."""

    def nll(log_t: float) -> float:
        return -log_likelihood(logits / np.exp(log_t), truth)

    found = minimize_scalar(nll, bounds=(-3, 3), method="bounded")
    return float(np.exp(found.x)), float(found.fun)
