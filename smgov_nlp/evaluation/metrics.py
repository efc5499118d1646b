"""The numbers: calibration error, selective-prediction curves, macro-F1 per language, idea-count errors.

Also the small helpers for the nested ``metrics.json`` dicts: averaging same-shaped dicts over
repeats (:func:`mean_dicts`), rounding for JSON (:func:`rounded`) and reading a dotted path
(:func:`value_at`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.metrics import accuracy_score, f1_score

LANGS = ("es", "en")
ECE_BINS = 15
DECIMALS = 4
MIN_SUPPORT = 10  # fewest accepted statements an accuracy-at-coverage figure is read from


def expected_calibration_error(confidence: ArrayLike, correct: ArrayLike, bins: int = ECE_BINS) -> float:
    """Top-label ECE: the share-weighted gap between accuracy and mean confidence in equal-width bins.

    Bin ``k`` holds confidences in ``(k/bins, (k+1)/bins]`` (the first bin also holds 0).
    """
    table = reliability_table(confidence, correct, bins)
    if table["count"].sum() == 0:
        return float("nan")
    weights = table["count"] / table["count"].sum()
    gaps = (table["accuracy"] - table["confidence"]).abs().fillna(0.0)
    return float((weights * gaps).sum())


def reliability_table(confidence: ArrayLike, correct: ArrayLike, bins: int = ECE_BINS) -> pd.DataFrame:
    """Per confidence bin: ``count``, mean ``confidence``, ``accuracy`` (NaN for empty bins)."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.searchsorted(edges[1:-1], confidence, side="left")
    rows = []
    for k in range(bins):
        inside = index == k
        n = int(inside.sum())
        rows.append({"lower": edges[k], "upper": edges[k + 1], "count": n,
                     "confidence": float(confidence[inside].mean()) if n else np.nan,
                     "accuracy": float(correct[inside].mean()) if n else np.nan})
    return pd.DataFrame(rows)


def selective_curve(confidence: ArrayLike, correct: ArrayLike) -> pd.DataFrame:
    """Accuracy of the accepted statements at each confidence threshold, most confident first.

    One row per distinct confidence ``threshold`` (statements at or above it are accepted):
    ``accepted``, ``coverage`` (their share) and ``accuracy``. Tied confidences are accepted
    together, as a threshold would.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    if len(confidence) == 0:
        return pd.DataFrame(columns=["threshold", "accepted", "coverage", "accuracy"])
    order = np.argsort(-confidence, kind="stable")
    ranked = confidence[order]
    hits = np.cumsum(correct[order])
    accepted = np.arange(1, len(ranked) + 1)
    last_of_tie = np.r_[ranked[1:] != ranked[:-1], True]
    return pd.DataFrame({"threshold": ranked[last_of_tie], "accepted": accepted[last_of_tie],
                         "coverage": accepted[last_of_tie] / len(ranked),
                         "accuracy": hits[last_of_tie] / accepted[last_of_tie]})


def coverage_at_accuracy(curve: pd.DataFrame, target: float, min_support: int = MIN_SUPPORT) -> float:
    """The largest coverage whose accepted statements are at least ``target`` accurate (0 if none)."""
    ok = curve[(curve["accuracy"] >= target) & (curve["accepted"] >= min_support)]
    return float(ok["coverage"].max()) if len(ok) else 0.0


def head_scores(truth: ArrayLike, predicted: ArrayLike, langs: ArrayLike | None = None) -> dict:
    """Macro-F1 and accuracy, overall and per language (``es``/``en``) when ``langs`` is given."""
    truth, predicted = np.asarray(truth), np.asarray(predicted)
    out = {"macro_f1": macro_f1_score(truth, predicted), "accuracy": float(accuracy_score(truth, predicted)) if len(truth) else None,
           "rows": int(len(truth))}
    if langs is not None:
        langs = np.asarray(langs)
        out["per_lang"] = {lang: macro_f1_score(truth[langs == lang], predicted[langs == lang]) for lang in LANGS}
        out["per_lang_accuracy"] = {lang: float(accuracy_score(truth[langs == lang], predicted[langs == lang]))
                                    if (langs == lang).any() else None for lang in LANGS}
    return out


def idea_count_errors(gold: Sequence, predicted: Sequence) -> dict:
    """How far predicted ideas are from gold ones in size and number.

    ``size_mae``: mean over statements of |size of its predicted idea − size of its gold idea|.
    """
    gold, predicted = pd.Series(list(gold)), pd.Series(list(predicted))
    gold_size = gold.map(gold.value_counts())
    pred_size = predicted.map(predicted.value_counts())
    n_gold, n_pred = int(gold.nunique()), int(predicted.nunique())
    return {"size_mae": float((pred_size - gold_size).abs().mean()), "gold_ideas": n_gold,
            "predicted_ideas": n_pred, "idea_count_error": n_pred - n_gold, "statements": len(gold)}


def macro_f1_score(truth: np.ndarray, predicted: np.ndarray) -> float | None:
    """Macro-F1 over the classes present (0 for a class never predicted), None for no rows."""
    if len(truth) == 0:
        return None
    return float(f1_score(truth, predicted, average="macro", zero_division=0))


def rounded(value: object) -> object:
    """Floats rounded to :data:`DECIMALS`, NaN as None, numpy scalars as Python ones."""
    if isinstance(value, dict):
        return {str(k): rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else round(float(value), DECIMALS)
    return value


def mean_dicts(dicts: list[dict]) -> dict:
    """Average the numeric leaves of same-shaped dicts, skipping None (``rows`` and other leaves from the first)."""
    out = {}
    for key, first in dicts[0].items():
        present = [d[key] for d in dicts if d.get(key) is not None]
        if present and all(isinstance(v, dict) for v in present):
            out[key] = mean_dicts(present)
        elif key != "rows" and present and all(isinstance(v, (int, float, np.integer, np.floating))
                                               and not isinstance(v, (bool, np.bool_)) for v in present):
            out[key] = float(np.mean([float(v) for v in present]))
        else:
            out[key] = first
    return out


def accuracy_at(curve: pd.DataFrame, coverage: float) -> float | None:
    """Accuracy of the most confident ``coverage`` share (the first curve point reaching it)."""
    reached = curve[curve["coverage"] >= coverage - 1e-9]
    return float(reached["accuracy"].iloc[0]) if len(reached) else None


def value_at(metrics: dict, path: str) -> object:
    """``metrics`` at a dotted ``path`` such as ``"dedupe.test.pair_f1"`` (keys may contain '+'), or None."""
    value = metrics
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value
