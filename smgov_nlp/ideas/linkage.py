"""Average-linkage clustering of unit vectors cut at a cosine threshold, with a guard on every merge.

Up to ``EXACT_LIMIT`` vectors the linkage is exact (scipy); above it a k-nearest-neighbour graph
from faiss (inverted-file index) feeds a sparse average linkage, so no n×n matrix is built.
Similarities are rounded before every comparison (:mod:`smgov_nlp.ties`), so float noise never
reorders merges or moves the cut.

Average linkage lets a merge through on the average alone: one statement that shares a few
words with a tight idea, or two neighbouring ideas bridged by one close pair, join it. So both
paths cut the same average-linkage tree, and then keep a merge (and so every merge above it)
only when the two sides also pass the guard (:func:`merge_allowed`):

* **floor** (complete-linkage style): no pair across the merge is below ``threshold - FLOOR_GAP``;
* **support**: at least ``SUPPORT`` of the pairs across the merge are at or above ``threshold``
  (most pairs back the merge, not just the average);
* **layer**: when the statements carry layers, two sides whose majority layers differ merge
  only at an average of ``threshold + LAYER_MARGIN`` or more.

The settings were chosen on ``data/dev/paraphrase_tune.csv`` (``python scripts/dedupe_guard.py``).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from smgov_nlp.embeddings.backends import available_cores
from smgov_nlp.ties import rounded

EXACT_LIMIT = 5000
NEIGHBOURS = 20
FLOOR_GAP = 0.05  # no merge when its least similar pair is more than this below the threshold
SUPPORT = 0.5  # share of the pairs across a merge that must reach the threshold
LAYER_MARGIN = 0.15  # sides whose majority layers differ merge only this far above the threshold
_BLOCK_ROWS = 1024  # rows of a cross block computed at once on the sparse path (bounded memory)


def cluster_vectors(vectors: np.ndarray, threshold: float, exact_limit: int = EXACT_LIMIT,
                    layers: Sequence[str] | None = None, guard: bool = True) -> np.ndarray:
    """Guarded average-linkage clusters of unit ``vectors`` cut at cosine ``threshold``; labels 0..k-1 in row order.

    ``layers`` (one per row, ``""`` when unknown) turns on the layer part of the guard;
    ``guard=False`` gives the plain average-linkage cut.
    """
    n = len(vectors)
    if n == 0:
        return np.zeros(0, dtype=int)
    if n == 1:
        return np.zeros(1, dtype=int)
    if n <= exact_limit:
        from scipy.cluster.hierarchy import linkage

        sims = np.clip(rounded(vectors @ vectors.T), -1.0, 1.0)  # rounded: float noise cannot reorder merges
        tree = linkage(_condensed_distance(sims), method="average")
        cut = 1.0 - threshold  # the merges fcluster(criterion="distance") keeps
        merges = [(int(a), int(b)) for a, b, height, _ in tree if height <= cut]

        def cross(a: list[int], b: list[int]) -> np.ndarray:
            return sims[np.ix_(a, b)]
    else:
        rows, cols, _ = _knn_edges(vectors, NEIGHBOURS)
        order: list[tuple[int, int]] = []
        sparse_average_linkage(vectors, rows, cols, threshold, merges=order)
        merges = _as_tree(n, order)

        def cross(a: list[int], b: list[int]) -> np.ndarray:
            return rounded(np.asarray(vectors[a], dtype=np.float64) @ np.asarray(vectors[b], dtype=np.float64).T)
    allowed = None
    if guard:
        codes = _layer_codes(layers, n)

        def allowed(a: list[int], b: list[int]) -> bool:
            return merge_allowed(cross, a, b, threshold, codes)
    return _relabel(guarded_cut(n, merges, allowed))


def merge_allowed(cross: Callable[[list[int], list[int]], np.ndarray], a: list[int], b: list[int], threshold: float,
                  layer_codes: np.ndarray | None = None) -> bool:
    """Whether members ``a`` and ``b`` may merge: floor, support and layer checks (see the module doc).

    ``cross(a, b)`` gives the rounded similarities between them; large sides are taken in row
    chunks so memory stays bounded.
    """
    cut, floor = float(rounded(threshold)), float(rounded(threshold - FLOOR_GAP))
    total, low, reaching, pairs = 0.0, np.inf, 0, len(a) * len(b)
    step = max(1, _BLOCK_ROWS * 1024 // max(1, len(b)))
    for start in range(0, len(a), step):
        block = cross(a[start : start + step], b)
        low = min(low, float(block.min()))
        if low < floor:
            return False
        reaching += int((block >= cut).sum())
        total += float(block.sum())
    if reaching < math.ceil(SUPPORT * pairs - 1e-9):
        return False
    if layer_codes is not None and float(rounded(total / pairs)) < float(rounded(threshold + LAYER_MARGIN)):
        first, second = _majority(layer_codes[a]), _majority(layer_codes[b])
        if first and second and not first & second:
            return False
    return True


def guarded_cut(n: int, merges: Sequence[tuple[int, int]],
                allowed: Callable[[list[int], list[int]], bool] | None) -> np.ndarray:
    """Flat clusters from a merge tree (scipy numbering: merge k makes node ``n + k``) where every merge must be allowed.

    A merge stands only when both sides stand and ``allowed(members_a, members_b)`` agrees, so
    a refused merge keeps its two sides apart and nothing above it forms. Returns a root id per row.
    """
    parent = np.arange(n)  # each standing node's members point at its first member
    members: dict[int, list[int]] = {i: [i] for i in range(n)}  # standing nodes only
    for k, (a, b) in enumerate(merges):
        side_a, side_b = members.pop(a, None), members.pop(b, None)
        if side_a is None or side_b is None or (allowed is not None and not allowed(side_a, side_b)):
            continue  # the node n + k does not stand, and neither does anything above it
        if len(side_a) < len(side_b):
            side_a, side_b = side_b, side_a
        parent[side_b] = side_a[0]  # the smaller side is relabelled: linear-logarithmic in all
        side_a.extend(side_b)
        members[n + k] = side_a
    return parent


def _as_tree(n: int, order: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """(keep, gone) merges of :func:`sparse_average_linkage` as scipy-numbered node pairs."""
    node = list(range(n))
    tree = []
    for k, (keep, gone) in enumerate(order):
        tree.append((node[keep], node[gone]))
        node[keep] = n + k
    return tree


def _layer_codes(layers: Sequence[str] | None, n: int) -> np.ndarray | None:
    """Layers as integer codes (-1 when unknown), or ``None`` when no row has one."""
    if layers is None:
        return None
    names = ["" if lay is None or lay != lay else str(lay) for lay in layers]
    if len(names) != n:
        raise ValueError(f"expected {n} layers, found {len(names)}")
    known = sorted(set(names) - {""})
    if not known:
        return None
    index = {name: code for code, name in enumerate(known)}
    return np.array([index.get(name, -1) for name in names], dtype=np.int64)


def _majority(codes: np.ndarray) -> frozenset[int]:
    """The most frequent known layer codes of one side (all of them on a tie); empty when none is known."""
    known = codes[codes >= 0]
    if not len(known):
        return frozenset()
    counts = np.bincount(known)
    return frozenset(np.flatnonzero(counts == counts.max()).tolist())


def _condensed_distance(sims: np.ndarray) -> np.ndarray:
    from scipy.spatial.distance import squareform

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


def sparse_average_linkage(vectors: np.ndarray, rows: np.ndarray, cols: np.ndarray, threshold: float,
                           merges: list[tuple[int, int]] | None = None) -> np.ndarray:
    """Average linkage where only neighbouring clusters may merge; returns a root id per row.

    The k-nearest-neighbour graph only proposes which clusters may merge; each proposed
    pair's average similarity is exact, from the clusters' summed unit vectors
    (``sum_a · sum_b / (|a| |b|)`` is the mean over all member pairs), so no n×n matrix is
    built and large ideas are not fragmented. The most similar proposed pair merges first
    while its average is at least ``threshold``; averages are rounded (:func:`~smgov_nlp.ties.rounded`)
    and ties break on the smaller cluster ids (rows in canonical text order), so the result is
    deterministic and unmoved by float noise. ``merges``, when given, receives each merge as
    ``(kept cluster id, merged-away cluster id)`` in order: the tree :func:`guarded_cut` cuts.
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
        if merges is not None:
            merges.append((int(keep), int(gone)))
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
