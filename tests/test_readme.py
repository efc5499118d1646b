"""The README's quality figures are the ones in evaluation/metrics.json (no number without a script)."""

import json

from conftest import REPO

METRICS = json.loads((REPO / "evaluation" / "metrics.json").read_text(encoding="utf-8"))
README = (REPO / "README.md").read_text(encoding="utf-8")


def value(path: str):
    node = METRICS
    for key in path.split("."):
        node = node[key]
    return node


def test_readme_quotes_the_committed_classification_figures():
    paths = [
        "classification.shipped.layer.macro_f1", "classification.shipped.type.macro_f1",
        "classification.shipped.layer.per_lang.es", "classification.shipped.layer.per_lang.en",
        "classification.shipped.type.per_lang.es", "classification.shipped.type.per_lang.en",
        "classification.baselines.use_lr.layer.macro_f1", "classification.baselines.tfidf_lr.layer.macro_f1",
        "classification.real_text.layer.macro_f1", "classification.real_text.type.macro_f1",
        "calibration.layer.ece", "calibration.type.ece",
        "classification.baselines.shipped_use+e5.layer.macro_f1", "classification.baselines.shipped_use+e5.type.macro_f1",
        "classification.real_text.baselines.shipped_use+e5.layer.macro_f1",
        "classification.real_text.baselines.shipped_use+e5.type.macro_f1",
    ]
    missing = [p for p in paths if f"{value(p):.3f}" not in README]
    assert not missing, f"README does not quote {missing}; update it from evaluation/metrics.json"


def test_readme_quotes_the_committed_dedupe_figures():
    """The duplicate-idea check scores the shipped model on the test split, the same in the quick and the full
    protocol; the quick section is the one CI reruns, so the README quotes it."""
    for path in ("quick.dedupe.test.pair_f1", "quick.dedupe.test.ari", "quick.dedupe.threshold",
                 "quick.dedupe.test.pair_precision", "quick.dedupe.test.pair_recall"):
        assert f"{value(path):.3f}".rstrip("0") in README, path


def bench_value(target_prefix: str) -> dict:
    bench = json.loads((REPO / "evaluation" / "bench.json").read_text(encoding="utf-8"))
    (check,) = [c for c in bench["target_checks"] if c["target"].startswith(target_prefix)]
    return check


def test_readme_quotes_the_committed_benchmark_figures():
    """Speed claims come from evaluation/bench.json, written by scripts/bench.py."""
    expected = {
        "(a) throughput": lambda v: f"{v:.2f}",
        "(b) default vs st": lambda v: f"{v:.2f}× faster",
        "(c) cold start": lambda v: f"+{v:.2f} s",
        "cluster --by type, 100,000 statements, embeddings cached: wall time": lambda v: f"{v:.1f} s",
        "cluster --by type, 100,000 statements: peak RSS": lambda v: f"{v:.2f} GB",
        "cluster without --by, 100,000 statements, embeddings cached: wall time": lambda v: f"{v:.1f} s",
    }
    missing = [prefix for prefix, shown in expected.items()
               if bench_value(prefix)["value"] is None or shown(bench_value(prefix)["value"]) not in README]
    assert not missing, f"README does not quote {missing}; update it from evaluation/bench.json"


def test_readme_quotes_the_committed_distributed_figures():
    """The --scheduler figures come from the 'dask' section of evaluation/bench.json (scripts/bench.py --dask-only)."""
    bench = json.loads((REPO / "evaluation" / "bench.json").read_text(encoding="utf-8"))
    dask = bench["dask"]
    runs = dask["score"]["runs"]
    shown = [f"{runs['local']['wall_s']:.1f} s", f"{runs['cluster']['wall_s']:.1f} s",
             f"{runs['scheduler_local']['wall_s']:.1f} s", f"{dask['score']['cluster_over_local']:.2f}×",
             f"{dask['embed']['local_step_s']:.1f} s", f"{dask['embed']['cluster_step_s']:.1f} s"]
    shown += [f"{k['linkage_s']:.1f} s" for k in dask["linkage"]]
    missing = [text for text in shown if text not in README]
    assert not missing, f"README does not quote {missing}; update it from evaluation/bench.json"
