"""Duplicate ideas: group statements that say the same thing, across Spanish and English.

Raw sentence-embedding cosine mixes up "identity theft" with "theft of information"
and "no strategy" (a risk) with "define a strategy". Two things fix most of that:

1. :class:`IdeaSpace`, a linear metric learned on the labeled corpus, where every idea
   comes with its Spanish version and several paraphrases: linear discriminant analysis
   with the idea as the class projects the embedding onto the directions that separate
   ideas, not languages or wording.
2. Without ``--by type``, the statement's type (its calibrated probabilities from the
   classifier) joins the vector, so a risk and a strategy about the same topic stay apart.
   Within a type block it is left out: there it only adds noise.

The similarity used everywhere is the cosine in that space, in [0, 1] once clipped;
``threshold`` is the average-linkage cut: a group's members are on average at least that
similar. Up to ``EXACT_LIMIT`` statements per block the clustering is exact; above it a
k-nearest-neighbour graph from faiss (inverted-file index) feeds a sparse average linkage,
so no n×n matrix is built. Statements are clustered in a canonical order (by text), so each
gets the same idea whatever the input order, and similarities are rounded before any
comparison, with ties broken by content (see :mod:`smgov_nlp.ties`), so float noise from
another CPU, batch shape or thread count never changes a grouping or an idea's label.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .lang import detect_lang
from .store import normalize_text
from .ties import majority_lang, pick_representative, rounded

log = logging.getLogger(__name__)

EXACT_LIMIT = 5000
DEFAULT_THRESHOLD = 0.5
TYPE_WEIGHT = 0.6
NEIGHBOURS = 20


class IdeaSpace(TransformerMixin, BaseEstimator):
    """Project sentence embeddings onto directions that separate ideas (LDA with ideas as classes).

    ``embedder`` names the dense encoders the space is learned on (``None``: whatever embeddings
    the caller passes, as in models trained before it existed) and ``weights`` scales each
    encoder's block before they are joined; :meth:`embed` produces that input from texts.
    The LDA's shrinkage pulls towards the identity, so the scale of a block is how much
    it counts.
    """

    def __init__(self, n_components: int = 64, shrinkage: float = 0.3, embedder: str | None = None,
                 weights: tuple[float, ...] = ()):
        self.n_components = n_components
        self.shrinkage = shrinkage
        self.embedder = embedder
        self.weights = weights

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """The (weighted, joined) sentence embeddings of ``texts`` this space projects; cached on disk."""
        from .encoders import encode

        parts = (self.embedder or "use").split("+")  # encode() refuses a part that is not a dense encoder
        weights = list(self.weights) + [1.0] * (len(parts) - len(self.weights))
        blocks = [np.float32(w) * encode(part, list(texts)) for part, w in zip(parts, weights)]
        return blocks[0] if len(blocks) == 1 else np.hstack(blocks)

    def fit(self, X, y):
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

        y = np.asarray(y)
        ideas, counts = np.unique(y, return_counts=True)
        keep = np.isin(y, ideas[counts > 1])  # an idea seen once says nothing about paraphrase
        n_components = min(self.n_components, int((counts > 1).sum()) - 1, X.shape[1])
        lda = LinearDiscriminantAnalysis(solver="eigen", shrinkage=self.shrinkage, n_components=n_components)
        lda.fit(np.asarray(X)[keep], y[keep])
        # The eigen solver's transform is X @ scalings_[:, :k]; keeping only that matrix (not the
        # LDA's covariance and class means) keeps the model folder small.
        self.projection_ = np.ascontiguousarray(lda.scalings_[:, :n_components], dtype=np.float32)
        self.ideas_ = lda.classes_
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        if hasattr(self, "lda_"):  # a space saved before projection_ existed
            return _unit(self.lda_.transform(np.asarray(X, dtype=np.float64)).astype(np.float32))
        check_is_fitted(self, "projection_")
        return _unit(np.asarray(X, dtype=np.float32) @ self.projection_)


def _unit(X: np.ndarray) -> np.ndarray:
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)


def idea_vectors(projected: np.ndarray, type_proba: np.ndarray | None, type_weight: float = TYPE_WEIGHT) -> np.ndarray:
    """Unit vectors whose dot products are the similarities clustering uses."""
    if type_proba is None or type_weight <= 0:
        return _unit(projected.astype(np.float32))
    return _unit(np.hstack([projected, type_weight * type_proba]).astype(np.float32))


# ------------------------------------------------------------------------------------ clustering
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
        labels = _sparse_average_linkage(vectors, rows, cols, threshold)
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

    from .embed import available_cores

    faiss.omp_set_num_threads(available_cores())
    n, dim = vectors.shape
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    n_lists = max(1, int(min(4 * np.sqrt(n), n // 39)))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, n_lists, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = 1234
    index.train(data)
    index.add(data)
    index.nprobe = min(n_lists, 16)
    sims, neighbours = index.search(data, k + 1)
    rows = np.repeat(np.arange(n), k + 1)
    cols, sims = neighbours.ravel(), sims.ravel()
    keep = (cols >= 0) & (cols != rows) & (sims > 0)
    i, j, s = rows[keep], cols[keep], sims[keep]
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    pairs = pd.DataFrame({"i": lo, "j": hi, "s": s}).drop_duplicates(["i", "j"])
    return pairs["i"].to_numpy(), pairs["j"].to_numpy(), pairs["s"].to_numpy(dtype=np.float64)


def _sparse_average_linkage(vectors: np.ndarray, rows: np.ndarray, cols: np.ndarray, threshold: float) -> np.ndarray:
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


# ------------------------------------------------------------------------------------- ideas
LANG_CHOICES = ("auto", "es", "en")


def check_lang(lang: str) -> None:
    """Refuse a ``--lang`` that is not ``auto``, ``es`` or ``en``."""
    from .errors import SmgovError

    if lang not in LANG_CHOICES:
        raise SmgovError(f"--lang must be one of {', '.join(LANG_CHOICES)}, found {lang!r}",
                         "pass --lang es for Spanish tables, --lang en for English, or leave it out (auto)")


def group_ideas(texts: Sequence[str], vectors: np.ndarray, threshold: float = DEFAULT_THRESHOLD,
                blocks: Sequence[str] | None = None, exact_limit: int = EXACT_LIMIT,
                langs: Sequence[str] | None = None, lang: str = "auto") -> pd.DataFrame:
    """Assign every statement an idea: ``idea_id``, ``idea_size`` and ``idea_text`` (the representative).

    ``blocks`` keeps statements apart unless they share a block value (``--by``). Identical
    texts (after normalisation) always share an idea. Blank statements get no idea.

    The representative is taken from the members in ``lang`` (``es`` or ``en``) when the idea
    has any; ``auto`` takes the language most of its statements use (Spanish on a tie).
    ``langs`` gives each statement's language (detected when not given). Among those members
    the one closest to the idea's centre wins, ties broken by content
    (:func:`smgov_nlp.ties.pick_representative`).
    """
    if lang not in LANG_CHOICES:
        raise ValueError(f"lang must be one of {LANG_CHOICES}, found {lang!r}")
    texts = ["" if t is None else str(t) for t in texts]
    n = len(texts)
    blocks = [""] * n if blocks is None else ["" if b is None else str(b) for b in blocks]
    keys = [normalize_text(t) for t in texts]
    frame = pd.DataFrame({"key": keys, "text": texts, "block": blocks, "row": np.arange(n)})
    frame = frame[frame["key"] != ""]
    # one representative row per distinct (block, normalised text), in canonical order
    unique = frame.sort_values(["block", "key", "text", "row"]).drop_duplicates(["block", "key"])
    clusters: list[tuple[str, np.ndarray]] = []  # (block, rows of the distinct texts in the cluster)
    for block, part in unique.groupby("block", sort=True):
        rows = part["row"].to_numpy()
        labels = cluster_vectors(vectors[rows], threshold, exact_limit)
        clusters.extend((block, rows[labels == label]) for label in range(labels.max() + 1))
    member_of = frame.groupby(["block", "key"])["row"].apply(list).to_dict()
    row_langs = {}  # only the rows that stand for a distinct text need a language
    if langs is None:
        row_langs = {r: detect_lang(texts[r]) for r in unique["row"]}
    records = []
    for block, reps in clusters:
        groups = [member_of[(block, keys[rep])] for rep in reps]
        members = [r for group in groups for r in group]
        if langs is None:
            rep_langs = [row_langs[r] for r in reps]
            member_langs = [lg for rep, group in zip(rep_langs, groups) for lg in [rep] * len(group)]
        else:
            rep_langs = [str(langs[r]) for r in reps]
            member_langs = [str(langs[r]) for r in members]
        chosen = majority_lang(member_langs) if lang == "auto" else lang
        centre = vectors[reps].mean(axis=0)
        best = pick_representative(vectors[reps] @ centre, rep_langs, [len(g) for g in groups],
                                   [keys[r] for r in reps], [texts[r] for r in reps], chosen)
        records.append((block, members, texts[reps[best]]))
    records.sort(key=lambda r: (-len(r[1]), r[0], normalize_text(r[2]), r[2]))
    idea_id = np.full(n, "", dtype=object)
    idea_size = np.zeros(n, dtype=int)
    idea_text = np.full(n, "", dtype=object)
    width = max(4, len(str(len(records))))
    for number, (_, members, representative) in enumerate(records, start=1):
        idea_id[members] = f"I{number:0{width}d}"
        idea_size[members] = len(members)
        idea_text[members] = representative
    return pd.DataFrame({"idea_id": idea_id, "idea_size": idea_size, "idea_text": idea_text})


def pair_scores(gold: Sequence, predicted: Sequence) -> dict[str, float]:
    """Pairwise precision, recall and F1 over all statement pairs, and the adjusted Rand index."""
    from sklearn.metrics import adjusted_rand_score
    from sklearn.metrics.cluster import pair_confusion_matrix

    (tn, fp), (fn, tp) = pair_confusion_matrix(np.asarray(gold), np.asarray(predicted))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pair_precision": float(precision), "pair_recall": float(recall), "pair_f1": float(f1),
            "ari": float(adjusted_rand_score(gold, predicted))}


def sweep_thresholds(texts: Sequence[str], vectors: np.ndarray, gold: Sequence, blocks: Sequence[str] | None = None,
                     grid: Sequence[float] | None = None) -> pd.DataFrame:
    """Pairwise scores of :func:`group_ideas` at each threshold of ``grid`` (one row per threshold)."""
    grid = np.round(np.arange(0.20, 0.905, 0.025), 3) if grid is None else grid
    rows = []
    for threshold in grid:
        ideas = group_ideas(texts, vectors, float(threshold), blocks=blocks)
        rows.append({"threshold": float(threshold), **pair_scores(gold, ideas["idea_id"])})
    return pd.DataFrame(rows)


def best_threshold(sweep: pd.DataFrame) -> float:
    """The threshold with the highest pairwise F1 (the middle of a tied plateau)."""
    best = sweep["pair_f1"].max()
    tied = sweep.loc[np.isclose(sweep["pair_f1"], best), "threshold"].to_numpy()
    return float(tied[len(tied) // 2])


EMBED_CHUNK = 2000  # statements embedded per step of cluster_file (progress and cache writes)


def cluster_file(input_path, out_path, model, text_col: str = "text", by: str | None = None,
                 threshold: float | None = None, progress=None, advance=None, lang: str = "auto") -> dict:
    """``smgov cluster``: every input row and column, in input order, plus ``idea_id``, ``idea_size``, ``idea_text``.

    ``lang`` (``auto``, ``es`` or ``en``) chooses the language of each idea's text (see :func:`group_ideas`);
    a statement's language comes from a ``lang`` column when the input has one (``es``/``en``), else it is detected.
    ``progress(message)`` gets status lines; ``advance(n)`` is called as rows are embedded (blank rows
    count at once), in steps of :data:`EMBED_CHUNK`, so a progress bar can follow the slow part.
    """
    from .errors import SmgovError
    from .io import read_table, require_column, write_table
    from .score import join_predictions

    frame = read_table(input_path)
    require_column(frame, text_col, input_path)
    if by is not None and by not in frame.columns:
        raise SmgovError(f"--by column {by!r} is not in {getattr(input_path, 'name', input_path)}, "
                         f"found {[str(c) for c in frame.columns]}", "pass --by with one of those columns, or leave it out")
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise SmgovError(f"--threshold must be a cosine similarity in [0, 1], found {threshold}",
                         f"try the tuned default {model.dedupe_threshold(by is not None):.3f}")
    check_lang(lang)
    texts = frame[text_col].tolist()
    filled = [i for i, t in enumerate(texts) if str(t).strip()]
    vectors = np.zeros((len(texts), 1), dtype=np.float32)
    if advance:
        advance(len(texts) - len(filled))
    if filled:
        kept = [texts[i] for i in filled]
        parts = []
        for start in range(0, len(kept), EMBED_CHUNK):
            chunk = kept[start : start + EMBED_CHUNK]
            parts.append(model.idea_vectors(chunk, blocked=by is not None))
            if advance:
                advance(len(chunk))
        part = np.vstack(parts)
        vectors = np.zeros((len(texts), part.shape[1]), dtype=np.float32)
        vectors[filled] = part
    if progress:
        progress(f"embedded {len(filled)} statements; grouping")
    chosen = model.dedupe_threshold(by is not None) if threshold is None else threshold
    langs = None
    if "lang" in frame.columns:  # a scored or pre-coded file says each statement's language; else it is detected
        given = frame["lang"].fillna("").astype(str).str.strip()
        langs = [code if code in ("es", "en") else detect_lang(str(t)) for code, t in zip(given, texts)]
    ideas = group_ideas(texts, vectors, chosen, blocks=None if by is None else frame[by].tolist(), langs=langs,
                        lang=lang)
    joined, clashes = join_predictions(frame, ideas)
    write_table(joined, out_path)
    distinct = ideas.loc[ideas["idea_id"] != "", "idea_id"].nunique()
    return {"rows": len(frame), "ideas": int(distinct), "threshold": chosen, "renamed": clashes}
