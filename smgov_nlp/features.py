"""Statement features: a sentence embedding, optionally joined by weighted lexical n-grams.

The embedding carries meaning across languages; the lexical part carries the cue
words a layer or type is often signalled by ("lack of", "definir", "regulación"),
with accents stripped so Spanish and English share stems like ``regula`` or
``infraestructur``. The two blocks are joined side by side, so one linear head
learns from both.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted

from .embed import DEFAULT_EMBEDDER, _as_texts, make_embedder


class StatementFeatures(TransformerMixin, BaseEstimator):
    """Embedding of ``embedder`` plus ``lexical_weight`` × char/word TF-IDF (0 turns it off)."""

    def __init__(self, embedder: str = DEFAULT_EMBEDDER, lexical_weight: float = 0.0, max_chars: int = 2000):
        self.embedder = embedder
        self.lexical_weight = lexical_weight
        self.max_chars = max_chars

    def fit(self, X, y=None, embeddings: np.ndarray | None = None):
        texts = _as_texts(X)
        self.embedder_ = make_embedder(self.embedder, max_chars=self.max_chars).fit(texts)
        if self.lexical_weight > 0:
            self.lexical_ = clone(make_embedder("tfidf", max_chars=self.max_chars)).fit(texts)
        self.n_features_in_ = 1
        return self

    def embed(self, X) -> np.ndarray:
        """The dense embedding block only (what nearest-example search uses)."""
        check_is_fitted(self, "embedder_")
        return np.asarray(self.embedder_.transform(_as_texts(X)), dtype=np.float32)

    def transform(self, X, embeddings: np.ndarray | None = None):
        check_is_fitted(self, "embedder_")
        texts = _as_texts(X)
        dense = self.embed(texts) if embeddings is None else embeddings
        if self.lexical_weight <= 0:
            return dense
        return sp.hstack([sp.csr_matrix(dense), self.lexical_.transform(texts) * self.lexical_weight]).tocsr()
