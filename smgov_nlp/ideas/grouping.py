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
similar, and every merge must also pass a guard (no pair far below the threshold, most pairs at
or above it, and a higher bar across framework layers; see :mod:`smgov_nlp.ideas.linkage`). Up to ``EXACT_LIMIT`` statements per block the clustering is exact; above it a
k-nearest-neighbour graph from faiss (inverted-file index) feeds a sparse average linkage,
so no n×n matrix is built. Statements are clustered in a canonical order (by text), so each
gets the same idea whatever the input order, and similarities are rounded before any
comparison, with ties broken by content (see :mod:`smgov_nlp.ties`), so float noise from
another CPU, batch shape or thread count never changes a grouping or an idea's label.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from smgov_nlp.errors import SmgovError
from smgov_nlp.ideas.linkage import EXACT_LIMIT, cluster_vectors
from smgov_nlp.lang import detect_lang
from smgov_nlp.text import normalize_text
from smgov_nlp.ties import majority_lang, pick_representative, rounded

DEFAULT_THRESHOLD = 0.5


LANG_CHOICES = ("auto", "es", "en")


def check_threshold(threshold: float | None, hint: str) -> None:
    """Refuse a ``--threshold`` that is not a cosine similarity in [0, 1] (``None`` means the tuned default)."""
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise SmgovError(f"--threshold must be a cosine similarity in [0, 1], found {threshold}", hint)


def check_lang(lang: str) -> None:
    """Refuse a ``--lang`` that is not ``auto``, ``es`` or ``en``."""
    if lang not in LANG_CHOICES:
        raise SmgovError(f"--lang must be one of {', '.join(LANG_CHOICES)}, found {lang!r}",
                         "pass --lang es for Spanish tables, --lang en for English, or leave it out (auto)")


