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

from smgov_nlp.coding.lexicon import (  # noqa: F401  (re-exported)
    CUE_FEATURES,
    CUE_WORDS,
    cue_features,
    default_cue_lexicon,
    lemma,
    lemmatize,
    strip_accents,
)
from smgov_nlp.embeddings.transformers import DEFAULT_EMBEDDER, MAX_CHARS, as_texts, make_embedder


class LexicalVectorizer(TransformerMixin, BaseEstimator):
    """L2-normalised word (1–2) + character (3–5, ``char_wb``) TF-IDF, accents stripped.

    With ``lemmas=True`` the word n-grams run over lookup lemmas (character n-grams stay on
    the surface text).
    """

    def __init__(self, lemmas: bool = False, max_features: int = 20000, max_chars: int = MAX_CHARS):
        self.lemmas = lemmas
        self.max_features = max_features
        self.max_chars = max_chars

    def _word_texts(self, texts: list[str]) -> list[str]:
        return [" ".join(lemmatize(t)) for t in texts] if self.lemmas else texts

    def fit(self, X, y=None):
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = [t[: self.max_chars] for t in as_texts(X)]
        self.word_ = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode",
                                     min_df=1, max_features=self.max_features).fit(self._word_texts(texts))
        self.char_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                     strip_accents="unicode", min_df=2, max_features=self.max_features).fit(texts)
        self.n_features_in_ = 1
        return self

    def transform(self, X):
        check_is_fitted(self, "word_")
        from sklearn.preprocessing import normalize

        texts = [t[: self.max_chars] for t in as_texts(X)]
        block = sp.hstack([self.word_.transform(self._word_texts(texts)), self.char_.transform(texts)]).tocsr()
        return normalize(block)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


class StatementFeatures(TransformerMixin, BaseEstimator):
    """``embedder`` embedding + ``lexical_weight`` × TF-IDF + ``cue_weight`` × type cues (a weight of 0 drops a block).

    Defaults are the configuration chosen on grouped cross-validation (see the module docstring).
    """

    def __init__(self, embedder: str = DEFAULT_EMBEDDER, lexical_weight: float = 1.5, cue_weight: float = 3.0,
                 lexical_lemmas: bool = False, max_chars: int = MAX_CHARS):
        self.embedder = embedder
        self.lexical_weight = lexical_weight
        self.cue_weight = cue_weight
        self.lexical_lemmas = lexical_lemmas
        self.max_chars = max_chars

    def fit(self, X, y=None, embeddings: np.ndarray | None = None):
        texts = as_texts(X)
        self.embedder_ = make_embedder(self.embedder, max_chars=self.max_chars).fit(texts)
        self.lexical_ = None
        self.cue_lexicon_ = default_cue_lexicon() if self.cue_weight > 0 else None
        if self.lexical_weight > 0:
            self.lexical_ = LexicalVectorizer(lemmas=self.lexical_lemmas, max_chars=self.max_chars).fit(texts)
        self.n_features_in_ = 1
        return self

    def embed(self, X) -> np.ndarray:
        """The dense embedding block only (what nearest-example search uses)."""
        check_is_fitted(self, "embedder_")
        out = self.embedder_.transform(as_texts(X))
        return np.asarray(out.toarray() if sp.issparse(out) else out, dtype=np.float32)

    def transform(self, X, embeddings: np.ndarray | None = None):
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
