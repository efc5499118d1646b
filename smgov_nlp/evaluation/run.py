"""``smgov evaluate``: :func:`run_evaluation` reads the data, runs the planned fits and writes the folder.

It loads the model, corpus and dev sets, embeds once (:func:`~smgov_nlp.evaluation.runner.prepare_data`),
plans and runs the fits (:mod:`~smgov_nlp.evaluation.protocol`, :mod:`~smgov_nlp.evaluation.runner`),
builds the sections of ``metrics.json`` (:mod:`~smgov_nlp.evaluation.sections`) and writes
``metrics.json``, ``REPORT.md`` (:mod:`~smgov_nlp.evaluation.report`), ``LABEL_AUDIT.md``
(:mod:`~smgov_nlp.evaluation.audit`) and the figures (:mod:`~smgov_nlp.evaluation.figures`).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from smgov_nlp import __version__
from smgov_nlp.embeddings.transformers import resolve_st_model
from smgov_nlp.errors import SmgovError
from smgov_nlp.evaluation import sections
from smgov_nlp.evaluation.audit import label_audit, label_audit_markdown
from smgov_nlp.evaluation.figures import write_figures, write_population_figure
from smgov_nlp.evaluation.metrics import ECE_BINS, rounded
from smgov_nlp.evaluation.populations import summarise
from smgov_nlp.evaluation.protocol import BASELINE_C, FULL, FULL_COMMAND, QUICK, QUICK_COMMAND, ST_EMBEDDER, plan_fits
from smgov_nlp.evaluation.report import render_report
from smgov_nlp.evaluation.results import FoldResults
from smgov_nlp.evaluation.runner import prepare_data, run_fits
from smgov_nlp.io.writers import atomic_open
from smgov_nlp.model.corpus import corpus_hash, load_corpus
from smgov_nlp.model.folder import load_model

log = logging.getLogger(__name__)


def run_evaluation(out_dir: Path, quick: bool = False, data_dir: Path = Path("data/labeled"),
                   dev_dir: Path = Path("data/dev"), model_dir: Path | None = None,
                   progress: Callable[[int], None] | None = None, n_jobs: int | None = None) -> dict:
    """Run the evaluation and write its files into ``out_dir``; return this run's metrics.

    The returned dict has the same layout for a full and a quick run (``classification``,
    ``selective``, ``dedupe``, ...). A full run writes it as the top level of
    ``out_dir/metrics.json`` (keeping an existing ``quick`` key), plus ``REPORT.md``,
    ``LABEL_AUDIT.md`` and the figures; a quick run replaces only the ``quick`` key and
    re-renders ``REPORT.md``. ``progress`` is called with the number of steps just done (one
    per fit, and a few for the rest). ``n_jobs`` worker processes fit the folds (default: one
    per available core).
    """
    _require_eval_extras()
    started = time.perf_counter()
    out_dir, data_dir, dev_dir = Path(out_dir), Path(data_dir), Path(dev_dir)
    protocol = QUICK if quick else FULL
    advance = progress or (lambda n: None)
    previous = _read_metrics(out_dir / "metrics.json")

    model = load_model(model_dir)
    corpus = load_corpus(data_dir)
    real = _read_dev(dev_dir / "real_text.csv", ["text", "layer", "type", "lang"])
    paraphrase = {split: _read_dev(dev_dir / f"paraphrase_{split}.csv", ["group_id", "text", "lang", "type"])
                  for split in ("tune", "test")}
    params = dict(model.config["classifier"])
    st_note = _st_unavailable() if protocol.st_baselines else "skipped in --quick"
    data = prepare_data(corpus, real, params, with_st=st_note is None, e5_variant=protocol.e5_variant,
                        paraphrase=paraphrase)
    advance(1)

    fits = plan_fits(corpus, len(real), protocol, with_st=st_note is None)
    folds = FoldResults(corpus, protocol, fits, run_fits(fits, data, n_jobs, advance))

    metrics: dict = {
        "package_version": __version__,
        "command": QUICK_COMMAND if quick else FULL_COMMAND,
        "protocol": {
            "folds": protocol.folds, "repeats": protocol.repeats, "seeds": protocol.seeds,
            "split": "StratifiedGroupKFold on the layer of the scored rows (role table or reviewed), "
                     "groups = idea; train on every labelled row whose idea is outside the test fold",
            "scored_rows": int(folds.scored.sum()), "corpus_rows": len(corpus),
            "ece_bins": ECE_BINS, "baseline_C": BASELINE_C,
        },
        "data_hash": corpus_hash(corpus),
        "model_data_hash": model.config.get("data_hash"),
        "model": model.version,
        "shipped_config": params,
    }
    metrics["model_matches_data"] = metrics["data_hash"] == metrics["model_data_hash"]
    if not metrics["model_matches_data"]:
        log.warning("the model was trained on other data (hash %s, corpus %s): retrain it with 'smgov train'",
                    str(metrics["model_data_hash"])[:12], metrics["data_hash"][:12])
    metrics["classification"] = sections.classification(folds, st_note)
    metrics["calibration"] = sections.calibration(folds)
    metrics["selective"] = sections.selective(folds, sections.target_accuracy(params))
    metrics["selective"].update(summarise(folds.results, protocol.repeats))  # the review policy, per population
    metrics["classification"]["real_text"] = sections.real_text(folds, real, model)
    advance(1)
    dedupe, sweeps = sections.dedupe(model, paraphrase)
    metrics["dedupe"] = dedupe
    advance(1)
    audit = label_audit(folds)
    metrics["label_audit"] = audit["summary"]
    metrics["reviewed"] = sections.reviewed(folds)
    metrics["run_seconds"] = round(time.perf_counter() - started, 1)

    out_dir.mkdir(parents=True, exist_ok=True)
    section = rounded(metrics)
    population_figure = write_population_figure(out_dir, folds.results, metrics["selective"])
    if quick:
        merged = {**previous, "quick": section}
    else:
        merged = {**section, **({"quick": previous["quick"]} if "quick" in previous else {})}
        merged["figures"] = write_figures(out_dir, folds, metrics, sweeps) + ([population_figure] if population_figure else [])
        _write_text(out_dir / "LABEL_AUDIT.md", label_audit_markdown(audit, merged))
    _write_text(out_dir / "metrics.json", json.dumps(merged, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    _write_text(out_dir / "REPORT.md", render_report(merged))
    advance(1)
    log.info("evaluation written to %s in %.0f s", out_dir, time.perf_counter() - started)
    return section


def _require_eval_extras() -> None:
    missing = [name for name in ("matplotlib", "cleanlab") if importlib.util.find_spec(name) is None]
    if missing:
        raise SmgovError(f"'smgov evaluate' needs {', '.join(missing)}, which is not installed",
                         "run: pip install 'smgov-nlp[eval]'")


def _st_unavailable() -> str | None:
    """Why the MiniLM baselines cannot run, or None when they can."""
    if importlib.util.find_spec("sentence_transformers") is None:
        return "sentence-transformers is not installed (pip install 'smgov-nlp[st]')"
    try:
        resolve_st_model(ST_EMBEDDER[3:])
    except SmgovError as exc:
        return exc.problem
    return None


def _read_dev(path: Path, columns: list[str]) -> pd.DataFrame:
    """A dev-set CSV, all columns text, checked to hold ``columns``."""
    if not path.exists():
        raise SmgovError(f"no dev set at {str(path)!r}", "run from the project folder (data/dev holds the dev sets)")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SmgovError(f"expected columns {missing} in {str(path)!r}, found {list(frame.columns)}",
                         "restore the file from the repository")
    return frame


def _read_metrics(path: Path) -> dict:
    """An existing ``metrics.json`` (its other run is kept), or {} when there is none."""
    if not path.exists():
        return {}
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SmgovError(f"{str(path)!r} is not valid JSON ({exc})", "delete it and run the evaluation again") from exc
    if not isinstance(previous, dict):
        raise SmgovError(f"{str(path)!r} is not an evaluation metrics file", "delete it and run the evaluation again")
    return previous


def _write_text(path: Path, text: str) -> None:
    with atomic_open(path) as fh:
        fh.write(text)
