"""The two-head statement classifier: framework layer and statement type.

:class:`StatementClassifier` is a thin wrapper: it builds :class:`~smgov_nlp.coding.features.StatementFeatures`
from the texts and fits one :class:`~smgov_nlp.coding.head.CalibratedHead` (a scikit-learn classifier
on the numeric feature matrix) per head of :data:`smgov_nlp.labels.HEADS`. A head is trained on the
rows labelled for it. For every prediction the nearest hand-coded examples are returned as its
reason (by :class:`~smgov_nlp.model.folder.Model`).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from smgov_nlp.coding.calibration import choose_threshold, grouped_splits  # noqa: F401  (public names of the classifier)
from smgov_nlp.coding.choices import AUX_WEIGHTS, PART_WEIGHTS  # noqa: F401
from smgov_nlp.coding.features import CUE_FEATURES, CUE_WEIGHT, StatementFeatures
from smgov_nlp.coding.head import CalibratedHead
from smgov_nlp.coding.runtime import align_columns
from smgov_nlp.labels import HEADS
from smgov_nlp.specs import DEFAULT_EMBEDDER, EmbedderSpec
from smgov_nlp.text import as_texts

log = logging.getLogger(__name__)

CUE_AUTO_WEIGHT = CUE_WEIGHT  # the cue block's weight when cue_weight="auto" turns it on for a head


def first_part_width(embedder, texts: list[str]) -> int | None:
    """Columns of the first part of a fitted multi-part (``a+b``) embedder; None for a single encoder."""
    parts = getattr(embedder, "embedders_", None)
    if not parts or len(parts) < 2:
        return None
    return int(parts[0].transform(texts[:1]).shape[1])


class StatementClassifier(BaseEstimator):
    """Predict ``layer`` and ``type`` for statements, with calibrated confidence.

    Parameters are stored as given (``clone``-safe); everything learned ends in ``_``.
    ``fit`` takes the texts, a frame with ``layer`` and ``type`` columns, and the idea
    ``groups`` used to keep paraphrases of one idea on one side of every split.

    ``aux_weight`` is the training weight of the auxiliary rows (those outside
    ``calibration_mask``: paraphrases, prose, definitions) relative to the hand-coded ones;
    ``"auto"`` chooses it per head from :data:`AUX_WEIGHTS` (see :mod:`smgov_nlp.coding.choices`).
    ``cue_weight="auto"`` decides per head whether the statement-type cue block (weight
    :data:`CUE_AUTO_WEIGHT`) is used; a head without it sees those columns as zeros, so its
    coefficients there are 0 and scoring needs no special case.
    ``part_weight`` applies to a multi-part embedder such as ``"use+e5"``: every part after the
    first is multiplied by it before the head is fitted (on top of any weight in the name);
    ``"auto"`` chooses it per head from :data:`PART_WEIGHTS` and keeps a weight the name already
    sets (``"use+e5*3"`` stays 3; a number still multiplies it). The factor is folded into the
    fitted head's coefficients, so the model scores the embedder's plain vectors.

    The choices per head are read from ``aux_weights_``/``aux_selection_``, ``cue_used_``/``cue_selection_``
    and ``part_weights_``/``part_selection_`` (scores: mean log-likelihood per row, higher is better).
    """

    def __init__(self, embedder: EmbedderSpec | str = DEFAULT_EMBEDDER, lexical_weight: float = 1.0,
                 cue_weight: float | str = "auto", C: float = 4.0, cv: int = 5, target_accuracy: float = 0.95,
                 random_state: int = 0, aux_weight: float | str = "auto", part_weight: float | str = "auto"):
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
        """Fit both heads. ``y`` has a column per head (``""``: not labelled for that head).

        ``calibration_mask`` marks the rows like those the model will score (the hand-coded ideas,
        not paraphrases or definitions): temperatures and thresholds come from their grouped
        out-of-fold predictions only, since easy auxiliary rows would make the model look surer
        than it is. ``selection_mask`` marks auxiliary rows of a second kind of text the model must
        also serve (formal prose): the ``"auto"`` choices then maximise the mean of the out-of-fold
        log-likelihood on the calibration rows and on these rows. ``embeddings`` are the dense block
        (computed from the texts if not given)."""
        texts = as_texts(X)
        spec = EmbedderSpec.parse(self.embedder)
        n = len(texts)
        calibration_mask = np.ones(n, dtype=bool) if calibration_mask is None else np.asarray(calibration_mask, dtype=bool)
        selection_mask = np.zeros(n, dtype=bool) if selection_mask is None else np.asarray(selection_mask, dtype=bool)
        y = pd.DataFrame(y).reset_index(drop=True)
        groups = np.asarray(groups if groups is not None else np.arange(n))
        cue_auto = self.cue_weight == "auto"
        self.features_ = StatementFeatures(embedder=spec, lexical_weight=self.lexical_weight,
                                           cue_weight=CUE_AUTO_WEIGHT if cue_auto else float(self.cue_weight)).fit(texts)
        dense = self.features_.embed(texts) if embeddings is None else embeddings
        features = self.features_.transform(texts, embeddings=dense)
        width = first_part_width(self.features_.embedder_, texts)
        keep_named = self.part_weight == "auto" and spec.is_weighted  # a weight named in the embedder is kept
        self.heads_: dict[str, CalibratedHead] = {}
        for head in HEADS:
            target = y[head].fillna("").to_numpy()
            labelled = target != ""
            model = CalibratedHead(
                C=self.C, cv=self.cv, random_state=self.random_state, target_accuracy=self.target_accuracy,
                aux_weight=self.aux_weight,
                cue_columns=(dense.shape[1], dense.shape[1] + len(CUE_FEATURES)) if cue_auto else None,
                part_weight=1.0 if keep_named else self.part_weight,
                part_columns=None if width is None else (width, dense.shape[1]))
            self.heads_[head] = model.fit(
                features[labelled], target[labelled], groups=groups[labelled],
                sample_weight=None if sample_weight is None else np.asarray(sample_weight, float)[labelled],
                calibration_mask=calibration_mask[labelled], selection_mask=selection_mask[labelled])
        return self

    # --- what was learned, per head -------------------------------------------------------------

    @property
    def thresholds_(self) -> dict[str, float]:
        """Per head, the lowest confidence at which out-of-fold predictions reach ``target_accuracy``."""
        return {head: model.threshold_ for head, model in self.heads_.items()}

    @property
    def oof_(self) -> dict[str, np.ndarray]:
        """Per head, calibrated out-of-fold probabilities of its labelled rows, columns in ``labels.HEADS`` order."""
        return {head: align_columns(model.oof_proba_, model.classes_, HEADS[head]) for head, model in self.heads_.items()}

    @property
    def aux_weights_(self) -> dict[str, float]:
        return {head: model.aux_choice_.chosen for head, model in self.heads_.items()}

    @property
    def aux_selection_(self) -> dict[str, dict]:
        return {head: dict(model.aux_choice_.scores) for head, model in self.heads_.items()}

    @property
    def cue_used_(self) -> dict[str, bool]:
        return {head: (model.cue_choice_.chosen == "on" if model.cue_choice_ is not None
                       else self.cue_weight != "auto" and float(self.cue_weight) > 0)
                for head, model in self.heads_.items()}

    @property
    def cue_selection_(self) -> dict[str, dict]:
        return {head: dict(model.cue_choice_.scores) for head, model in self.heads_.items()
                if model.cue_choice_ is not None}

    @property
    def part_weights_(self) -> dict[str, float]:
        return {head: model.part_choice_.chosen for head, model in self.heads_.items()}

    @property
    def part_selection_(self) -> dict[str, dict]:
        return {head: dict(model.part_choice_.scores) for head, model in self.heads_.items()}

    # --- predicting ----------------------------------------------------------------------------

    def embed(self, X) -> np.ndarray:
        """The sentence embeddings the heads (and nearest-example search) use."""
        check_is_fitted(self, "features_")
        return self.features_.embed(X)

    def predict_proba(self, X, embeddings: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Calibrated probabilities per head, columns in the order of ``labels.HEADS`` (a convenience over the heads)."""
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
