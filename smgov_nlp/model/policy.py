"""Fitting the review policy at training time, from calibration rows of three kinds.

- ``new``: the grouped out-of-fold predictions of the hand-coded rows (the idea was not in
  training), matched against the bank without their own idea;
- ``long``: the grouped out-of-fold predictions of the formal rows (paper prose, formal
  paraphrases, the additions' sentence wordings) of at least ``long_chars`` characters;
- ``known``: paraphrases of training ideas whose wording is not in training, from the dev file
  ``paraphrase_tune.csv`` (rows with a ``source_id`` among the training ideas; rows that repeat a
  training wording word for word are left out), scored by the fitted classifier.

The grouped out-of-fold predictions come from the classifier's own fit, so no extra model is
fitted, and a cross-validation that refits the classifier and the policy in each fold measures the
whole rule nested (``smgov evaluate``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from smgov_nlp.coding.novelty import NoveltyBank
from smgov_nlp.coding.review_policy import LONG_CHARS, CalibrationRows, ReviewPolicy, fit_policy
from smgov_nlp.labels import HEADS
from smgov_nlp.text import normalize_text

log = logging.getLogger(__name__)

PARAPHRASE_TUNE = "paraphrase_tune.csv"


def rows_from(kind: str, proba: dict[str, np.ndarray], truth: pd.DataFrame, texts: list[str], bank: NoveltyBank,
              vectors: np.ndarray, exclude: np.ndarray | None = None) -> CalibrationRows:
    """Calibration rows of one ``kind`` from predicted probabilities and the true labels."""
    match = bank.match(vectors, exclude=exclude)
    confidence, correct, agree = {}, {}, {}
    for head in HEADS:
        ids = np.asarray(HEADS[head], dtype=object)
        top = ids[np.argmax(proba[head], axis=1)] if len(texts) else np.zeros(0, dtype=object)
        confidence[head] = proba[head].max(axis=1) if len(texts) else np.zeros(0)
        correct[head] = top == truth[head].to_numpy(dtype=object)
        agree[head] = top == match.labels[head]
    return CalibrationRows(kind, match.similarity, np.array([len(t) for t in texts]), confidence, correct, agree)


def out_of_fold_rows(classifier, corpus: pd.DataFrame, bank: NoveltyBank, vectors: np.ndarray,
                     long_chars: int = LONG_CHARS) -> list[CalibrationRows]:
    """``new`` and ``long`` calibration rows from the classifier's grouped out-of-fold predictions.

    ``vectors`` are the classifier's embeddings of every corpus row."""
    labelled = {head: corpus[head].fillna("").astype(str).ne("").to_numpy() for head in HEADS}
    both = labelled["layer"] & labelled["type"]
    proba = {}
    for head in HEADS:
        full = np.full((len(corpus), len(HEADS[head])), np.nan)
        full[labelled[head]] = classifier.oof_[head]
        proba[head] = full
    texts = corpus["text"].astype(str).tolist()
    kinds = {"new": corpus["role"].isin(["table", "reviewed"]).to_numpy(),
             "long": (corpus["style"] == "formal").to_numpy() & (np.array([len(t) for t in texts]) >= long_chars)}
    out = []
    for kind, mask in kinds.items():
        rows = np.flatnonzero(both & mask)
        out.append(rows_from(kind, {h: p[rows] for h, p in proba.items()}, corpus.iloc[rows], [texts[i] for i in rows],
                             bank, vectors[rows], exclude=corpus["group"].astype(str).to_numpy(dtype=object)[rows]))
    return out


def known_rows(classifier, corpus: pd.DataFrame, bank: NoveltyBank, paraphrases: pd.DataFrame) -> CalibrationRows:
    """``known`` calibration rows: paraphrases of training ideas, in wordings training never saw."""
    ideas = set(corpus["group"].astype(str))
    seen = set(corpus["text"].astype(str).map(normalize_text))
    source = paraphrases.get("source_id", pd.Series("", index=paraphrases.index)).fillna("").astype(str)
    keep = source.isin(ideas) & ~paraphrases["text"].astype(str).map(normalize_text).isin(seen)
    part = paraphrases.loc[keep].reset_index(drop=True)
    texts = part["text"].astype(str).tolist()
    vectors = classifier.embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)
    proba = classifier.predict_proba(texts, embeddings=vectors) if texts else {
        head: np.zeros((0, len(HEADS[head]))) for head in HEADS}
    return rows_from("known", proba, part, texts, bank, vectors)


def read_paraphrases(dev_dir: str | Path | None) -> pd.DataFrame | None:
    """``paraphrase_tune.csv`` of ``dev_dir``, or ``None`` (with a warning) when there is none."""
    path = Path(dev_dir) / PARAPHRASE_TUNE if dev_dir is not None else None
    if path is None or not path.exists():
        log.warning("no %s: the review policy has no known-idea rows, so restated ideas are reviewed", path)
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def fit_review_policy(classifier, corpus: pd.DataFrame, bank: NoveltyBank, vectors: np.ndarray,
                      paraphrases: pd.DataFrame | None, target_accuracy: float) -> tuple[ReviewPolicy, dict]:
    """The review policy for a fitted classifier, and a summary of the rows it was calibrated on.

    ``paraphrases`` (``paraphrase_tune.csv``, :func:`read_paraphrases`) give the known-idea rows;
    without them known statements meet an empty curve and are reviewed."""
    populations = out_of_fold_rows(classifier, corpus, bank, vectors)
    if paraphrases is not None:
        populations.append(known_rows(classifier, corpus, bank, paraphrases))
    policy = fit_policy(populations, target_accuracy)
    summary = {rows.kind: int(len(rows.similarity)) for rows in populations}
    return policy, summary
