"""The baseline heads: majority class, TF-IDF + LR and precomputed embeddings + LR, fitted on one fold."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from smgov_nlp.coding.runtime import align_columns
from smgov_nlp.embeddings.transformers import make_embedder
from smgov_nlp.evaluation.protocol import BASELINE_C, Experiment
from smgov_nlp.labels import HEADS


def fit_baseline(experiment: Experiment, features: dict[str, np.ndarray | None], labels: pd.DataFrame,
                 train: np.ndarray, test: np.ndarray, train_texts: list[str],
                 test_texts: list[str]) -> dict[str, np.ndarray]:
    """Fit a baseline head per label head on rows ``train``; its probabilities on rows ``test`` (HEADS column order).

    ``features`` maps the names in ``experiment.features`` to precomputed embeddings of every row;
    ``labels`` holds the ``layer`` and ``type`` of every row ("" = no label, left out of training).
    """
    if experiment.head == "majority":
        X_train, X_test = np.zeros((len(train), 1)), np.zeros((len(test), 1))
    elif experiment.head == "tfidf_lr":
        vectorizer = make_embedder("tfidf").fit(train_texts)
        X_train, X_test = vectorizer.transform(train_texts), vectorizer.transform(test_texts)
    elif experiment.head == "embedding_lr":
        missing = [name for name in experiment.features if features.get(name) is None]
        if missing:
            raise ValueError(f"baseline {experiment.name!r} needs the precomputed embeddings {missing}, "
                             f"found only {sorted(k for k, v in features.items() if v is not None)}; "
                             "compute them before planning the fit")
        X = np.hstack([features[name] for name in experiment.features])
        X_train, X_test = X[train], X[test]
    else:
        raise ValueError(f"{experiment.name!r} has head {experiment.head!r}, expected a baseline head "
                         "(majority, tfidf_lr or embedding_lr); fit a classifier with runner.fit_predict")
    proba = {}
    for head, classes in HEADS.items():
        y = labels[head].to_numpy()[train]
        keep = y != ""
        if experiment.head == "majority":
            estimator = DummyClassifier(strategy="most_frequent")
        else:
            estimator = LogisticRegression(C=BASELINE_C, class_weight="balanced", max_iter=5000)
        estimator.fit(X_train[keep], y[keep])
        proba[head] = align_columns(estimator.predict_proba(X_test), estimator.classes_, classes)
    return proba
