"""The fits' predictions assembled per experiment: out-of-fold probabilities and the scores read from them.

:class:`FoldResults` holds the results of :func:`~smgov_nlp.evaluation.runner.run_fits` with the
corpus they were computed on; the section builders (:mod:`smgov_nlp.evaluation.sections`), the
label audit and the figures read everything through it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from smgov_nlp.evaluation.metrics import head_scores, mean_dicts
from smgov_nlp.evaluation.protocol import Fit, FitKey, Protocol
from smgov_nlp.labels import HEADS
from smgov_nlp.model.corpus import scored_mask


class FoldResults:
    """Out-of-fold predictions of every experiment, per repeat, over the rows of ``corpus``.

    ``results`` maps ``fit.key`` to what :func:`~smgov_nlp.evaluation.runner.fit_predict` returned
    for each of ``fits``; fits with repeat -1 (trained on the whole corpus, scored on real text)
    are reached through :meth:`real_text_result`.
    """

    def __init__(self, corpus: pd.DataFrame, protocol: Protocol, fits: list[Fit], results: dict[FitKey, dict]):
        self.corpus, self.protocol, self.results = corpus, protocol, results
        self.tests = {fit.key: fit.test for fit in fits}
        self._oof: dict[tuple[str, int], dict[str, np.ndarray]] = {}
        self.n = len(corpus)
        self.scored = scored_mask(corpus)
        self.table = (corpus["role"] == "table").to_numpy()
        self.lang = corpus["lang"].to_numpy()

    def kinds(self) -> set[str]:
        """Names of the experiments fitted in the folds."""
        return {kind for kind, repeat, _ in self.results if repeat >= 0}

    def real_text_result(self, name: str) -> dict | None:
        """The result of experiment ``name`` fitted on the whole corpus and scored on real text, if planned."""
        return self.results.get((name, -1, 0))

    def oof(self, kind: str, repeat: int) -> dict[str, np.ndarray]:
        """Out-of-fold probabilities of one repeat: (corpus rows × classes), NaN where not tested."""
        if (kind, repeat) in self._oof:
            return self._oof[(kind, repeat)]
        out = {head: np.full((self.n, len(classes)), np.nan) for head, classes in HEADS.items()}
        for (k, r, fold), result in self.results.items():
            if k == kind and r == repeat:
                for head in HEADS:
                    out[head][self.tests[(k, r, fold)]] = result["proba"][head]
        self._oof[(kind, repeat)] = out
        return out

    def fold_of(self, repeat: int) -> np.ndarray:
        """The shipped configuration's test fold of each corpus row in ``repeat`` (-1: never tested)."""
        fold = np.full(self.n, -1)
        for (kind, r, f), test in self.tests.items():
            if kind == "shipped" and r == repeat:
                fold[test] = f
        return fold

    @staticmethod
    def predicted(proba: np.ndarray, head: str) -> np.ndarray:
        """The most probable class of each row of ``proba`` (a row of NaN gives the first class)."""
        return np.asarray(HEADS[head])[np.nan_to_num(proba, nan=-1.0).argmax(1)]

    def scores(self, kind: str, rows: np.ndarray, per_lang: bool = True) -> dict:
        """Per head: scores per repeat over ``rows`` (a mask), averaged over repeats, with the sd of macro-F1."""
        out = {}
        per_repeat = {head: [] for head in HEADS}
        for repeat in range(self.protocol.repeats):
            proba = self.oof(kind, repeat)
            for head in HEADS:
                mask = rows & ~np.isnan(proba[head][:, 0]) & (self.corpus[head].to_numpy() != "")
                per_repeat[head].append(head_scores(self.corpus[head].to_numpy()[mask],
                                                    self.predicted(proba[head][mask], head),
                                                    self.lang[mask] if per_lang else None))
        for head, runs in per_repeat.items():
            out[head] = mean_dicts(runs)
            f1s = [r["macro_f1"] for r in runs if r["macro_f1"] is not None]
            out[head]["macro_f1_sd"] = float(np.std(f1s)) if len(f1s) > 1 else 0.0
        return out

    def choices(self, key: str, name: Callable[[Any], str], model: str = "shipped") -> dict[str, dict[str, int]]:
        """How often each option of a training-time choice (``aux_weights``, ``cue_used``, ``part_weights``)
        was made inside ``model``'s training folds (the refit on all rows, for real text, not counted)."""
        counts: dict[str, dict[str, int]] = {head: {} for head in HEADS}
        for (kind, repeat, _), result in sorted(self.results.items(), key=str):
            if kind == model and repeat >= 0 and key in result:
                for head, value in result[key].items():
                    counts[head][name(value)] = counts[head].get(name(value), 0) + 1
        return counts

    def pooled_oof(self, kind: str = "shipped") -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Out-of-fold probabilities of ``kind`` on the scored rows, all repeats stacked, and the row ids."""
        stacked = {head: [] for head in HEADS}
        rows = []
        for repeat in range(self.protocol.repeats):
            proba = self.oof(kind, repeat)
            for head in HEADS:
                stacked[head].append(proba[head][self.scored])
            rows.append(np.flatnonzero(self.scored))
        return {h: np.vstack(v) for h, v in stacked.items()}, np.concatenate(rows)

    def correct(self, proba: np.ndarray, rows: np.ndarray, head: str) -> np.ndarray:
        """Whether the prediction from ``proba`` matches the label of corpus rows ``rows``."""
        return self.predicted(proba, head) == self.corpus[head].to_numpy()[rows]

    def joint(self, proba: dict[str, np.ndarray], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The lower of the two heads' confidences, and whether both heads are right, for corpus rows ``rows``."""
        confidence = np.minimum(proba["layer"].max(1), proba["type"].max(1))
        correct = self.correct(proba["layer"], rows, "layer") & self.correct(proba["type"], rows, "type")
        return confidence, correct
