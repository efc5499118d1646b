"""The lexical embedder's vectorizer: word and character n-gram TF-IDF, accents stripped.

It is both the ``tfidf`` embedder (:class:`smgov_nlp.embeddings.transformers.TfidfEmbedder`) and
the classifier's lexical block (:class:`smgov_nlp.coding.features.StatementFeatures`). The
scoring form of a trained model rebuilds it from its vocabulary without scikit-learn
(:class:`smgov_nlp.coding.runtime.TfidfTable`).
"""

from __future__ import annotations

import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from smgov_nlp.coding.lexicon import lemmatize
from smgov_nlp.embeddings.backends import MAX_CHARS
from smgov_nlp.text import as_texts


class LexicalVectorizer(TransformerMixin, BaseEstimator):
    """L2-normalised word (1–2) + character (3–5, ``char_wb``) TF-IDF, accents stripped.

    With ``lemmas=True`` the word n-grams run over lookup lemmas (character n-grams stay on
    the surface text). Statements are cut at ``max_chars`` first.
    """

    def __init__(self, lemmas: bool = False, max_features: int = 20000, max_chars: int = MAX_CHARS):
        self.lemmas = lemmas
        self.max_features = max_features
        self.max_chars = max_chars

    def _word_texts(self, texts: list[str]) -> list[str]:
        return [" ".join(lemmatize(t)) for t in texts] if self.lemmas else texts

    def fit(self, X, y=None):
        texts = [t[: self.max_chars] for t in as_texts(X)]
        self.word_ = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode",
                                     min_df=1, max_features=self.max_features).fit(self._word_texts(texts))
        self.char_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                     strip_accents="unicode", min_df=2, max_features=self.max_features).fit(texts)
        return self

    def transform(self, X):
        check_is_fitted(self, "word_")
        texts = [t[: self.max_chars] for t in as_texts(X)]
        block = sp.hstack([self.word_.transform(self._word_texts(texts)), self.char_.transform(texts)]).tocsr()
        return normalize(block)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
