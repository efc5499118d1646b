"""The "auto" settings of a head, each decided by one small function that returns a :class:`Choice`.

Every choice is judged by the same criterion: the grouped out-of-fold log-likelihood per row,
after temperature scaling on the calibration rows (as the shipped head is scaled), averaged over
the judged row sets (the hand-coded rows and, when given, the formal-prose rows). Log-likelihood
rather than macro-F1, because on a few hundred rows it is far less noisy, so a choice is stable
from fold to fold. Ties go to the first candidate.

- :func:`choose_part_weight`: the factor on a multi-part embedder's later parts (:data:`PART_WEIGHTS`);
- :func:`choose_aux_weight`: the training weight of the auxiliary rows (:data:`AUX_WEIGHTS`);
- :func:`choose_cue_block`: whether the statement-type cue block is used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression

from smgov_nlp.coding.calibration import fit_temperature, oof_logits
from smgov_nlp.coding.runtime import log_likelihood

AUX_WEIGHTS = (1.0, 0.3, 0.0)  # candidates for aux_weight="auto", ties go to the first
PART_WEIGHTS = (1.0, 2.0, 3.0)  # candidates for part_weight="auto" (multi-part embedders only), ties go to the first


@dataclass(frozen=True, eq=False)
class Trial:
    """One training setting tried: its score, the sample weights it trains with and its out-of-fold logits."""

    score: float | None  # None: not scored (there was nothing to choose)
    sample_weight: np.ndarray = field(repr=False)
    logits: np.ndarray | None = field(repr=False)


@dataclass(frozen=True)
class Choice:
    """An "auto" setting: the value taken, the candidates and their scores (rounded to 4 places; ``None``:
    not scored). ``trial`` is the taken candidate's :class:`Trial`, which the head's final fit reuses."""

    chosen: float | str
    candidates: tuple
    scores: dict = field(default_factory=dict)
    trial: Trial | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, eq=False)
class OutOfFoldJudge:
    """Scores training settings of one head on the same grouped folds.

    ``calibrate`` marks the rows the temperature is fitted on (and that are always weighted 1 × their
    ``base_weight``); ``judged`` are the row sets whose mean log-likelihood is the score.
    ``scoring=False`` (nothing to choose) makes every trial skip the out-of-fold fits.
    """

    estimator: LogisticRegression
    y: np.ndarray
    groups: np.ndarray
    base_weight: np.ndarray
    calibrate: np.ndarray
    judged: Sequence[np.ndarray]
    cv: int = 5
    random_state: int = 0
    scoring: bool = True

    def trial(self, X, aux_weight: float) -> Trial:
        """Train ``X`` with the auxiliary rows weighted ``aux_weight`` and score it."""
        weights = np.where(self.calibrate, self.base_weight, self.base_weight * aux_weight)
        if not self.scoring:
            return Trial(None, weights, None)
        logits = oof_logits(self.estimator, X, self.y, self.groups, weights, self.cv, self.random_state)
        truth = np.searchsorted(np.unique(self.y), self.y)
        temperature, _ = fit_temperature(logits[self.calibrate], truth[self.calibrate])
        scores = [log_likelihood(logits[rows] / temperature, truth[rows]) for rows in self.judged]
        return Trial(float(np.mean(scores)), weights, logits)


def _rounded(trials: dict) -> dict:
    return {key: (None if t.score is None else round(t.score, 4)) for key, t in trials.items()}


def _best(trials: dict):
    return max(trials, key=lambda key: -np.inf if trials[key].score is None else trials[key].score)


def choose_part_weight(judge: OutOfFoldJudge, X, candidates: Sequence[float], scaled: Callable[[object, float], object],
                       aux_weight: float) -> Choice:
    """The factor on the later parts of a multi-part embedder: ``scaled(X, w)`` is ``X`` with those columns × ``w``.

    With one candidate nothing is fitted (the choice has no scores and no trial).
    """
    candidates = tuple(candidates)
    if len(candidates) == 1:
        return Choice(candidates[0], candidates)
    trials = {w: judge.trial(scaled(X, w), aux_weight) for w in candidates}
    best = _best(trials)
    return Choice(best, candidates, _rounded(trials), trials[best])


def choose_aux_weight(judge: OutOfFoldJudge, X, candidates: Sequence[float], known: Trial | None = None) -> Choice:
    """The training weight of the auxiliary rows; ``known`` is a trial already made at the first candidate."""
    candidates = tuple(candidates)
    trials = {w: known if (known is not None and w == candidates[0]) else judge.trial(X, w) for w in candidates}
    best = _best(trials)
    return Choice(best, candidates, _rounded(trials), trials[best])


def choose_cue_block(judge: OutOfFoldJudge, with_cues, aux: Choice) -> Choice:
    """Whether the cue block is used ("on") or its columns zeroed ("off", what ``aux`` was judged on).

    "on" must score strictly better than "off" at the chosen auxiliary weight.
    """
    off, on = aux.trial, judge.trial(with_cues, aux.chosen)
    scores = {"off": round(off.score, 4), "on": round(on.score, 4)}
    return Choice("on", ("off", "on"), scores, on) if on.score > off.score else Choice("off", ("off", "on"), scores, off)
