"""``smgov cluster`` and ``smgov precode`` with ``--scheduler``: the sentence encoders run on the workers.

Before the local workflow runs, :func:`embed_ahead` finds the statements whose USE and e5 vectors are not in
the client's embedding cache yet, has the workers encode them in partitions (no cache on the workers: the
vectors travel back), and puts them into the client's local cache. The workflow then runs exactly as without
``--scheduler`` and finds every vector in the cache, so the grouping (the linkage, which needs all vectors,
stays on the client) is the local one. The vectors are the same because both sides round them to float16
(:func:`smgov_nlp.embeddings.backends.encode_cached`) and compute them with the same encoder version (the
cache namespace, which names it, must match).

With the cache turned off (``SMGOV_CACHE_DIR=off``), :func:`job_cache` keeps the vectors in a temporary
cache for the job's duration.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from smgov_nlp.distributed.score import ordered_map
from smgov_nlp.distributed.worker import run_exclusive
from smgov_nlp.embeddings import backends
from smgov_nlp.embeddings.cache import EmbeddingCache, text_key
from smgov_nlp.errors import SmgovError
from smgov_nlp.model.folder import Model
from smgov_nlp.specs import EmbedderSpec

PARTITION = 1000  # statements per task: ~10 s of e5 on one thread, small enough to spread and to retry
NAMESPACES: dict[str, Callable[[], str]] = {"use": backends.use_namespace, "e5": backends.e5_namespace}


def encoders_of(model: Model) -> list[str]:
    """The dense encoders (``use``, ``e5``) the model's classifier and idea space run, in a fixed order."""
    specs = [model.config.get("embedder")]
    space = model.idea_space
    if getattr(space, "embedder", None):
        specs.append(space.embedder)
    names: list[str] = []
    for spec in specs:
        if spec:
            names += [p.name for p in EmbedderSpec.parse(spec).parts if p.name in NAMESPACES]
    return [name for name in NAMESPACES if name in names]


def encode_partition(texts: list[str], name: str) -> tuple[str, np.ndarray]:
    """Run on a worker: the namespace and float16 vectors of ``texts`` under encoder ``name`` (not cached there)."""
    def work():
        if name == "use":
            vectors = backends.encode_cached(texts, lambda t: backends.load_use().encode(t), backends.use_namespace,
                                             backends.USE_DIM, cache=False)
        else:
            vectors = backends.encode_cached(texts, backends.e5_encode, backends.e5_namespace, backends.E5_DIM,
                                             cache=False)
        return NAMESPACES[name](), vectors.astype(np.float16)

    return run_exclusive(work)


def embed_ahead(client, model: Model, texts: Sequence[str], advance: Callable[[int], None] | None = None,
                partition: int = PARTITION) -> dict[str, int]:
    """Encode on the workers what the client's cache lacks for ``texts``; returns the count encoded per encoder."""
    store = EmbeddingCache.default()
    if store is None:
        raise SmgovError("--scheduler needs the embedding cache, and SMGOV_CACHE_DIR is off",
                         "run inside job_cache(), or set SMGOV_CACHE_DIR to a folder")
    unique = list(dict.fromkeys(str(t)[: backends.MAX_CHARS] for t in texts if str(t).strip()))
    done = {}
    for name in encoders_of(model):
        namespace = NAMESPACES[name]()
        keys = [text_key(namespace, t) for t in unique]
        found = store.get_many(keys)
        missing = [t for t, k in zip(unique, keys) if k not in found]
        parts = [missing[i : i + partition] for i in range(0, len(missing), partition)]
        for part, (theirs, vectors) in zip(parts, ordered_map(client, encode_partition, parts, name)):
            if theirs != namespace:
                raise SmgovError(f"a worker encodes with {theirs}, the client with {namespace}",
                                 "install the same encoder versions on every worker (pip install 'smgov-nlp[dask]')")
            store.put_many([text_key(namespace, t) for t in part], vectors)
            if advance is not None:
                advance(len(part))
        done[name] = len(missing)
    return done


def ahead_on(client, report: Callable[[str], None] | None = None) -> Callable[[Model, Sequence[str]], dict]:
    """An ``embed_ahead(model, texts)`` hook for the cluster and precode workflows, encoding on ``client``'s workers;
    ``report`` gets one line saying how many statements each encoder ran on the workers."""
    def hook(model: Model, texts: Sequence[str]) -> dict:
        done = embed_ahead(client, model, texts)
        if report is not None:
            report("encoded on the workers: " + ", ".join(f"{n} {name}" for name, n in done.items()))
        return done

    return hook


@contextlib.contextmanager
def job_cache() -> Iterator[None]:
    """The embedding cache the job fills: the usual one, or a temporary one while ``SMGOV_CACHE_DIR`` is off."""
    if EmbeddingCache.default() is not None:
        yield
        return
    before = os.environ.get("SMGOV_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix="smgov-cache-") as tmp:
        os.environ["SMGOV_CACHE_DIR"] = tmp
        try:
            yield
        finally:
            cache = EmbeddingCache.default()
            if cache is not None:
                cache.close()
            if before is None:
                os.environ.pop("SMGOV_CACHE_DIR", None)
            else:
                os.environ["SMGOV_CACHE_DIR"] = before