def group_ideas(texts: Sequence[str], vectors: np.ndarray, threshold: float = DEFAULT_THRESHOLD,
                blocks: Sequence[str] | None = None, exact_limit: int = EXACT_LIMIT,
                langs: Sequence[str] | None = None, lang: str = "auto",
                layers: Sequence[str] | None = None, guard: bool = True,
                links: Mapping[int, int | None] | None = None) -> pd.DataFrame:
    """Assign every statement an idea: ``idea_id``, ``idea_size``, ``idea_text`` (its label),
    ``idea_needs_review`` and ``weakest_row``.

    ``blocks`` keeps statements apart unless they share a block value (``--by``). Identical
    texts (after normalisation) always share an idea. Blank statements get no idea.
    ``layers`` (each statement's layer, as precode predicts or a person decided) turns on the
    layer check of the merge guard (:mod:`smgov_nlp.ideas.linkage`); ``guard=False`` is the
    plain average-linkage cut.

    The label is the member that best represents the others: the highest mean similarity to
    the idea's other statements, among the members the others resemble (mean similarity at
    least ``threshold``) and, within those, the members in ``lang`` (``es`` or ``en``) when there are
    any; ``auto`` takes the language most of its statements use (Spanish on a tie). Ties are broken
    by content (:func:`smgov_nlp.ties.pick_representative`); the label is cleaned
    (:func:`clean_label`). ``langs`` gives each statement's language (detected when not given).

    ``links`` holds the ideas people fixed in review: row -> the row whose idea it joins, or ``None``
    for an idea of its own. They are applied after the merge, so they hold whatever the threshold;
    a row moves with the statements of the same normalised text.

    ``idea_needs_review`` is true when two of the idea's members are less similar than
    ``threshold``: the average carried that merge, not every pair. ``weakest_row`` is then the row
    of the member least like the others (lowest mean similarity to them), else -1.
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
    member_of = frame.groupby(["block", "key"])["row"].apply(list).to_dict()
    clusters: list[tuple[str, np.ndarray]] = []  # (block, rows of the distinct texts in the cluster)
    for block, part in unique.groupby("block", sort=True):
        rows = part["row"].to_numpy()
        rep_layers = None if layers is None else [_common_layer(layers, member_of[(block, keys[r])]) for r in rows]
        labels = cluster_vectors(vectors[rows], threshold, exact_limit, layers=rep_layers, guard=guard)
        clusters.extend((block, rows[labels == label]) for label in range(labels.max() + 1))
    if links:
        rep_of = dict(zip(zip(unique["block"], unique["key"]), unique["row"].astype(int)))
        clusters = _apply_links(clusters, links, [(blocks[r], keys[r]) for r in range(n)], rep_of)
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
        mentions = np.array([len(g) for g in groups])
        support = _mean_similarity(vectors[reps], mentions)
        cut = float(rounded(threshold))
        resembled = [i for i in range(len(reps)) if support[i] >= cut] or list(range(len(reps)))
        pick = pick_representative(support[resembled], [rep_langs[i] for i in resembled], mentions[resembled],
                                   [keys[reps[i]] for i in resembled], [texts[reps[i]] for i in resembled], chosen)
        label = clean_label(texts[reps[resembled[pick]]])
        review = len(reps) > 1 and _least_similar(vectors[reps]) < cut
        weakest = -1
        if review:
            weakest = min(range(len(reps)), key=lambda i: (support[i], keys[reps[i]], texts[reps[i]]))
            weakest = int(min(groups[weakest]))
        records.append((block, members, label, review, weakest))
    records.sort(key=lambda r: (-len(r[1]), r[0], normalize_text(r[2]), r[2]))
    idea_id = np.full(n, "", dtype=object)
    idea_size = np.zeros(n, dtype=int)
    idea_text = np.full(n, "", dtype=object)
    needs_review = np.zeros(n, dtype=bool)
    weakest_row = np.full(n, -1, dtype=int)
    width = max(4, len(str(len(records))))
    for number, (_, members, label, review, weakest) in enumerate(records, start=1):
        idea_id[members] = f"I{number:0{width}d}"
        idea_size[members] = len(members)
        idea_text[members] = label
        needs_review[members] = review
        weakest_row[members] = weakest
    return pd.DataFrame({"idea_id": idea_id, "idea_size": idea_size, "idea_text": idea_text,
                         "idea_needs_review": needs_review, "weakest_row": weakest_row})


def _apply_links(clusters: list[tuple[str, np.ndarray]], links: Mapping[int, int | None],
                 text_keys: list[tuple[str, str]], rep_of: dict) -> list[tuple[str, np.ndarray]]:
    """Move the distinct texts people placed: into the cluster of the row they named, or alone.

    ``rep_of`` maps (block, normalised text) to the row that stands for it. Links are applied in row
    order; a link to a blank row, to its own idea or across blocks (ideas are grouped within a block)
    is ignored."""
    where: dict[int, int] = {}  # representative row -> cluster index
    members: list[list[int]] = []
    for index, (_, reps) in enumerate(clusters):
        members.append([int(r) for r in reps])
        where.update((int(r), index) for r in reps)
    cluster_block = [block for block, _ in clusters]
    for row in sorted(links):
        rep = rep_of.get(text_keys[row]) if 0 <= row < len(text_keys) else None
        if rep is None or rep not in where:
            continue
        target = links[row]
        if target is None:
            destination = len(members)
            members.append([])
            cluster_block.append(cluster_block[where[rep]])
        else:
            target_rep = rep_of.get(text_keys[target]) if 0 <= target < len(text_keys) else None
            if (target_rep is None or target_rep not in where or where[target_rep] == where[rep]
                    or text_keys[target][0] != text_keys[row][0]):
                continue
            destination = where[target_rep]
        members[where[rep]].remove(rep)
        members[destination].append(rep)
        where[rep] = destination
    return [(block, np.array(sorted(reps), dtype=int)) for block, reps in zip(cluster_block, members) if reps]


MIN_PRECISION = 0.9  # pairwise precision the tuned threshold must reach on every development set

_LEADING_MARK = re.compile(r"^\s*(?:[-–—•·*+▪◦‣>]+|\(?\d{1,3}[.)](?!\d)|\(?[a-zA-Z]\))\s*")
_TRAILING_STOP = re.compile(r"(?<!\.)\.+\s*$")


def clean_label(text: str) -> str:
    """An idea's label as a table shows it: no leading bullet, dash or numbering, no trailing full stop.

    ``"- Mejora la imagen del gobierno."`` → ``"Mejora la imagen del gobierno"``; an ellipsis
    (``"..."``) and a text that is nothing but marks are kept.
    """
    text = str(text).strip()
    while (match := _LEADING_MARK.match(text)) and match.end() < len(text):
        text = text[match.end():]
    stripped = text[:-1].rstrip() if text.endswith(".") and not text.endswith("..") else text
    return stripped or text


def _common_layer(layers: Sequence[str], rows: Sequence[int]) -> str:
    """The layer most of ``rows`` carry (the first in sorted order on a tie; ``""`` when none is known)."""
    named = sorted(str(layers[r]) for r in rows if layers[r] is not None and layers[r] == layers[r] and str(layers[r]))
    if not named:
        return ""
    return max(dict.fromkeys(named), key=named.count)


def _mean_similarity(vectors: np.ndarray, mentions: np.ndarray) -> np.ndarray:
    """Each distinct text's mean similarity to the idea's other statements (repeats count; rounded)."""
    total = int(mentions.sum())
    if total <= 1:
        return np.ones(len(vectors))
    summed = (mentions[:, None] * np.asarray(vectors, dtype=np.float64)).sum(axis=0)
    own = np.einsum("ij,ij->i", vectors, vectors).astype(np.float64)
    return rounded((vectors.astype(np.float64) @ summed - own) / (total - 1))


def _least_similar(vectors: np.ndarray, chunk: int = 1024) -> float:
    """The smallest rounded similarity between two of ``vectors`` (taken in row chunks)."""
    data = np.asarray(vectors, dtype=np.float64)
    low = np.inf
    for start in range(0, len(data), chunk):
        block = rounded(data[start : start + chunk] @ data.T)
        for k in range(block.shape[0]):
            block[k, start + k] = np.inf
        low = min(low, float(block.min()))
    return low


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
                     grid: Sequence[float] | None = None, layers: Sequence[str] | None = None,
                     guard: bool = True) -> pd.DataFrame:
    """Pairwise scores of :func:`group_ideas` at each threshold of ``grid`` (one row per threshold).

    The merge guard moves with the threshold (its floor and layer bar are set relative to it), so
    the sweep tunes both; ``layers`` and ``guard`` are passed on to :func:`group_ideas`.
    """
    grid = np.round(np.arange(0.20, 0.905, 0.025), 3) if grid is None else grid
    rows = []
    for threshold in grid:
        ideas = group_ideas(texts, vectors, float(threshold), blocks=blocks, layers=layers, guard=guard)
        rows.append({"threshold": float(threshold), **pair_scores(gold, ideas["idea_id"])})
    return pd.DataFrame(rows)


def precise_threshold(sweeps: Sequence[pd.DataFrame], min_precision: float = MIN_PRECISION) -> float:
    """The threshold with the highest mean pairwise F1 over several development sweeps (same grid),
    among those whose pairwise precision reaches ``min_precision`` on every one; the best mean F1
    overall when none does. A wrong merge costs users more trust than a missed one, so precision
    comes first. Ties take the middle of the plateau."""
    joined = pd.concat([s.set_index("threshold")[["pair_precision", "pair_f1"]] for s in sweeps], axis=1,
                       keys=range(len(sweeps)))
    mean_f1 = pd.Series(rounded(joined.xs("pair_f1", axis=1, level=1).mean(axis=1).to_numpy()), index=joined.index)
    precise = pd.Series((rounded(joined.xs("pair_precision", axis=1, level=1).to_numpy()) >= min_precision).all(axis=1),
                        index=joined.index)
    candidates = mean_f1[precise] if precise.any() else mean_f1
    tied = candidates.index[candidates == candidates.max()].to_numpy()
    return float(tied[len(tied) // 2])


def best_threshold(sweep: pd.DataFrame) -> float:
    """The threshold with the highest pairwise F1 (the middle of a tied plateau)."""
    best = sweep["pair_f1"].max()
    tied = sweep.loc[np.isclose(sweep["pair_f1"], best), "threshold"].to_numpy()
    return float(tied[len(tied) // 2])
