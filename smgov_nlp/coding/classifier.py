"""The two-head statement classifier: framework layer and statement type.

Each head is a class-balanced logistic regression on :class:`StatementFeatures`,
calibrated by temperature scaling fitted on grouped out-of-fold logits, so the
ideas the temperature is fitted on are never ones its model was trained on.
Temperature scaling keeps the ranking of classes and needs one parameter, which
suits a few hundred hand-coded ideas.
Each head also gets a confidence threshold, chosen on grouped out-of-fold
predictions as the lowest confidence at which the accepted statements reach
``target_accuracy``. Below it a statement is flagged ``needs_review``.
For every prediction the nearest hand-coded examples are returned as its reason.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold
from sklearn.utils.validation import check_is_fitted

from smgov_nlp.coding.features import CUE_FEATURES, StatementFeatures
from smgov_nlp.coding.runtime import align_columns, log_likelihood, softmax
from smgov_nlp.embeddings.transformers import DEFAULT_EMBEDDER, as_texts
from smgov_nlp.labels import HEADS

log = logging.getLogger(__name__)


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


class CalibratedHead(ClassifierMixin, BaseEstimator):
    """Class-balanced logistic regression with a temperature fitted on grouped out-of-fold logits.

    After ``fit``, ``oof_proba_`` holds the calibrated out-of-fold probabilities (rows as given),
    which is what thresholds and honest training-time figures are computed from.
    """

    def __init__(self, C: float = 4.0, cv: int = 5, random_state: int = 0):
        self.C = C
        self.cv = cv
        self.random_state = random_state

    def _base(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000)

    def oof_logits(self, X, y, groups=None, sample_weight=None) -> np.ndarray:
        """Grouped out-of-fold logits (columns: ``np.unique(y)``); rows of weight 0 are never trained on.

        The folds depend only on ``y``, ``groups``, ``cv`` and ``random_state``, so logits for
        different ``sample_weight`` are computed on the same splits and can be compared.
        """
        from threadpoolctl import threadpool_limits

        y = np.asarray(y)
        groups = np.arange(len(y)) if groups is None else np.asarray(groups)
        classes = np.unique(y)
        logits = np.zeros((len(y), len(classes)))
        with threadpool_limits(1):  # small dense fits: extra BLAS threads only contend
            for train, test in grouped_splits(y, groups, self.cv, self.random_state):
                if sample_weight is not None:
                    train = train[sample_weight[train] > 0]
                model = clone(self._base()).fit(X[train], y[train],
                                                sample_weight=None if sample_weight is None else sample_weight[train])
                logits[test] = align_columns(_logits(model, X[test]), model.classes_, classes)
        return logits

    def fit(self, X, y, groups=None, sample_weight=None, calibration_mask=None, oof_logits=None):
        """``calibration_mask`` picks the rows the temperature is fitted on (default: all).

        Rows with ``sample_weight`` 0 are left out of every fit (they still get out-of-fold
        predictions). ``oof_logits`` reuses logits already computed by :meth:`oof_logits`.
        """
        from threadpoolctl import threadpool_limits

        y = np.asarray(y)
        mask = np.ones(len(y), dtype=bool) if calibration_mask is None else np.asarray(calibration_mask, dtype=bool)
        self.classes_ = np.unique(y)
        logits = self.oof_logits(X, y, groups, sample_weight) if oof_logits is None else oof_logits
        truth = np.searchsorted(self.classes_, y)
        self.temperature_, _ = fit_temperature(logits[mask], truth[mask])
        self.oof_proba_ = softmax(logits / self.temperature_, axis=1)
        keep = slice(None) if sample_weight is None else sample_weight > 0
        with threadpool_limits(1):
            self.estimator_ = self._base().fit(X[keep], y[keep],
                                               sample_weight=None if sample_weight is None else sample_weight[keep])
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        return softmax(_logits(self.estimator_, X) / self.temperature_, axis=1)

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(1)]


def _candidate(X, aux_weight, model, y, groups, base, calibrate, judged, truth, choosing):
    """(score, weights, out-of-fold logits) of one training choice.

    The score is the mean over the ``judged`` row sets of each set's out-of-fold log-likelihood
    per row, after temperature scaling on the calibration rows (as the shipped head is scaled).
    """
    weights = np.where(calibrate, base, base * aux_weight)
    if not choosing:
        return None, weights, None
    logits = model.oof_logits(X, y, groups, weights)
    temperature, _ = fit_temperature(logits[calibrate], truth[calibrate])
    scores = [log_likelihood(logits[rows] / temperature, truth[rows]) for rows in judged]
    return float(np.mean(scores)), weights, logits


def fit_temperature(logits: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """The temperature minimising the mean negative log-likelihood of ``truth`` (column indices), and that NLL."""
    from scipy.optimize import minimize_scalar

    def nll(log_t: float) -> float:
        return -log_likelihood(logits / np.exp(log_t), truth)

    found = minimize_scalar(nll, bounds=(-3, 3), method="bounded")
    return float(np.exp(found.x)), float(found.fun)


def _logits(model: LogisticRegression, X) -> np.ndarray:
    scores = model.decision_function(X)
    return np.column_stack([-scores, scores]) / 2 if scores.ndim == 1 else scores


AUX_WEIGHTS = (1.0, 0.3, 0.0)  # candidates for aux_weight="auto", ties go to the first
CUE_AUTO_WEIGHT = 3.0  # the cue block's weight when cue_weight="auto" turns it on for a head
PART_WEIGHTS = (1.0, 2.0, 3.0)  # candidates for part_weight="auto" (multi-part embedders only), ties go to the first


def _first_part_width(embedder, texts: list[str]) -> int | None:
    """Columns of the first part of a multi-part (``a+b``) embedder; None for a single encoder."""
    parts = getattr(embedder, "embedders_", None)
    if not parts or len(parts) < 2:
        return None
    return int(parts[0].transform(texts[:1]).shape[1])


def _names_a_weight(embedder) -> bool:
    """Whether the embedder's name weights a part itself (``use+e5*3``)."""
    return any(float(w) != 1.0 for w in getattr(embedder, "weights", ()))


