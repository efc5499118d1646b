"""The freshness of the committed ``evaluation/`` folder (the harness's unit tests are in tests/evaluation/).

REPORT.md's quick-check section names this file, so it stays here. The freshness test recomputes
the ``--quick`` figures and compares them with the committed ``evaluation/metrics.json``; when it
fails, regenerate the folder with

    smgov evaluate --out evaluation && smgov evaluate --out evaluation --quick
"""

from __future__ import annotations

import json

import pytest
from conftest import LABELED, REPO

from smgov_nlp.evaluation.metrics import value_at
from smgov_nlp.evaluation.report import QUICK_PATHS
from smgov_nlp.evaluation.run import run_evaluation
from smgov_nlp.labels import HEADS
from smgov_nlp.model.corpus import corpus_hash, load_corpus

COMMITTED = REPO / "evaluation" / "metrics.json"
TOLERANCE = 0.02  # absolute; the run is seeded, so this only absorbs floating-point noise



def test_model_was_trained_on_the_committed_corpus():
    config = json.loads((REPO / "models" / "default" / "config.json").read_text(encoding="utf-8"))
    assert config["data_hash"] == corpus_hash(load_corpus(LABELED)), (
        "models/default was trained on other data than data/labeled: run 'smgov train --out models/default', "
        "then 'smgov evaluate --out evaluation' and 'smgov evaluate --out evaluation --quick'")


def _checked_paths(quick: dict) -> list[str]:
    paths = list(QUICK_PATHS)
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

    fresh = run_evaluation(tmp_path, quick=True, data_dir=LABELED, dev_dir=REPO / "data" / "dev")

    assert json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))["quick"] == fresh
    drift = []
    for path in _checked_paths(committed["quick"]):
        old, new = value_at(committed["quick"], path), value_at(fresh, path)
        if old is None or new is None:
            if old != new:
                drift.append(f"{path}: committed {old}, now {new}")
        elif abs(old - new) > TOLERANCE:
            drift.append(f"{path}: committed {old:.4f}, now {new:.4f}")
    listing = "\n  ".join(drift)
    assert not drift, (f"evaluation/metrics.json is stale (beyond ±{TOLERANCE:.2f}); regenerate with "
                       f"'smgov evaluate --out evaluation' and 'smgov evaluate --out evaluation --quick':\n  {listing}")
