"""Duplicate ideas: the metric, the two clustering paths, idea assignment, scores and ``cluster_file``.

Most tests use hand-made unit vectors, so every expected partition can be checked by
hand; the ``slow`` tests at the end run the committed default model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import smgov_nlp.ideas.linkage as linkage
from smgov_nlp.errors import SmgovError
from smgov_nlp.ideas.grouping import best_threshold, group_ideas, pair_scores, sweep_thresholds
from smgov_nlp.ideas.linkage import cluster_vectors, sparse_average_linkage
from smgov_nlp.ideas.space import IdeaSpace
from smgov_nlp.ideas.vectors import idea_vectors
from smgov_nlp.specs import EmbedderSpec
from smgov_nlp.workflows.cluster import cluster_file

PARAPHRASE_TEST = REPO / "data" / "dev" / "paraphrase_test.csv"


def unit(*angles_deg: float) -> np.ndarray:
    """2-d unit vectors at the given angles: the cosine of two of them is cos(angle difference)."""
    radians = np.deg2rad(np.asarray(angles_deg, dtype=np.float64))
    return np.stack([np.cos(radians), np.sin(radians)], axis=1).astype(np.float32)


def planted(n_clusters: int, size: int, dim: int = 32, noise: float = 0.05, seed: int = 0):
    """Unit vectors around orthonormal centres (cosine ~0.9 within a cluster, ~0 between), shuffled."""
    rng = np.random.default_rng(seed)
    centres = np.linalg.qr(rng.normal(size=(dim, dim)))[0][:n_clusters]
    labels = np.repeat(np.arange(n_clusters), size)
    vectors = centres[labels] + noise * rng.normal(size=(n_clusters * size, dim))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    order = rng.permutation(len(vectors))
    return vectors[order].astype(np.float32), labels[order]


def first_appearance(labels) -> np.ndarray:
    """Relabel 0..k-1 in order of first appearance, the way cluster_vectors numbers clusters."""
    seen: dict = {}
    return np.array([seen.setdefault(label, len(seen)) for label in labels])


def partition(keys, labels) -> set[frozenset]:
    groups: dict = {}
    for key, label in zip(keys, labels):
        groups.setdefault(label, set()).add(key)
    return {frozenset(g) for g in groups.values()}


# --- IdeaSpace and idea_vectors ----------------------------------------------------------


def test_idea_space_keeps_parameters_and_clones():
    space = IdeaSpace(n_components=5, shrinkage=0.1, embedder=EmbedderSpec.parse("use+e5*3"))
    params = {"n_components": 5, "shrinkage": 0.1, "embedder": EmbedderSpec.parse("use+e5*3")}
    assert space.get_params() == params
    assert clone(space).get_params() == params
    assert not hasattr(space, "projection_")


def test_idea_space_transform_before_fit():
    with pytest.raises(NotFittedError):
        IdeaSpace().transform(np.ones((2, 3)))


def test_idea_space_drops_singleton_ideas_and_returns_unit_vectors():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(13, 8))
    y = np.array(["a"] * 3 + ["b"] * 3 + ["c"] * 3 + ["d"] * 3 + ["lonely"])
    space = IdeaSpace(n_components=64).fit(X, y)
    # 4 ideas seen more than once -> at most 3 discriminant directions; the singleton is not a class
    assert list(space.ideas_) == ["a", "b", "c", "d"]
    assert space.n_features_in_ == 8
    out = space.transform(X)
    assert out.shape == (13, 3)
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-6)


def test_idea_space_separates_ideas_not_wording():
    # three ideas around the origin (120 degrees apart in dims 0-1), each said in two "wordings" that
    # differ far more (dim 2) than the ideas do: the space must keep the ideas and drop the wording
    rng = np.random.default_rng(1)
    idea = np.repeat([0, 1, 2], 20)
    wording = np.tile([-2.5, 2.5], 30)
    angle = np.deg2rad(120 * idea)
    X = np.column_stack([np.cos(angle), np.sin(angle), wording, rng.normal(size=60)])
    X[:, :3] += 0.05 * rng.normal(size=(60, 3))
    out = IdeaSpace(n_components=4).fit(X, idea).transform(X)
    assert out.shape == (60, 2)
    sims = out @ out.T
    same = idea[:, None] == idea[None, :]
    assert sims[same].min() > 0.95
    assert sims[~same].max() < 0.0


def test_idea_space_keeps_only_the_projection_and_matches_the_lda():
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 6))
    y = np.repeat(list("abcde"), 8)
    space = IdeaSpace(n_components=3, shrinkage=0.3).fit(X, y)
    assert space.projection_.shape == (6, 3) and space.projection_.dtype == np.float32
    lda = LinearDiscriminantAnalysis(solver="eigen", shrinkage=0.3, n_components=3).fit(X, y)
    expected = lda.transform(X)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(space.transform(X), expected, atol=1e-5)
    # a space pickled before projection_ existed (it kept the whole LDA) still transforms
    old = IdeaSpace()
    old.lda_ = lda
    np.testing.assert_allclose(old.transform(X), expected, atol=1e-5)


def test_idea_space_embed_weights_each_encoder_block(monkeypatch):
    import smgov_nlp.ideas.space as space

    def fake_encode(spec, texts):
        return np.hstack([np.full((len(texts), 2 if p.name == "use" else 3), p.weight, dtype=np.float32)
                          for p in spec.parts])

    monkeypatch.setattr(space, "encode", fake_encode)
    out = IdeaSpace(embedder="use+e5*3").embed(["a", "b"])
    assert out.tolist() == [[1.0, 1.0, 3.0, 3.0, 3.0]] * 2
    assert IdeaSpace(embedder="use").embed(["a"]).tolist() == [[1.0, 1.0]]


def test_idea_space_embed_refuses_a_lexical_encoder():
    with pytest.raises(SmgovError, match="not made of dense encoders"):
        IdeaSpace(embedder="tfidf+use").embed(["a"])


def test_idea_vectors_without_type_are_the_unit_projection():
    projected = np.array([[3.0, 4.0], [0.0, 2.0]])
    expected = np.array([[0.6, 0.8], [0.0, 1.0]], dtype=np.float32)
    np.testing.assert_allclose(idea_vectors(projected, None), expected, atol=1e-7)
    np.testing.assert_allclose(idea_vectors(projected, np.ones((2, 3)), type_weight=0.0), expected, atol=1e-7)


def test_idea_vectors_append_weighted_type_probabilities():
    out = idea_vectors(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0, 0.0]]), type_weight=0.6)
    np.testing.assert_allclose(out, np.array([[1.0, 0.0, 0.6, 0.0, 0.0]]) / np.sqrt(1.36), atol=1e-7)
    assert out.dtype == np.float32


def test_type_keeps_a_risk_and_a_strategy_on_the_same_topic_apart():
    same_topic = np.array([[1.0, 0.0], [1.0, 0.0]])
    risk_then_strategy = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    vectors = idea_vectors(same_topic, risk_then_strategy, type_weight=0.6)
    # cosine 1 / 1.36 = 0.735 instead of 1.0
    assert float(vectors[0] @ vectors[1]) == pytest.approx(1 / 1.36, abs=1e-6)


# --- cluster_vectors: the exact path -------------------------------------------------------


def test_cluster_vectors_of_nothing_and_of_one():
    assert cluster_vectors(np.zeros((0, 4), dtype=np.float32), 0.5).tolist() == []
    assert cluster_vectors(unit(0), 0.5).tolist() == [0]


def test_cluster_vectors_is_average_linkage_not_single_or_complete():
    # cos(a,b)=0.866, cos(b,c)=0.707, cos(a,c)=0.259: average link of {a,b} to c is 0.483
    vectors = unit(0, 30, 75)
    assert cluster_vectors(vectors, 0.45, guard=False).tolist() == [0, 0, 0]  # complete linkage (0.259) would not
    assert cluster_vectors(vectors, 0.50, guard=False).tolist() == [0, 0, 1]  # single linkage (0.707) would merge
    # cos(a,b)=0.766, cos(b,c)=0.5, cos(a,c)=-0.17: average link 0.163
    assert cluster_vectors(unit(0, 40, 100), 0.45, guard=False).tolist() == [0, 0, 1]


# --- the merge guard -------------------------------------------------------------------------------


def test_guard_floor_refuses_a_merge_whose_least_similar_pair_is_far_below_the_threshold():
    # the average (0.483) passes 0.45, but the pair (a, c) at 0.259 is below the floor 0.45 - FLOOR_GAP
    vectors = unit(0, 30, 75)
    assert cluster_vectors(vectors, 0.45).tolist() == [0, 0, 1]
    # cos(a,c)=0.574 is above the floor 0.55 - 0.05 and the average 0.75 passes: the merge stands
    assert cluster_vectors(unit(0, 25, 55), 0.55).tolist() == [0, 0, 0]


def test_guard_support_needs_half_the_pairs_at_the_threshold():
    from smgov_nlp.ideas.linkage import merge_allowed

    def blocks(*rows):
        return lambda a, b: np.array(rows, dtype=np.float64)[np.ix_(a, [k - 1 for k in b])]

    # one statement (0) against three (1, 2, 3) at threshold 0.75: the average 0.783 passes and no pair is
    # below the floor 0.70, but only one pair of three reaches 0.75
    assert not merge_allowed(blocks([0.95, 0.70, 0.70]), [0], [1, 2, 3], 0.75)
    assert merge_allowed(blocks([0.95, 0.80, 0.70]), [0], [1, 2, 3], 0.75)  # two of three
    assert not merge_allowed(blocks([0.95, 0.95, 0.6999]), [0], [1, 2, 3], 0.75)  # one pair under the floor


def test_guard_keeps_sides_of_different_layers_apart_unless_much_closer():
    # cosine 0.766 between the two sides
    vectors = unit(0, 1, 40, 41)
    same = ["technology"] * 4
    mixed = ["technology", "technology", "general_context", "general_context"]
    assert cluster_vectors(vectors, 0.7, layers=same).tolist() == [0, 0, 0, 0]
    assert cluster_vectors(vectors, 0.7, layers=mixed).tolist() == [0, 0, 1, 1]  # needs 0.7 + 0.15
    assert cluster_vectors(vectors, 0.6, layers=mixed).tolist() == [0, 0, 0, 0]  # 0.766 >= 0.6 + 0.15
    # unknown layers never veto; a tie for the majority shares a layer with the other side
    assert cluster_vectors(vectors, 0.7, layers=["technology", "technology", "", ""]).tolist() == [0, 0, 0, 0]
    tie = ["technology", "general_context", "general_context", "general_context"]
    assert cluster_vectors(vectors, 0.7, layers=tie).tolist() == [0, 0, 0, 0]


def test_guarded_cut_keeps_nothing_above_a_refused_merge():
    from smgov_nlp.ideas.linkage import guarded_cut

    merges = [(0, 1), (2, 3), (4, 5)]  # node 4 = {0, 1}, node 5 = {2, 3}, node 6 = {0, 1, 2, 3}
    everything = guarded_cut(4, merges, None)
    assert len(set(everything.tolist())) == 1
    refuse_23 = guarded_cut(4, merges, lambda a, b: 2 not in a + b)
    assert refuse_23[0] == refuse_23[1] and len(set(refuse_23.tolist())) == 3
    refuse_top = guarded_cut(4, merges, lambda a, b: len(a) + len(b) < 4)
    assert refuse_top[0] == refuse_top[1] != refuse_top[2] == refuse_top[3]


def test_both_paths_apply_the_same_guard():
    # the sparse path (k-NN graph) cuts its own average-linkage tree with the same guard
    vectors = unit(*(list(range(0, 6)) + list(range(37, 40)) + list(range(120, 126))))
    layers = ["technology"] * 6 + ["general_context"] * 3 + ["technology"] * 6
    for threshold in (0.7, 0.8):
        for kwargs in ({}, {"layers": layers}):
            exact = cluster_vectors(vectors, threshold, **kwargs)
            scaled = cluster_vectors(vectors, threshold, exact_limit=5, **kwargs)
            assert scaled.tolist() == exact.tolist()


def test_cluster_vectors_numbers_clusters_in_row_order():
    vectors = unit(90, 0, 91, 1, 180)
    assert cluster_vectors(vectors, 0.9).tolist() == [0, 1, 0, 1, 2]


def test_cluster_vectors_threshold_extremes():
    # cos(a,b)=0.707, cos(b,c)=0.766, cos(a,c)=0.087: {b,c} first, then a at an average of 0.397
    vectors = unit(0, 45, 85)
    assert cluster_vectors(vectors, 1.0).tolist() == [0, 1, 2]
    assert cluster_vectors(vectors, 0.5).tolist() == [0, 1, 1]
    assert cluster_vectors(vectors, 0.0).tolist() == [0, 0, 0]


# --- cluster_vectors: the scale path (k-NN graph + sparse average linkage) ---------------


def test_sparse_linkage_with_every_pair_equals_exact_average_linkage():
    for angles, threshold in (((0, 30, 75), 0.45), ((0, 30, 75), 0.50), ((0, 40, 100), 0.45)):
        vectors = unit(*angles).astype(np.float64)
        i, j = np.triu_indices(len(vectors), k=1)
        roots = sparse_average_linkage(vectors, i, j, threshold)
        assert first_appearance(roots).tolist() == cluster_vectors(unit(*angles), threshold, guard=False).tolist()


def test_sparse_linkage_uses_exact_averages_beyond_the_graph():
    # cos(0,1)=cos(1,2)=0.9, cos(0,2)=0.62; the graph lacks the 0-2 edge, but once {0,1} forms,
    # its average with 2 is exact: (0.62 + 0.9) / 2 = 0.76
    vectors = unit(0, 25.84, 51.68).astype(np.float64)
    rows, cols = np.array([0, 1]), np.array([1, 2])
    assert first_appearance(sparse_average_linkage(vectors, rows, cols, 0.7)).tolist() == [0, 0, 0]
    assert first_appearance(sparse_average_linkage(vectors, rows, cols, 0.8)).tolist() == [0, 0, 1]
    assert first_appearance(sparse_average_linkage(vectors, rows, cols, 0.95)).tolist() == [0, 1, 2]


def test_sparse_linkage_never_merges_below_threshold():
    """Every merge is at an exact average >= threshold, so every cluster's mean pair similarity is too."""
    rng = np.random.default_rng(7)
    n = 60
    vectors = rng.normal(size=(n, 5))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    dense = vectors @ vectors.T
    for threshold in (0.3, 0.5, 0.7):
        i, j = np.triu_indices(n, k=1)
        keep = rng.random(len(i)) < 0.3
        roots = sparse_average_linkage(vectors, i[keep], j[keep], threshold)
        assert len(set(roots.tolist())) < n  # something merged
        for root in set(roots.tolist()):
            members = np.flatnonzero(roots == root)
            if len(members) > 1:
                block = dense[np.ix_(members, members)]
                pairs = len(members) * (len(members) - 1)
                assert (block.sum() - len(members)) / pairs >= threshold - 1e-9