def _scale_columns(X, scale: np.ndarray | None):
    """``X`` with each column multiplied by ``scale`` (None: unchanged); keeps sparse input sparse."""
    if scale is None:
        return X
    return X.multiply(scale).tocsr() if hasattr(X, "multiply") else X * scale


class StatementClassifier(BaseEstimator):
    """Predict ``layer`` and ``type`` for statements, with calibrated confidence.

    Parameters are stored as given (``clone``-safe); everything learned ends in ``_``.
    ``fit`` takes the texts, a frame with ``layer`` and ``type`` columns, and the idea
    ``groups`` used to keep paraphrases of one idea on one side of every split.

    ``aux_weight`` is the training weight of the auxiliary rows (those outside
    ``calibration_mask``: paraphrases, prose, definitions) relative to the hand-coded ones.
    ``"auto"`` chooses it for each head from :data:`AUX_WEIGHTS` by the grouped out-of-fold
    log-likelihood (after temperature scaling) of the hand-coded rows, inside ``fit``: the
    choice is part of training, so a cross-validation that refits the classifier in each fold
    measures it honestly (nested). Log-likelihood rather than macro-F1, because on a few
    hundred rows it is far less noisy, so the choice is stable from fold to fold.
    The choice and the scores behind it (mean log-likelihood per row, higher is better) are
    kept in ``aux_weights_`` and ``aux_selection_``.

    ``cue_weight="auto"`` likewise decides per head, by the same criterion and at the chosen
    auxiliary weight, whether the statement-type cue block (weight :data:`CUE_AUTO_WEIGHT`)
    is used (``cue_used_``, scores in ``cue_selection_``). A head without it sees those
    columns as zeros, so its coefficients there are 0 and scoring needs no special case.

    ``part_weight`` applies to a multi-part embedder such as ``"use+e5"``: every part after the
    first is multiplied by it before the head is fitted (on top of any weight in the name), so
    the regularised head leans more on those parts. ``"auto"`` chooses it per head from
    :data:`PART_WEIGHTS`, first of all the choices and by the same criterion, with the first
    auxiliary weight and (when ``cue_weight="auto"``) without the cue block (``part_weights_``,
    scores in ``part_selection_``). The factor is folded into the fitted head's coefficients, so the
    model scores the embedder's plain vectors and its export needs no special case. For a
    single encoder it does nothing, and ``"auto"`` keeps a weight the name already sets
    (``"use+e5*3"`` stays 3; a number still multiplies it).
    """

    def __init__(self, embedder: str = DEFAULT_EMBEDDER, lexical_weight: float = 1.0, cue_weight: float | str = "auto",
                 C: float = 4.0, cv: int = 5, target_accuracy: float = 0.95, random_state: int = 0,
                 aux_weight: float | str = "auto", part_weight: float | str = "auto"):
        self.embedder = embedder
        self.part_weight = part_weight
        self.lexical_weight = lexical_weight
        self.cue_weight = cue_weight
        self.aux_weight = aux_weight
        self.C = C
        self.cv = cv
        self.target_accuracy = target_accuracy
        self.random_state = random_state

    def fit(self, X, y: pd.DataFrame, groups=None, sample_weight=None, embeddings: np.ndarray | None = None,
            calibration_mask=None, selection_mask=None):
        """Fit both heads. ``calibration_mask`` marks the rows like those the model will score
        (the hand-coded ideas, not paraphrases or definitions): temperatures and thresholds come
        from their grouped out-of-fold predictions only, since easy auxiliary rows would make
        the model look surer than it is.

        ``selection_mask`` marks auxiliary rows of a second kind of text the model must also
        serve (formal prose). When given, the ``"auto"`` choices maximise the mean of the
        out-of-fold log-likelihood on the calibration rows and on these rows, so a choice that
        fits terse table items at the expense of long formal statements is not taken."""
        texts = as_texts(X)
        calibration_mask = (np.ones(len(texts), dtype=bool) if calibration_mask is None
                            else np.asarray(calibration_mask, dtype=bool))
        selection_mask = (np.zeros(len(texts), dtype=bool) if selection_mask is None
                          else np.asarray(selection_mask, dtype=bool) & ~calibration_mask)
        y = pd.DataFrame(y).reset_index(drop=True)
        groups = np.asarray(groups if groups is not None else np.arange(len(texts)))
        cue_auto = self.cue_weight == "auto"
        self.features_ = StatementFeatures(embedder=self.embedder, lexical_weight=self.lexical_weight,
                                           cue_weight=CUE_AUTO_WEIGHT if cue_auto else float(self.cue_weight)).fit(texts)
        dense = self.features_.embed(texts) if embeddings is None else embeddings
        features = self.features_.transform(texts, embeddings=dense)
        variants = {"fixed": features}
        if cue_auto:
            keep = np.ones(features.shape[1])
            keep[dense.shape[1] : dense.shape[1] + len(CUE_FEATURES)] = 0.0
            no_cue = features.multiply(keep).tocsr() if hasattr(features, "multiply") else features * keep
            variants = {"off": no_cue, "on": features}
        width = _first_part_width(self.features_.embedder_, texts)
        if self.part_weight == "auto":  # a weight named in the embedder (use+e5*3) is kept as named
            part_candidates = (1.0,) if width is None or _names_a_weight(self.features_.embedder_) else PART_WEIGHTS
        else:
            part_candidates = (1.0,) if width is None else (float(self.part_weight),)

        def part_scale(weight: float) -> np.ndarray | None:
            if weight == 1.0:
                return None
            scale = np.ones(features.shape[1])
            scale[width : dense.shape[1]] = weight
            return scale
        self.heads_: dict[str, CalibratedHead] = {}
        self.thresholds_: dict[str, float] = {}
        self.oof_: dict[str, np.ndarray] = {}
        self.aux_weights_: dict[str, float] = {}
        self.aux_selection_: dict[str, dict[float, float | None]] = {}
        self.cue_used_: dict[str, bool] = {}
        self.cue_selection_: dict[str, dict[str, float]] = {}
        self.part_weights_: dict[str, float] = {}
        self.part_selection_: dict[str, dict[float, float]] = {}
        for head, classes in HEADS.items():
            target = y[head].fillna("").to_numpy()
            labelled = target != ""
            base = np.ones(labelled.sum()) if sample_weight is None else np.asarray(sample_weight, float)[labelled]
            model = CalibratedHead(C=self.C, cv=self.cv, random_state=self.random_state)
            calibrate = calibration_mask[labelled]
            y_head, g_head = target[labelled], groups[labelled]
            judged = [m for m in (calibrate, selection_mask[labelled]) if m.any()]
            truth = np.searchsorted(np.unique(y_head), y_head)
            first = next(iter(variants))
            candidates = AUX_WEIGHTS if self.aux_weight == "auto" else (float(self.aux_weight),)
            if calibrate.all():  # no auxiliary rows: nothing to weigh
                candidates = candidates[:1]
            choosing = len(candidates) > 1 or len(variants) > 1 or len(part_candidates) > 1
            context = (model, y_head, g_head, base, calibrate, judged, truth, choosing)
            by_part = {p: _candidate(_scale_columns(variants[first], part_scale(p))[labelled], candidates[0], *context)
                       for p in part_candidates} if len(part_candidates) > 1 else {}
            part = max(by_part, key=lambda p: by_part[p][0]) if by_part else part_candidates[0]
            self.part_weights_[head] = part
            self.part_selection_[head] = {p: round(v, 4) for p, (v, _, _) in by_part.items()}
            scale = part_scale(part)
            head_variants = {name: _scale_columns(matrix, scale) for name, matrix in variants.items()}
            scored = {w: by_part[part] if (by_part and w == candidates[0]) else
                      _candidate(head_variants[first][labelled], w, *context) for w in candidates}
            best = max(scored, key=lambda w: -np.inf if scored[w][0] is None else scored[w][0])
            self.aux_weights_[head] = best
            self.aux_selection_[head] = {w: (None if v is None else round(v, 4)) for w, (v, _, _) in scored.items()}
            chosen, (_, weights, logits) = first, scored[best]
            if cue_auto:
                on = _candidate(head_variants["on"][labelled], best, *context)
                self.cue_selection_[head] = {"off": round(scored[best][0], 4), "on": round(on[0], 4)}
                if on[0] > scored[best][0]:
                    chosen, (_, weights, logits) = "on", on
            self.cue_used_[head] = chosen == "on" or (not cue_auto and float(self.cue_weight) > 0)
            model.fit(head_variants[chosen][labelled], y_head, groups=g_head,
                      sample_weight=None if sample_weight is None and best == 1.0 else weights,
                      calibration_mask=calibrate, oof_logits=logits)
            if scale is not None:  # fold the factor into the coefficients: the head then scores plain vectors
                model.estimator_.coef_ = model.estimator_.coef_ * scale[None, :]
            self.heads_[head] = model
            self.oof_[head] = align_columns(model.oof_proba_, model.classes_, classes)
            correct = np.asarray(classes)[self.oof_[head].argmax(1)] == target[labelled]
            self.thresholds_[head] = choose_threshold(self.oof_[head][calibrate].max(1), correct[calibrate],
                                                      self.target_accuracy)
        self.n_features_in_ = 1
        return self

    def embed(self, X) -> np.ndarray:
        """The sentence embeddings the heads (and nearest-example search) use."""
        check_is_fitted(self, "features_")
        return self.features_.embed(X)

    def predict_proba(self, X, embeddings: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Calibrated probabilities per head, columns in the order of ``labels.HEADS``."""
        check_is_fitted(self, "heads_")
        features = self.features_.transform(as_texts(X), embeddings=embeddings)
        return {head: align_columns(model.predict_proba(features), model.classes_, HEADS[head])
                for head, model in self.heads_.items()}

    def predict(self, X, embeddings: np.ndarray | None = None) -> pd.DataFrame:
        """A frame with ``layer``, ``layer_confidence``, ``type``, ``type_confidence``."""
        proba = self.predict_proba(X, embeddings=embeddings)
        out = {}
        for head, p in proba.items():
            out[head] = np.asarray(HEADS[head])[p.argmax(1)]
            out[f"{head}_confidence"] = p.max(1)
        return pd.DataFrame(out)
