"""Average-linkage clustering of unit vectors cut at a cosine threshold.

Up to ``EXACT_LIMIT`` vectors the linkage is exact (scipy); above it a k-nearest-neighbour graph
from faiss (inverted-file index) feeds a sparse average linkage, so no n×n matrix is built.
Similarities are rounded before every comparison (:mod:`smgov_nlp.ties`), so float noise never
reorders merges or moves the cut.
"""

from __future__ import annotations

import heapq

import numpy as np
import pandas as pd

from smgov_nlp.embeddings.backends import available_cores
from smgov_nlp.ties import rounded

EXACT_LIMIT = 5000
NEIGHBOURS = 20


def cluster_vectors(vectors: np.ndarray, threshold: float, exact_limit: int = EXACT_LIMIT) -> np.ndarray:
    """Average-linkage clusters of unit ``vectors`` cut at cosine ``threshold``; labels 0..k-1 in row order."""
    n = len(vectors)
    if n == 0:
        return np.zeros(0, dtype=int)
    if n == 1:
        return np.zeros(1, dtype=int)
    if n <= exact_limit:
        from scipy.cluster.hierarchy import fcluster, linkage

        distances = _condensed_cosine_distance(vectors)
        tree = linkage(distances, method="average")
        labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    else:
        rows, cols, _ = _knn_edges(vectors, NEIGHBOURS)
        labels = sparse_average_linkage(vectors, rows, cols, threshold)
    return _relabel(labels)


def _condensed_cosine_distance(vectors: np.ndarray) -> np.ndarray:
    from scipy.spatial.distance import squareform

    sims = np.clip(rounded(vectors @ vectors.T), -1.0, 1.0)  # rounded: float noise cannot reorder merges
    distances = 1.0 - sims
    np.fill_diagonal(distances, 0.0)
    return squareform(np.maximum(distances, 0.0), checks=False)


def _knn_edges(vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Approximate k-nearest-neighbour edges (i < j, similarity) from a faiss inverted-file index."""
    import faiss

    n, dim = vectors.shape
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    n_lists = max(1, int(min(4 * np.sqrt(n), n // 39)))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, n_lists, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = 1234
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(available_cores())  # sized to this process's cores, then given back
    try:
        index.train(data)
        index.add(data)
        index.nprobe = min(n_lists, 16)
        sims, neighbours = index.search(data, k + 1)
    finally:
        faiss.omp_set_num_threads(previous)
    rows = np.repeat(np.arange(n), k + 1)
    cols, sims = neighbours.ravel(), sims.ravel()
    keep = (cols >= 0) & (cols != rows) & (sims > 0)
    i, j, s = rows[keep], cols[keep], sims[keep]
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    pairs = pd.DataFrame({"i": lo, "j": hi, "s": s}).drop_duplicates(["i", "j"])
    return pairs["i"].to_numpy(), pairs["j"].to_numpy(), pairs["s"].to_numpy(dtype=np.float64)


def sparse_average_linkage(vectors: np.ndarray, rows: np.ndarray, cols: np.ndarray, threshold: float) -> np.ndarray:
    """Average linkage where only neighbouring clusters may merge; returns a root id per row.

    The k-nearest-neighbour graph only proposes which clusters may merge; each proposed
    pair's average similarity is exact, from the clusters' summed unit vectors
    (``sum_a · sum_b / (|a| |b|)`` is the mean over all member pairs), so no n×n matrix is
    built and large ideas are not fragmented. The most similar proposed pair merges first
    while its average is at least ``threshold``; averages are rounded (:func:`~smgov_nlp.ties.rounded`)
    and ties break on the smaller cluster ids (rows in canonical text order), so the result is
    deterministic and unmoved by float noise.
    """
    n = len(vectors)
    sums = np.asarray(vectors, dtype=np.float64).copy()
    size = np.ones(n, dtype=np.int64)
    version = np.zeros(n, dtype=np.int64)  # bumped when a cluster grows: older heap entries are stale
    parent = np.arange(n)
    neighbours: list[set[int]] = [set() for _ in range(n)]
    for i, j in zip(rows.tolist(), cols.tolist()):
        neighbours[i].add(j)
        neighbours[j].add(i)
    initial = np.concatenate([np.einsum("ij,ij->i", sums[rows[k : k + 65536]], sums[cols[k : k + 65536]])
                              for k in range(0, len(rows), 65536)] or [np.zeros(0)])  # all sizes are 1; chunked
    initial = rounded(initial)
    threshold = float(rounded(threshold))
    ok = initial >= threshold
    # heap entries are (-similarity, pair, stamp): pair = a * n + b (a < b) orders ties like (a, b), and
    # stamp = version[a] * (n + 1) + version[b]; three small objects per entry keep a big heap compact
    pairs = rows[ok].astype(np.int64) * n + cols[ok]
    heap = [(-sim, pair, 0) for sim, pair in zip(initial[ok].tolist(), pairs.tolist())]
    heapq.heapify(heap)
    alive = np.ones(n, dtype=bool)
    while heap:
        _, pair, stamp = heapq.heappop(heap)
        a, b = divmod(pair, n)
        if not (alive[a] and alive[b]) or stamp != version[a] * (n + 1) + version[b]:
            continue  # a side merged away or grew since this entry was pushed
        keep, gone = (a, b) if len(neighbours[a]) >= len(neighbours[b]) else (b, a)
        alive[gone] = False
        parent[gone] = keep
        sums[keep] += sums[gone]
        size[keep] += size[gone]
        version[keep] += 1
        for other in neighbours[gone]:
            if other != keep:
                neighbours[other].discard(gone)
                neighbours[other].add(keep)
                neighbours[keep].add(other)
        neighbours[keep].discard(gone)
        neighbours[gone] = set()
        if not neighbours[keep]:
            continue
        others = np.fromiter(neighbours[keep], dtype=np.int64, count=len(neighbours[keep]))
        averages = rounded((sums[others] @ sums[keep]) / (size[others] * size[keep]))
        close = averages >= threshold
        for other, similarity in zip(others[close].tolist(), averages[close].tolist()):
            low, high = (keep, other) if keep < other else (other, keep)
            heapq.heappush(heap, (-similarity, low * n + high, int(version[low] * (n + 1) + version[high])))
    return _find_roots(parent)


def _find_roots(parent: np.ndarray) -> np.ndarray:
    roots = parent.copy()
    while True:
        nxt = roots[roots]
        if np.array_equal(nxt, roots):
            return roots
        roots = nxt


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Labels 0..k-1 in order of first appearance."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))
    return order[inverse]
