"""Statement features: a sentence embedding, weighted lexical n-grams and statement-type cues.

Three blocks are joined side by side, so one linear head learns from all of them:

- the **embedding** (default multilingual USE) carries meaning across languages;
- the **lexical** block (``lexical_weight`` × word 1–2-gram and character 3–5-gram
  TF-IDF, accents stripped) carries the cue words a layer or type is often signalled
  by ("lack of", "definir", "regulación"); Spanish and English share stems like
  ``regula`` or ``infraestructur``. With ``lexical_lemmas=True`` the word n-grams are
  taken over spaCy lookup lemmas instead of surface words;
- the **cue** block (``cue_weight`` × 8 binary features) is a small cross-lingual
  lexicon of how risks, benefits and strategies are phrased: problem words ("lack
  of", "falta de", "riesgo"), enabling verbs ("allow", "permite", "mejorar") and action
  verbs or modals ("define", "establecer", "should", "debe"), each both anywhere in
  the statement and as its first word, plus whether the statement opens with a bare
  verb (a Spanish infinitive, an English imperative). Words are matched after lookup
  lemmatisation, so "permiten" and "permitir" count alike. It mostly serves the
  ``type`` head.

Lemmas come from the ``lemma_lookup`` tables of ``spacy-lookups-data`` (the tables a blank
spaCy pipeline's ``lookup`` lemmatizer uses), read as plain dicts. spaCy is imported lazily, once per process, and each word's lemma is
memoised, so the lexical and cue path costs tens of microseconds per statement.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from smgov_nlp.coding.lexicon import CUE_FEATURES, cue_features, default_cue_lexicon
from smgov_nlp.embeddings.backends import MAX_CHARS
from smgov_nlp.embeddings.lexical import LexicalVectorizer
from smgov_nlp.embeddings.transformers import make_embedder
from smgov_nlp.specs import DEFAULT_EMBEDDER, EmbedderSpec
from smgov_nlp.text import as_texts

CUE_WEIGHT = 3.0  # the cue block's weight where it is used (what cue_weight="auto" turns on or off per head)


class StatementFeatures(TransformerMixin, BaseEstimator):
    """``embedder`` embedding + ``lexical_weight`` × TF-IDF + ``cue_weight`` × type cues (a weight of 0 drops a block).

    Defaults are those of :class:`~smgov_nlp.coding.classifier.StatementClassifier` (the configuration
    chosen on grouped cross-validation, with the cue block on). The columns are, in order: the
    embedding, then the :data:`CUE_FEATURES` (if ``cue_weight > 0``), then the lexical block (if
    ``lexical_weight > 0``; the result is then sparse).
    """

    def __init__(self, embedder: EmbedderSpec | str = DEFAULT_EMBEDDER, lexical_weight: float = 1.0,
                 cue_weight: float = CUE_WEIGHT, lexical_lemmas: bool = False, max_chars: int = MAX_CHARS):
        self.embedder = embedder
        self.lexical_weight = lexical_weight
        self.cue_weight = cue_weight
        self.lexical_lemmas = lexical_lemmas
        self.max_chars = max_chars

    def fit(self, X, y=None):
        texts = as_texts(X)
        self.embedder_ = make_embedder(self.embedder, max_chars=self.max_chars).fit(texts)
        self.lexical_ = None
        self.cue_lexicon_ = default_cue_lexicon() if self.cue_weight > 0 else None
        if self.lexical_weight > 0:
            self.lexical_ = LexicalVectorizer(lemmas=self.lexical_lemmas, max_chars=self.max_chars).fit(texts)
        return self

    def embed(self, X) -> np.ndarray:
        """The dense embedding block only (what nearest-example search uses)."""
        check_is_fitted(self, "embedder_")
        out = self.embedder_.transform(as_texts(X))
        return np.asarray(out.toarray() if sp.issparse(out) else out, dtype=np.float32)

    def transform(self, X, embeddings: np.ndarray | None = None):
        """The joined blocks; ``embeddings`` (rows of :meth:`embed`, computed if not given) is the dense block."""
        check_is_fitted(self, "embedder_")
        texts = as_texts(X)
        dense = self.embed(texts) if embeddings is None else np.asarray(embeddings, dtype=np.float32)
        blocks = [dense]
        if self.cue_weight > 0:
            blocks.append(cue_features(texts, self.max_chars, self.cue_lexicon_) * np.float32(self.cue_weight))
        if len(blocks) > 1:
            dense = np.hstack(blocks)
        if self.lexical_ is None:
            return dense
        return sp.hstack([sp.csr_matrix(dense), self.lexical_.transform(texts) * self.lexical_weight]).tocsr()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


__all__ = ["CUE_FEATURES", "CUE_WEIGHT", "StatementFeatures"]