def test_scale_path_finds_the_planted_clusters_like_the_exact_path():
    vectors, truth = planted(n_clusters=12, size=8)  # 96 vectors, clusters smaller than the k-NN
    exact = cluster_vectors(vectors, 0.5)
    scaled = cluster_vectors(vectors, 0.5, exact_limit=50)
    assert exact.tolist() == first_appearance(truth).tolist()
    assert scaled.tolist() == exact.tolist()


def test_above_exact_limit_no_dense_linkage_is_used(monkeypatch):
    import scipy.cluster.hierarchy

    def refuse(*args, **kwargs):
        raise AssertionError("the exact (n x n) path was used")

    monkeypatch.setattr(scipy.cluster.hierarchy, "linkage", refuse)
    monkeypatch.setattr(linkage, "_condensed_distance", refuse)
    vectors, truth = planted(n_clusters=12, size=8)
    assert cluster_vectors(vectors, 0.5, exact_limit=50).tolist() == first_appearance(truth).tolist()
    texts = [f"statement {k}" for k in range(len(vectors))]
    ideas = group_ideas(texts, vectors, 0.5, exact_limit=50)
    assert ideas["idea_id"].nunique() == 12
    with pytest.raises(AssertionError, match="exact"):  # the patch does bite below the limit
        cluster_vectors(vectors, 0.5, exact_limit=len(vectors))


