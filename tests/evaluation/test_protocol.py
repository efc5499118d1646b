"""The protocols, the experiment catalogue and the fold plan (smgov_nlp.evaluation.protocol)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import LABELED

from smgov_nlp.evaluation.protocol import (
    BASELINES,
    E5_VARIANT,
    EXPERIMENTS,
    FULL,
    QUICK,
    REPORT_ORDER,
    ST_BASELINES,
    Experiment,
    Protocol,
    active_experiments,
    in_report_order,
    plan_fits,
)
from smgov_nlp.model.corpus import SCORED_ROLES, load_corpus, scored_mask


def test_protocols():
    assert (FULL.folds, FULL.repeats, FULL.seeds) == (10, 3, [0, 1, 2])
    assert (QUICK.folds, QUICK.repeats, QUICK.st_baselines, QUICK.e5_variant) == (5, 1, False, False)
    assert FULL.e5_variant and FULL.st_baselines
    with pytest.raises(ValueError, match="folds"):
        Protocol(folds=1, repeats=1)


def test_the_experiment_catalogue():
    names = [e.name for e in EXPERIMENTS]
    assert len(set(names)) == len(names)
    assert BASELINES == ("majority", "tfidf_lr", "use_lr", "e5_lr", "use+e5_lr", "st_lr", "use+st_lr")
    assert ST_BASELINES == ("st_lr", "use+st_lr")
    assert {e.name: e.features for e in EXPERIMENTS if e.head == "embedding_lr"} == {
        "use_lr": ("use",), "e5_lr": ("e5",), "use+e5_lr": ("use", "e5"), "st_lr": ("st",), "use+st_lr": ("use", "st")}
    assert {e.name for e in EXPERIMENTS if e.compared} == set(REPORT_ORDER)
    assert in_report_order(["shipped", "zzz", "majority", E5_VARIANT]) == ["majority", "shipped", E5_VARIANT, "zzz"]
    quick = {e.name for e in active_experiments(QUICK, with_st=False, has_reviewed=False)}
    assert "no_reviewed" not in quick and E5_VARIANT not in quick and not quick & set(ST_BASELINES)


def test_an_experiment_checks_its_fields():
    with pytest.raises(ValueError, match="head 'svm' is not one of"):
        Experiment("x", "svm")
    with pytest.raises(ValueError, match="embedding_lr head takes at least one feature key"):
        Experiment("x", "embedding_lr")
    with pytest.raises(ValueError, match="train 'tables' is not one of"):
        Experiment("x", "classifier", ("shipped",), train="tables")


def test_scored_rows_are_the_table_and_reviewed_rows():
    corpus = load_corpus(LABELED)
    assert SCORED_ROLES == ("table", "reviewed")
    assert scored_mask(corpus).tolist() == corpus["role"].isin(["table", "reviewed"]).tolist()


def test_fold_plan_is_grouped_and_scores_each_row_once_per_repeat():
    corpus = load_corpus(LABELED)
    protocol = Protocol(folds=10, repeats=2, st_baselines=False)
    fits = plan_fits(corpus, n_real=5, protocol=protocol, with_st=False)
    scored = scored_mask(corpus)
    groups, lang, role = corpus["group"].to_numpy(), corpus["lang"].to_numpy(), corpus["role"].to_numpy()
    for repeat in range(2):
        shipped = [f for f in fits if f.name == "shipped" and f.repeat == repeat]
        assert len(shipped) == 10
        tested = np.concatenate([f.test for f in shipped])
        assert sorted(tested) == sorted(np.flatnonzero(scored))  # every scored row exactly once
        for f in shipped:
            assert not set(groups[f.train]) & set(groups[f.test])  # no idea on both sides
            assert len(f.train) + len(f.test) <= len(corpus)
    for f in fits:
        if f.name == "en_to_es":
            assert set(lang[f.train]) == {"en"} and set(lang[f.test]) == {"es"} and set(role[f.test]) == {"table"}
        if f.name == "shipped_tables_only":
            assert set(role[f.train]) == {"table"}
        if f.repeat == -1:  # real-text fits test only the appended real rows
            assert f.test.min() == len(corpus)
    assert not any(f.name in ST_BASELINES for f in fits)
    assert not any(f.name == "no_reviewed" for f in fits)  # no reviewed.csv in the repository
    # the e5 variant is fitted on exactly the shipped configuration's folds, and once on everything for real text
    split = {f.key: (f.train.tolist(), f.test.tolist()) for f in fits}
    variant = [key for key in split if key[0] == E5_VARIANT]
    assert len(variant) == 2 * 10 + 1 and (E5_VARIANT, -1, 0) in split
    assert all(split[key] == split[("shipped", key[1], key[2])] for key in variant if key[1] >= 0)
    heavy = [f.experiment.heavy for f in fits]
    assert heavy == sorted(heavy, reverse=True)  # the slow fits first
    quick = plan_fits(corpus, n_real=5, protocol=QUICK, with_st=False)
    assert not any(f.name == E5_VARIANT for f in quick)
