"""The evaluation harness: its metric helpers, its fold plan, and the freshness of ``evaluation/``.

The freshness test recomputes the ``--quick`` figures and compares them with the committed
``evaluation/metrics.json``; when it fails, regenerate the folder with

    smgov evaluate --out evaluation && smgov evaluate --out evaluation --quick
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import IDEAS, LABELED, REPO, FakeEmbedder

from smgov_nlp.evaluation import evaluate as ev
from smgov_nlp.labels import HEADS
from smgov_nlp.model.corpus import corpus_hash, load_corpus

COMMITTED = REPO / "evaluation" / "metrics.json"
TOLERANCE = 0.02  # absolute; the run is seeded, so this only absorbs floating-point noise


# --- metric helpers -----------------------------------------------------------------------


def test_ece_on_a_known_example():
    # 4 statements at 0.95 (3 right) and 2 at 0.55 (1 right):
    # ECE = 4/6 · |0.75 − 0.95| + 2/6 · |0.5 − 0.55| = 0.15
    confidence = [0.95, 0.95, 0.95, 0.95, 0.55, 0.55]
    correct = [1, 1, 1, 0, 1, 0]
    assert ev.expected_calibration_error(confidence, correct) == pytest.approx(0.15)


def test_ece_is_zero_when_confidence_matches_accuracy_and_bins_are_right_closed():
    assert ev.expected_calibration_error([1.0, 1.0], [True, True]) == pytest.approx(0.0)
    table = ev.reliability_table([0.0, 1 / 15, 0.07, 1.0], [1, 1, 1, 1])
    assert table["count"].tolist()[:2] == [2, 1]  # 0 and exactly 1/15 in the first bin
    assert table["count"].iloc[-1] == 1 and table["count"].sum() == 4


def test_selective_curve_on_a_tiny_example():
    confidence = np.array([0.3, 0.8, 0.9, 0.6, 0.8])
    correct = np.array([0, 0, 1, 1, 1])
    curve = ev.selective_curve(confidence, correct)
    # tied confidences (0.8) are accepted together
    assert curve["threshold"].tolist() == [0.9, 0.8, 0.6, 0.3]
    assert curve["accepted"].tolist() == [1, 3, 4, 5]
    assert curve["coverage"].tolist() == pytest.approx([0.2, 0.6, 0.8, 1.0])
    assert curve["accuracy"].tolist() == pytest.approx([1.0, 2 / 3, 0.75, 0.6])
    assert ev.coverage_at_accuracy(curve, 0.75, min_support=1) == pytest.approx(0.8)
    assert ev.coverage_at_accuracy(curve, 0.75, min_support=5) == 0.0
    assert ev.coverage_at_accuracy(curve, 1.0, min_support=1) == pytest.approx(0.2)
    order = np.random.default_rng(0).permutation(5)
    assert ev.selective_curve(confidence[order], correct[order]).equals(curve)


def test_idea_count_errors():
    errors = ev.idea_count_errors(["a", "a", "b", "c"], ["x", "x", "x", "y"])
    # gold sizes 2 2 1 1, predicted sizes 3 3 3 1
    assert errors["size_mae"] == pytest.approx(1.0)
    assert (errors["gold_ideas"], errors["predicted_ideas"], errors["idea_count_error"]) == (3, 2, -1)


def test_head_scores_per_language():
    scores = ev.head_scores(["a", "b", "a", "b"], ["a", "b", "b", "b"], ["es", "es", "en", "en"])
    assert scores["per_lang"]["es"] == 1.0
    assert scores["accuracy"] == 0.75 and scores["per_lang_accuracy"]["en"] == 0.5


def test_rounding_for_json():
    out = ev._rounded({"a": np.float32(0.123456), "b": float("nan"), "c": [np.int64(3), True], "d": None})
    assert out == {"a": 0.1235, "b": None, "c": [3, True], "d": None}
    json.dumps(out)


def test_protocols():
    assert (ev.FULL.folds, ev.FULL.repeats, ev.FULL.seeds) == (10, 3, [0, 1, 2])
    assert (ev.QUICK.folds, ev.QUICK.repeats, ev.QUICK.st_baselines, ev.QUICK.e5_variant) == (5, 1, False, False)
    assert ev.FULL.e5_variant and ev.FULL.st_baselines
    with pytest.raises(ValueError, match="folds"):
        ev.Protocol(folds=1, repeats=1)


# --- the fold plan on the real corpus -------------------------------------------------------


def test_fold_plan_is_grouped_and_scores_each_row_once_per_repeat():
    corpus = load_corpus(LABELED)
    protocol = ev.Protocol(folds=10, repeats=2, st_baselines=False)
    tasks = ev._plan(corpus, n_real=5, protocol=protocol, with_st=False)
    scored = corpus["role"].isin(ev.SCORED_ROLES).to_numpy()
    groups, lang, role = corpus["group"].to_numpy(), corpus["lang"].to_numpy(), corpus["role"].to_numpy()
    for repeat in range(2):
        shipped = [t for t in tasks if t.kind == "shipped" and t.repeat == repeat]
        assert len(shipped) == 10
        tested = np.concatenate([t.test for t in shipped])
        assert sorted(tested) == sorted(np.flatnonzero(scored))  # every scored row exactly once
        for t in shipped:
            assert not set(groups[t.train]) & set(groups[t.test])  # no idea on both sides
            assert len(t.train) + len(t.test) <= len(corpus)
    for t in tasks:
        if t.kind == "en_to_es":
            assert set(lang[t.train]) == {"en"} and set(lang[t.test]) == {"es"} and set(role[t.test]) == {"table"}
        if t.kind == "shipped_tables_only":
            assert set(role[t.train]) == {"table"}
        if t.repeat == -1:  # real-text fits test only the appended real rows
            assert t.test.min() == len(corpus)
    assert not any(t.kind in ev.ST_BASELINES for t in tasks)
    assert not any(t.kind == "no_reviewed" for t in tasks)  # no reviewed.csv in the repository
    # the e5 variant is fitted on exactly the shipped configuration's folds, and once on everything for real text
    split = {(t.kind, t.repeat, t.fold): (t.train.tolist(), t.test.tolist()) for t in tasks}
    variant = [key for key in split if key[0] == ev.E5_VARIANT]
    assert len(variant) == 2 * 10 + 1 and (ev.E5_VARIANT, -1, 0) in split
    assert all(split[key] == split[("shipped", key[1], key[2])] for key in variant if key[1] >= 0)
    quick = ev._plan(corpus, n_real=5, protocol=ev.QUICK, with_st=False)
    assert not any(t.kind == ev.E5_VARIANT for t in quick)


# --- the whole fold machinery on a small synthetic corpus with reviewed rows ---------------


def synthetic_corpus(labeled_table: pd.DataFrame) -> pd.DataFrame:
    table = labeled_table.assign(role="table", origin="paper_table", style="table")
    aux = labeled_table.assign(id=labeled_table["id"] + "-aux", text="In other words: " + labeled_table["text"],
                               role="aux", origin="project_paraphrase", style="formal")
    reviewed = pd.DataFrame([
        {"id": f"rev-{i}", "text": f"{en} (reviewed)", "layer": layer, "type": type_, "lang": "en",
         "group": f"rev-{i}", "role": "reviewed", "origin": "review", "style": "table"}
        for i, (layer, type_, en, _) in enumerate(IDEAS[:9])])
    return pd.concat([table, aux, reviewed], ignore_index=True)[
        ["id", "text", "layer", "type", "lang", "group", "role", "origin", "style"]]


@pytest.mark.filterwarnings("ignore:The least populated class")
def test_sections_on_a_synthetic_corpus_with_reviewed_rows(labeled_table):
    corpus = synthetic_corpus(labeled_table)
    vectors = FakeEmbedder(dim=48).transform(corpus["text"].tolist())
    data = ev._Data(texts=corpus["text"].tolist(), labels=corpus[list(HEADS)], groups=corpus["group"].to_numpy(),
                    features={"use": vectors, "e5": vectors[:, :16], "st": None, "shipped": vectors,
                              ev.E5_VARIANT: vectors[:, :32]},
                    params={"embedder": "use", "cv": 3}, scored=corpus["role"].isin(ev.SCORED_ROLES).to_numpy(),
                    formal=(corpus["style"] == "formal").to_numpy())
    protocol = ev.Protocol(folds=3, repeats=2, st_baselines=False)
    tasks = [t for t in ev._plan(corpus, 0, protocol, with_st=False) if t.repeat >= 0]
    assert {t.kind for t in tasks} >= {"shipped", "no_reviewed", "majority", "use_lr", "tfidf_lr"}
    steps = []
    results = ev._run_tasks(tasks, data, n_jobs=1, advance=steps.append)
    assert len(steps) == len(tasks)
    evaluation = ev._Evaluation(corpus, pd.DataFrame(), protocol, tasks, results, model=None, params=data.params)

    classification = evaluation.classification(st_note="not installed")
    for head in HEADS:
        assert 0.0 <= classification["shipped"][head]["macro_f1"] <= 1.0
        assert set(classification["shipped"][head]["per_lang"]) == {"es", "en"}
        assert classification["shipped"][head]["rows"] == 36 + 9
    assert classification["baselines_skipped"] == {"st_lr": "not installed", "use+st_lr": "not installed"}
    assert 0.0 <= classification["baselines"][ev.E5_VARIANT]["type"]["macro_f1"] <= 1.0
    assert set(classification["cross_lingual"]) == {"en_to_es", "es_to_en"}
    shipped_fits = sum(t.kind == "shipped" for t in tasks)
    for key in ("aux_weight_choices", "cue_block_choices"):  # one choice per head in every shipped fit
        assert {h: sum(c.values()) for h, c in classification["shipped"][key].items()} == {h: shipped_fits for h in HEADS}

    selective = evaluation.selective()
    assert 0.0 <= selective["auto_accept_share"] <= 1.0
    assert len(selective["per_repeat"]) == 2

    reviewed = evaluation.reviewed()
    assert reviewed["rows"] == 9
    assert set(reviewed["delta_macro_f1"]) == set(HEADS)
    assert reviewed["with_reviewed"]["layer"]["macro_f1"] is not None

    calibration = evaluation.calibration()
    assert all(0.0 <= calibration[h]["ece"] <= 1.0 for h in HEADS)
    audit = evaluation.label_audit()
    assert audit["summary"]["layer"]["rows"] == 36


def test_report_renders_from_a_quick_section_alone():
    quick = {"protocol": {"folds": 5, "repeats": 1}, "run_seconds": 1.0,
             "classification": {"shipped": {"layer": {"macro_f1": 0.5}}}}
    text = ev.render_report({"quick": quick})
    assert "smgov evaluate --out evaluation" in text and "0.500" in text


# --- freshness of the committed evaluation/ ------------------------------------------------


def test_model_was_trained_on_the_committed_corpus():
    config = json.loads((REPO / "models" / "default" / "config.json").read_text(encoding="utf-8"))
    assert config["data_hash"] == corpus_hash(load_corpus(LABELED)), (
        "models/default was trained on other data than data/labeled: run 'smgov train --out models/default', "
        "then 'smgov evaluate --out evaluation' and 'smgov evaluate --out evaluation --quick'")


def _checked_paths(quick: dict) -> list[str]:
    paths = list(ev.QUICK_PATHS)
    for name in quick.get("classification", {}).get("baselines", {}):
        paths += [f"classification.baselines.{name}.{head}.macro_f1" for head in HEADS]
    return paths


@pytest.mark.slow
@pytest.mark.rerun
def test_committed_quick_figures_are_fresh(tmp_path):
    assert COMMITTED.exists(), "no evaluation/metrics.json: run 'smgov evaluate --out evaluation' and '--quick'"
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert "quick" in committed, "evaluation/metrics.json has no quick section: run 'smgov evaluate --out evaluation --quick'"
    assert committed["quick"]["data_hash"] == corpus_hash(load_corpus(LABELED)), (
        "evaluation/ was computed on other data: run 'smgov evaluate --out evaluation' and '--quick'")

    fresh = ev.run_evaluation(tmp_path, quick=True, data_dir=LABELED, dev_dir=REPO / "data" / "dev")

    assert json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))["quick"] == fresh
    drift = []
    for path in _checked_paths(committed["quick"]):
        old, new = ev._at(committed["quick"], path), ev._at(fresh, path)
        if old is None or new is None:
            if old != new:
                drift.append(f"{path}: committed {old}, now {new}")
        elif abs(old - new) > TOLERANCE:
            drift.append(f"{path}: committed {old:.4f}, now {new:.4f}")
    listing = "\n  ".join(drift)
    assert not drift, (f"evaluation/metrics.json is stale (beyond ±{TOLERANCE:.2f}); regenerate with "
                       f"'smgov evaluate --out evaluation' and 'smgov evaluate --out evaluation --quick':\n  {listing}")
