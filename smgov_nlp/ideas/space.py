"""The idea space: a linear metric in which paraphrases of one idea, in either language, lie close.

Linear discriminant analysis with the idea as the class, learned on the labeled corpus where
every idea comes with its Spanish version and several paraphrases, projects sentence embeddings
onto the directions that separate ideas, not languages or wording.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from smgov_nlp.embeddings.backends import encode
from smgov_nlp.ideas.vectors import unit
from smgov_nlp.specs import EmbedderSpec


class IdeaSpace(TransformerMixin, BaseEstimator):
    """Project sentence embeddings onto directions that separate ideas (LDA with ideas as classes).

    ``embedder`` is the :class:`~smgov_nlp.specs.EmbedderSpec` (or name) of the dense encoders the
    space is learned on, each part's weight scaling its block before they are joined (``use+e5*3``);
    ``None``: whatever embeddings the caller passes, as in models trained before it existed.
    :meth:`embed` produces that input from texts. The LDA's shrinkage pulls towards the
    identity, so the scale of a block is how much it counts.
    """

    def __init__(self, n_components: int = 64, shrinkage: float = 0.3, embedder: EmbedderSpec | str | None = None):
        self.n_components = n_components
        self.shrinkage = shrinkage
        self.embedder = embedder

    def __setstate__(self, state: dict) -> None:
        """A space saved before :class:`EmbedderSpec` kept its weights apart: ``("use+e5", weights=(1, 3))``."""
        weights = tuple(state.pop("weights", ()))
        if state.get("embedder") is not None and weights:
            spec = EmbedderSpec.parse(state["embedder"])
            weights += (1.0,) * (len(spec) - len(weights))
            state["embedder"] = spec.with_weights(p.weight * w for p, w in zip(spec.parts, weights))
        super().__setstate__(state)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """The (weighted, joined) sentence embeddings of ``texts`` this space projects; cached on disk."""
        return encode(EmbedderSpec.parse(self.embedder), list(texts))  # refuses a part that is not a dense encoder

    def fit(self, X, y):
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

        y = np.asarray(y)
        ideas, counts = np.unique(y, return_counts=True)
        keep = np.isin(y, ideas[counts > 1])  # an idea seen once says nothing about paraphrase
        n_components = min(self.n_components, int((counts > 1).sum()) - 1, X.shape[1])
        lda = LinearDiscriminantAnalysis(solver="eigen", shrinkage=self.shrinkage, n_components=n_components)
        lda.fit(np.asarray(X)[keep], y[keep])
        # The eigen solver's transform is X @ scalings_[:, :k]; keeping only that matrix (not the
        # LDA's covariance and class means) keeps the model folder small.
        self.projection_ = np.ascontiguousarray(lda.scalings_[:, :n_components], dtype=np.float32)
        self.ideas_ = lda.classes_
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        if hasattr(self, "lda_"):  # a space saved before projection_ existed
            return unit(self.lda_.transform(np.asarray(X, dtype=np.float64)).astype(np.float32))
        check_is_fitted(self, "projection_")
        return unit(np.asarray(X, dtype=np.float32) @ self.projection_)