def test_at_or_below_exact_limit_no_knn_graph_is_built(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the k-NN path was used")

    monkeypatch.setattr(linkage, "_knn_edges", refuse)
    vectors, truth = planted(n_clusters=4, size=5)
    assert cluster_vectors(vectors, 0.5, exact_limit=20).tolist() == first_appearance(truth).tolist()


def test_scale_path_finds_planted_clusters_larger_than_the_neighbourhood():
    vectors, truth = planted(n_clusters=3, size=40)
    exact = cluster_vectors(vectors, 0.5)
    assert exact.tolist() == first_appearance(truth).tolist()
    assert cluster_vectors(vectors, 0.5, exact_limit=50).tolist() == exact.tolist()


def test_scale_path_with_fewer_than_39_vectors():
    vectors, truth = planted(n_clusters=3, size=8)
    assert cluster_vectors(vectors, 0.5, exact_limit=10).tolist() == first_appearance(truth).tolist()


# --- group_ideas -----------------------------------------------------------------------------


def test_identical_texts_share_an_idea_whatever_their_vectors():
    texts = ["Identity theft", "identity   THEFT", "Budget cuts", "IDENTITY THEFT"]
    vectors = np.eye(4, dtype=np.float32)  # all orthogonal: only the text makes them one idea
    ideas = group_ideas(texts, vectors, threshold=0.99)
    assert ideas["idea_id"].tolist() == ["I0001", "I0001", "I0002", "I0001"]
    assert ideas["idea_size"].tolist() == [3, 3, 1, 3]
    # the representative of a normalised text is its canonical (sorted-first) spelling
    assert ideas["idea_text"].tolist() == ["IDENTITY THEFT"] * 2 + ["Budget cuts", "IDENTITY THEFT"]


def test_blocks_keep_statements_apart():
    texts = ["No strategy", "No strategy", "Define a strategy", "Define a strategy."]
    vectors = unit(0, 0, 1, 1)  # all nearly identical
    together = group_ideas(texts, vectors, 0.5)
    assert together["idea_id"].tolist() == ["I0001"] * 4
    apart = group_ideas(texts, vectors, 0.5, blocks=["risk", "strategy", "risk", "strategy"])
    assert apart["idea_id"].tolist() == ["I0001", "I0002", "I0001", "I0002"]
    assert apart["idea_size"].tolist() == [2, 2, 2, 2]
    assert set(apart.loc[[0, 2], "idea_text"]) < {"No strategy", "Define a strategy"}
    assert set(apart.loc[[1, 3], "idea_text"]) < {"No strategy", "Define a strategy"}  # the label has no full stop


def test_idea_ids_are_numbered_by_size_then_block_then_text():
    texts = ["zeta", "alpha", "alpha two", "beta", "beta two", "beta three", "gamma"]
    vectors = unit(0, 90, 91, 180, 181, 179, 270)
    ideas = group_ideas(texts, vectors, 0.9)
    assert ideas["idea_id"].tolist() == ["I0004", "I0002", "I0002", "I0001", "I0001", "I0001", "I0003"]
    assert ideas["idea_size"].tolist() == [1, 2, 2, 3, 3, 3, 1]
    # among the singletons "gamma" sorts before "zeta"
    assert ideas.loc[6, "idea_text"] == "gamma" and ideas.loc[0, "idea_text"] == "zeta"


def test_idea_ids_widen_past_9999_ideas():
    n = 10_000
    texts = [f"s{k}" for k in range(n)]
    vectors = np.zeros((n, 1), dtype=np.float32)  # never clustered: each text is its own block
    ideas = group_ideas(texts, vectors, 0.5, blocks=texts)
    assert ideas["idea_id"].str.len().unique().tolist() == [6]
    assert ideas["idea_id"].iloc[0] == "I00001"


def test_representative_is_the_member_closest_to_the_centre():
    texts = ["a far", "b far", "z middle"]
    vectors = unit(0, 40, 20)
    ideas = group_ideas(texts, vectors, 0.5)
    assert ideas["idea_text"].tolist() == ["z middle"] * 3


def test_labels_are_cleaned_of_bullets_numbering_and_trailing_full_stops():
    from smgov_nlp.ideas.grouping import clean_label

    cases = {
        "- Mejora la imagen del gobierno.": "Mejora la imagen del gobierno",
        "• Robo de identidad": "Robo de identidad",
        "2) Difusión rápida de avisos.": "Difusión rápida de avisos",
        "3. Publicar información errónea": "Publicar información errónea",
        "(4) Hackeo del portal": "Hackeo del portal",
        "b) Free tools": "Free tools",
        "– * Identity theft .": "Identity theft",
        "3.5 millones sin internet": "3.5 millones sin internet",  # a number, not a list mark
        "Sin datos abiertos...": "Sin datos abiertos...",  # an ellipsis stays
        "-": "-",
    }
    assert {text: clean_label(text) for text in cases} == cases
    vectors = unit(0, 1)
    ideas = group_ideas(["1. Robo de identidad.", "- Identity theft."], vectors, 0.5, langs=["es", "en"])
    assert set(ideas["idea_text"]) == {"Robo de identidad"}


def test_the_label_is_never_a_member_the_others_do_not_resemble():
    # "far" (40 degrees) pairs with "near a" (20) first, then {far, a} meets {b, c} (0, -2) at an average of 0.844;
    # far's mean similarity to the others is 0.816, under the threshold 0.84: it may not label the idea, and it is
    # the weakest member of an idea flagged for review (far-c at 0.743 is under the threshold)
    texts = ["far", "near a", "near b", "near c"]
    vectors = unit(40, 20, 0, -2)
    ideas = group_ideas(texts, vectors, 0.84, guard=False)
    assert ideas["idea_id"].nunique() == 1
    assert set(ideas["idea_text"]) == {"near a"}  # the highest mean similarity to the others (0.936)
    assert ideas["idea_needs_review"].all() and set(ideas["weakest_row"]) == {0}
    # Spanish tables: the only Spanish member is the one the others do not resemble, so it still is not the label
    spanish = group_ideas(texts, vectors, 0.84, guard=False, langs=["es", "en", "en", "en"], lang="es")
    assert set(spanish["idea_text"]) == {"near a"}
    # with the guard, far-b (0.766) is under the floor 0.79: far stays apart
    assert group_ideas(texts, vectors, 0.84)["idea_id"].nunique() == 2


def test_blank_statements_get_no_idea():
    texts = ["Identity theft", "", "   ", None, "Identity theft"]
    vectors = np.vstack([unit(0), np.zeros((3, 2), dtype=np.float32), unit(0)])
    ideas = group_ideas(texts, vectors, 0.5)
    assert ideas["idea_id"].tolist() == ["I0001", "", "", "", "I0001"]
    assert ideas["idea_text"].tolist() == ["Identity theft", "", "", "", "Identity theft"]
    assert ideas["idea_size"].tolist() == [2, 0, 0, 0, 2]
    assert list(ideas.columns) == ["idea_id", "idea_size", "idea_text", "idea_needs_review", "weakest_row"]
    assert ideas["idea_needs_review"].tolist() == [False] * 5 and ideas["weakest_row"].tolist() == [-1] * 5


def test_group_ideas_does_not_depend_on_row_order():
    vectors, _ = planted(n_clusters=6, size=5, seed=3)
    texts = [f"statement {k:02d}" for k in range(len(vectors))]
    base = group_ideas(texts, vectors, 0.5)
    order = np.random.default_rng(0).permutation(len(texts))
    shuffled = group_ideas([texts[k] for k in order], vectors[order], 0.5)
    back = shuffled.iloc[np.argsort(order)].reset_index(drop=True)
    pd.testing.assert_frame_equal(back, base)


# --- pair scores and the threshold sweep --------------------------------------------------------


def test_pair_scores_on_a_hand_counted_example():
    # gold pairs: the 6 among rows 0-3; predicted pairs: (0,1) and the 3 among rows 2-4; shared: (0,1), (2,3)
    scores = pair_scores(["a", "a", "a", "a", "b"], [1, 1, 2, 2, 2])
    assert scores["pair_precision"] == pytest.approx(2 / 4)
    assert scores["pair_recall"] == pytest.approx(2 / 6)
    assert scores["pair_f1"] == pytest.approx(0.4)
    assert set(scores) == {"pair_precision", "pair_recall", "pair_f1", "ari"}


def test_pair_scores_of_identical_partitions_under_other_names():
    scores = pair_scores(["x", "x", "y", "z", "z"], ["I2", "I2", "I7", "I1", "I1"])
    assert scores == {"pair_precision": 1.0, "pair_recall": 1.0, "pair_f1": 1.0, "ari": 1.0}


def test_pair_scores_when_nothing_is_predicted_together():
    scores = pair_scores(["a", "a", "b", "b"], ["1", "2", "3", "4"])
    assert scores == {"pair_precision": 0.0, "pair_recall": 0.0, "pair_f1": 0.0, "ari": 0.0}


def test_sweep_thresholds_scores_each_threshold():
    texts = ["a1", "a2", "b1", "b2"]
    vectors = unit(0, 5, 90, 95)
    sweep = sweep_thresholds(texts, vectors, gold=["a", "a", "b", "b"], grid=[0.5, 0.999])
    assert list(sweep.columns) == ["threshold", "pair_precision", "pair_recall", "pair_f1", "ari"]
    assert sweep["threshold"].tolist() == [0.5, 0.999]
    assert sweep.iloc[0, 1:].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert sweep.iloc[1, 1:].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_sweep_thresholds_default_grid():
    sweep = sweep_thresholds(["a", "b"], unit(0, 90), gold=["a", "b"])
    assert sweep["threshold"].iloc[0] == 0.2 and sweep["threshold"].iloc[-1] == 0.9
    assert len(sweep) == 29


def test_best_threshold_is_the_middle_of_a_tied_plateau():
    sweep = pd.DataFrame({"threshold": [0.3, 0.4, 0.5, 0.6, 0.7], "pair_f1": [0.1, 0.8, 0.8, 0.8, 0.2]})
    assert best_threshold(sweep) == 0.5
    sweep = pd.DataFrame({"threshold": [0.3, 0.4, 0.5, 0.6], "pair_f1": [0.1, 0.8, 0.8, 0.2]})
    assert best_threshold(sweep) == 0.5
    sweep = pd.DataFrame({"threshold": [0.3, 0.4, 0.5], "pair_f1": [0.9, 0.8, 0.2]})
    assert best_threshold(sweep) == 0.3


# --- the real model ------------------------------------------------------------------------------


@pytest.mark.slow
def test_model_dedupe_thresholds_come_from_the_config(default_model):
    assert default_model.dedupe_threshold(True) == default_model.config["dedupe"]["threshold"]
    assert default_model.dedupe_threshold(False) == default_model.config["dedupe"]["threshold_no_by"]
    assert 0.0 < default_model.dedupe_threshold(True) < 1.0 and 0.0 < default_model.dedupe_threshold(False) < 1.0
    from smgov_nlp.model.folder import Model

    bare = Model(None, pd.DataFrame(), np.zeros((0, 1)), {"thresholds": {}})
    assert bare.dedupe_threshold(True) == bare.dedupe_threshold(False) == 0.5


@pytest.mark.slow
def test_model_idea_vectors_with_and_without_type(default_model):
    texts = ["Robo de identidad", "Identity theft", "Definir una estrategia"]
    blocked = default_model.idea_vectors(texts, blocked=True)
    unblocked = default_model.idea_vectors(texts, blocked=False)
    space = default_model.idea_space
    assert str(space.embedder) == "use+e5*3"
    assert default_model.config["dedupe"]["embedder"] == "use+e5"
    assert space.projection_.shape[0] == 512 + 384
    dims = space.projection_.shape[1]
    assert blocked.shape == (3, dims) and unblocked.shape == (3, dims + 3)
    np.testing.assert_allclose(np.linalg.norm(blocked, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(unblocked, axis=1), 1.0, atol=1e-5)
    projected = space.transform(space.embed(texts))
    np.testing.assert_allclose(blocked, idea_vectors(projected, None), atol=1e-6)
    # the cross-language pair is closer than the two statements of different types
    assert blocked[0] @ blocked[1] > 0.8 > blocked[1] @ blocked[2]


def _write(path, frame: pd.DataFrame):
    frame.to_csv(path, index=False)
    return path


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.mark.slow
def test_cluster_file_keeps_rows_columns_and_order(default_model, tmp_path):
    source = _write(tmp_path / "in.csv", pd.DataFrame({
        "id": ["1", "2", "3", "4"],
        "text": ["Robo de identidad", "", "Identity theft", "Free tools"],
        "mesa": ["1", "1", "2", "2"],
    }))
    summary = cluster_file(source, tmp_path / "out.csv", default_model)
    out = _read(tmp_path / "out.csv")
    assert list(out.columns) == ["id", "text", "mesa", "idea_id", "idea_size", "idea_text"]
    assert out["id"].tolist() == ["1", "2", "3", "4"]
    assert out["text"].tolist() == ["Robo de identidad", "", "Identity theft", "Free tools"]
    assert out.loc[0, "idea_id"] == out.loc[2, "idea_id"] != out.loc[3, "idea_id"]
    assert out.loc[1, ["idea_id", "idea_text"]].tolist() == ["", ""]
    assert out.loc[0, "idea_size"] == "2" and out.loc[3, "idea_size"] == "1"
    assert summary == {"rows": 4, "ideas": 2, "threshold": default_model.dedupe_threshold(False), "renamed": []}


@pytest.mark.slow
def test_cluster_file_embeds_in_chunks_and_reports_progress(default_model, tmp_path, monkeypatch):
    import smgov_nlp.workflows.cluster as dedupe

    texts = ["Robo de identidad", "", "Identity theft", "Falta de capacitación", "Lack of training", "Definir metas"]
    source = _write(tmp_path / "notes.csv", pd.DataFrame({"text": texts}))
    cluster_file(source, tmp_path / "whole.csv", default_model)
    whole = _read(tmp_path / "whole.csv")
    steps: list[int] = []
    monkeypatch.setattr(dedupe, "EMBED_CHUNK", 2)
    cluster_file(source, tmp_path / "chunked.csv", default_model, advance=steps.append)
    assert steps == [1, 2, 2, 1]  # the blank row at once, then the five statements two at a time
    pd.testing.assert_frame_equal(_read(tmp_path / "chunked.csv"), whole)


@pytest.mark.slow
def test_cluster_file_renames_clashing_input_columns(default_model, tmp_path):
    source = _write(tmp_path / "in.csv", pd.DataFrame({"text": ["Identity theft"], "idea_id": ["mine"]}))
    summary = cluster_file(source, tmp_path / "out.csv", default_model, threshold=0.9)
    out = _read(tmp_path / "out.csv")
    assert list(out.columns) == ["text", "idea_id_input", "idea_id", "idea_size", "idea_text"]
    assert out.iloc[0].tolist() == ["Identity theft", "mine", "I0001", "1", "Identity theft"]
    assert summary["renamed"] == ["idea_id"] and summary["threshold"] == 0.9


@pytest.mark.slow
@pytest.mark.parametrize("by", [None, "type"])
def test_cluster_file_gives_each_statement_the_same_idea_whatever_the_order(default_model, tmp_path, by):
    frame = pd.read_csv(PARAPHRASE_TEST, dtype=str, keep_default_na=False)
    frame.insert(0, "row", [str(k) for k in range(len(frame))])
    shuffled = frame.sample(frac=1.0, random_state=11)
    cluster_file(_write(tmp_path / "a.csv", frame), tmp_path / "a_out.csv", default_model, by=by)
    cluster_file(_write(tmp_path / "b.csv", shuffled), tmp_path / "b_out.csv", default_model, by=by)
    first = _read(tmp_path / "a_out.csv").set_index("row")
    second = _read(tmp_path / "b_out.csv")
    assert second["row"].tolist() == shuffled["row"].tolist()  # the output keeps the input order
    second = second.set_index("row").loc[first.index]
    assert partition(first.index, first["idea_id"]) == partition(second.index, second["idea_id"])
    assert first["idea_text"].tolist() == second["idea_text"].tolist()
    assert first["idea_id"].tolist() == second["idea_id"].tolist()
    assert 40 <= first["idea_id"].nunique() <= 100  # neither everything merged nor nothing


def test_cluster_file_rejects_a_missing_by_column_before_embedding(tmp_path):
    class NoModel:
        def dedupe_threshold(self, blocked=True):
            return 0.5

    source = _write(tmp_path / "in.csv", pd.DataFrame({"text": ["a"], "kind": ["risk"]}))
    with pytest.raises(SmgovError, match=r"--by column 'type' is not in in\.csv, found \['text', 'kind'\]"):
        cluster_file(source, tmp_path / "out.csv", NoModel(), by="type")
    for bad in (-0.1, 1.01, float("nan")):
        with pytest.raises(SmgovError, match="--threshold must be a cosine similarity in"):
            cluster_file(source, tmp_path / "out.csv", NoModel(), threshold=bad)
    assert not (tmp_path / "out.csv").exists()


def test_threshold_hint_names_the_exact_tuned_default(tmp_path):
    class Tuned:
        def dedupe_threshold(self, blocked=True):
            return 0.425 if blocked else 0.525

    source = _write(tmp_path / "in.csv", pd.DataFrame({"text": ["a"]}))
    with pytest.raises(SmgovError, match=r"try the tuned default 0\.525$"):
        cluster_file(source, tmp_path / "out.csv", Tuned(), threshold=2.0)


@pytest.mark.slow
def test_both_paths_group_the_tune_split_alike_with_the_guard(default_model):
    from smgov_nlp.workflows.score import predict_statements

    frame = pd.read_csv(REPO / "data" / "dev" / "paraphrase_tune.csv", dtype=str, keep_default_na=False)
    texts = frame["text"].tolist()
    vectors = default_model.idea_vectors(texts, blocked=True)
    layers = predict_statements(default_model, texts)["layer"].tolist()
    for threshold in (0.6, 0.675):
        for kwargs in ({}, {"layers": layers}):
            exact = group_ideas(texts, vectors, threshold, blocks=frame["type"].tolist(), **kwargs)
            scaled = group_ideas(texts, vectors, threshold, blocks=frame["type"].tolist(), exact_limit=5, **kwargs)
            pd.testing.assert_frame_equal(scaled, exact)


def test_precise_threshold_puts_precision_on_every_set_first():
    from smgov_nlp.ideas.grouping import precise_threshold

    def sweep(rows):
        return pd.DataFrame(rows, columns=["threshold", "pair_precision", "pair_f1"])

    tune = sweep([(0.6, 0.906, 0.880), (0.65, 0.916, 0.826), (0.675, 0.914, 0.816), (0.7, 0.944, 0.779)])
    examples = sweep([(0.6, 0.796, 0.835), (0.65, 0.932, 0.882), (0.675, 0.976, 0.901), (0.7, 0.974, 0.851)])
    assert precise_threshold([tune]) == 0.6  # tune alone: the best F1 is precise enough
    assert precise_threshold([tune, examples]) == 0.675  # 0.6 merges wrongly on the examples
    assert precise_threshold([tune, examples], min_precision=0.99) == 0.675  # none precise: best mean F1
