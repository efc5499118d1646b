"""One head of the statement classifier, as a scikit-learn classifier on the numeric feature matrix.

A class-balanced logistic regression, calibrated by a temperature fitted on grouped out-of-fold
logits (so the rows the temperature is fitted on are never ones its model was trained on), with a
review threshold: the lowest confidence at which the grouped out-of-fold predictions of the
calibration rows reach ``target_accuracy``.

Three settings can be ``"auto"``, each decided inside ``fit`` by a function of
:mod:`smgov_nlp.coding.choices` (so a cross-validation that refits the head measures the choice
honestly): the factor on a multi-part embedder's later columns (``part_weight`` over
``part_columns``), first; the training weight of the auxiliary rows (``aux_weight``); and, when
``cue_columns`` are given, whether those columns (the statement-type cue block) are used or zeroed.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from smgov_nlp.coding.calibration import balanced_logistic, choose_threshold, fit_temperature, linear_logits, oof_logits
from smgov_nlp.coding.choices import (
    AUX_WEIGHTS,
    PART_WEIGHTS,
    Choice,
    OutOfFoldJudge,
    choose_aux_weight,
    choose_cue_block,
    choose_part_weight,
)
from smgov_nlp.coding.runtime import softmax


def _scaled(X, scale: np.ndarray | None):
    """``X`` with each column multiplied by ``scale`` (None: unchanged); keeps sparse input sparse."""
    if scale is None:
        return X
    return X.multiply(scale).tocsr() if hasattr(X, "multiply") else X * scale


class CalibratedHead(ClassifierMixin, BaseEstimator):
    """Temperature-calibrated, class-balanced logistic regression with a review threshold and "auto" settings.

    Parameters: ``C`` (inverse regularisation), ``cv`` and ``random_state`` (the grouped folds),
    ``target_accuracy`` (the review threshold), ``aux_weight`` (float or ``"auto"``: the weight of the
    rows outside ``calibration_mask``), ``cue_columns`` (``(start, stop)`` of a block the head may
    zero, or ``None``), ``part_weight`` (float or ``"auto"``) and ``part_columns`` (``(start, stop)``
    of the columns it multiplies, or ``None``: nothing to weigh).

    ``fit(X, y, groups=None, sample_weight=None, calibration_mask=None, selection_mask=None)``:
    ``groups`` keep paraphrases of one idea in one fold; ``calibration_mask`` marks the rows like
    those the model will score (temperature and threshold come from them only, default all);
    ``selection_mask`` marks auxiliary rows of a second kind of text the choices must also serve.
    Rows of ``sample_weight`` 0 are left out of every fit.

    Fitted: ``classes_``, ``estimator_`` (the logistic regression, the part factor folded into its
    coefficients, so it scores plain feature rows), ``temperature_``, ``oof_proba_`` (calibrated
    out-of-fold probabilities, rows as given), ``threshold_``, and the choices ``part_choice_``,
    ``aux_choice_``, ``cue_choice_`` (``None`` without ``cue_columns``).
    """

    def __init__(self, C: float = 4.0, cv: int = 5, random_state: int = 0, target_accuracy: float = 0.95,
                 aux_weight: float | str = "auto", cue_columns: tuple[int, int] | None = None,
                 part_weight: float | str = "auto", part_columns: tuple[int, int] | None = None):
        self.C = C
        self.cv = cv
        self.random_state = random_state
        self.target_accuracy = target_accuracy
        self.aux_weight = aux_weight
        self.cue_columns = cue_columns
        self.part_weight = part_weight
        self.part_columns = part_columns

    def _column_scale(self, n_features: int, columns: tuple[int, int] | None, value: float) -> np.ndarray | None:
        if columns is None or value == 1.0:
            return None
        scale = np.ones(n_features)
        scale[columns[0] : columns[1]] = value
        return scale

    def fit(self, X, y, groups=None, sample_weight=None, calibration_mask=None, selection_mask=None):
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=(np.float64, np.float32))
        check_classification_targets(y)
        n = len(y)
        calibrate = np.ones(n, dtype=bool) if calibration_mask is None else np.asarray(calibration_mask, dtype=bool)
        selection = (np.zeros(n, dtype=bool) if selection_mask is None
                     else np.asarray(selection_mask, dtype=bool) & ~calibrate)
        groups = np.arange(n) if groups is None else np.asarray(groups)
        if sample_weight is not None and not (np.asarray(sample_weight, float) > 0).any():
            raise ValueError(f"every sample weight is zero ({n} rows); expected some rows with a positive weight, "
                             "which are the rows the head is trained on")
        self.classes_ = np.unique(y)

        aux_candidates = AUX_WEIGHTS if self.aux_weight == "auto" else (float(self.aux_weight),)
        if calibrate.all():  # no auxiliary rows: nothing to weigh
            aux_candidates = aux_candidates[:1]
        if self.part_columns is None:
            part_candidates = (1.0,)
        else:
            part_candidates = PART_WEIGHTS if self.part_weight == "auto" else (float(self.part_weight),)
        cue_choosing = self.cue_columns is not None
        judge = OutOfFoldJudge(
            balanced_logistic(self.C), y, groups, np.ones(n) if sample_weight is None else np.asarray(sample_weight, float),
            calibrate, tuple(m for m in (calibrate, selection) if m.any()), self.cv, self.random_state,
            scoring=len(aux_candidates) > 1 or cue_choosing or len(part_candidates) > 1)

        without_cues = X
        if cue_choosing:
            without_cues = _scaled(X, self._column_scale(X.shape[1], self.cue_columns, 0.0))

        def part_scaled(matrix, weight):
            return _scaled(matrix, self._column_scale(X.shape[1], self.part_columns, weight))

        self.part_choice_ = choose_part_weight(judge, without_cues, part_candidates, part_scaled, aux_candidates[0])
        part = self.part_choice_.chosen
        self.aux_choice_ = choose_aux_weight(judge, part_scaled(without_cues, part), aux_candidates, self.part_choice_.trial)
        trial, chosen_X = self.aux_choice_.trial, part_scaled(without_cues, part)
        self.cue_choice_ = None
        if cue_choosing:
            self.cue_choice_ = choose_cue_block(judge, part_scaled(X, part), self.aux_choice_)
            if self.cue_choice_.chosen == "on":
                trial, chosen_X = self.cue_choice_.trial, part_scaled(X, part)
        weights = None if sample_weight is None and self.aux_choice_.chosen == 1.0 else trial.sample_weight
        self._fit_calibrated(chosen_X, y, groups, weights, calibrate, trial.logits)
        scale = self._column_scale(X.shape[1], self.part_columns, part)
        if scale is not None:  # fold the factor into the coefficients: the head then scores plain rows
            self.estimator_.coef_ = self.estimator_.coef_ * scale[None, :]
        self.part_choice_, self.aux_choice_ = _light(self.part_choice_), _light(self.aux_choice_)
        self.cue_choice_ = None if self.cue_choice_ is None else _light(self.cue_choice_)
        correct = self.classes_[self.oof_proba_.argmax(1)] == y
        self.threshold_ = choose_threshold(self.oof_proba_[calibrate].max(1), correct[calibrate], self.target_accuracy)
        return self

    def _fit_calibrated(self, X, y, groups, sample_weight, calibrate, logits) -> None:
        """The shipped model, its temperature (on the calibration rows' out-of-fold ``logits``, computed if None)."""
        estimator = balanced_logistic(self.C)
        if logits is None:
            logits = oof_logits(estimator, X, y, groups, sample_weight, self.cv, self.random_state)
        truth = np.searchsorted(self.classes_, y)
        self.temperature_, _ = fit_temperature(logits[calibrate], truth[calibrate])
        self.oof_proba_ = softmax(logits / self.temperature_, axis=1)
        keep = slice(None) if sample_weight is None else sample_weight > 0
        with threadpool_limits(1):
            self.estimator_ = estimator.fit(X[keep], y[keep], sample_weight=None if sample_weight is None else sample_weight[keep])

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probabilities, one column per class of ``classes_``."""
        check_is_fitted(self, "estimator_")
        X = validate_data(self, X, accept_sparse="csr", dtype=(np.float64, np.float32), reset=False)
        return softmax(linear_logits(self.estimator_, X) / self.temperature_, axis=1)

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        return self.classes_[self.predict_proba(X).argmax(1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _light(choice: Choice) -> Choice:
    """The record kept on the fitted head: without the trial's out-of-fold logits."""
    return Choice(choice.chosen, choice.candidates, choice.scores)
