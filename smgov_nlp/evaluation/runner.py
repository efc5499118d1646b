"""Running the planned fits: the data every fit sees, one fit, and all of them in worker processes.

:func:`prepare_data` embeds the corpus and the real-text rows once (:class:`FoldData`);
:func:`run_fits` runs the :class:`~smgov_nlp.evaluation.protocol.Fit` records of the plan and
returns each fit's probabilities on its test rows, keyed by ``fit.key``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from smgov_nlp.coding.classifier import StatementClassifier, choose_threshold
from smgov_nlp.embeddings.transformers import available_cores, make_embedder
from smgov_nlp.evaluation.baselines import fit_baseline
from smgov_nlp.evaluation.populations import fold_populations
from smgov_nlp.evaluation.protocol import E5_VARIANT, E5_VARIANT_EMBEDDER, ST_EMBEDDER, Fit, FitKey
from smgov_nlp.labels import HEADS
from smgov_nlp.model.corpus import scored_mask
from smgov_nlp.specs import EmbedderSpec


@dataclass
class FoldData:
    """Everything a fit needs: corpus rows then real-text rows, with precomputed embeddings.

    ``features`` holds ``use``, ``e5``, ``st`` (None without the MiniLM baselines),
    :data:`~smgov_nlp.evaluation.protocol.E5_VARIANT` (when planned) and ``shipped`` (the shipped
    embedder's vectors; None when it is not dense, so the classifier embeds inside each fit).
    ``scored`` marks the rows evaluation scores (table and reviewed), ``formal`` the formal-style
    training rows, which training-time choices are also judged on.
    """

    texts: list[str]
    labels: pd.DataFrame  # layer, type ("" = no label)
    groups: np.ndarray
    features: dict[str, np.ndarray | None]
    params: dict
    scored: np.ndarray
    formal: np.ndarray
    corpus: pd.DataFrame | None = None  # for the selective-prediction populations (evaluation/populations.py)
    tune: pd.DataFrame | None = None  # paraphrase_tune.csv: calibration of the review policy in each fit
    known: pd.DataFrame | None = None  # paraphrase_test.csv: the known-ideas population
    real: pd.DataFrame | None = None


def _embed(spec: EmbedderSpec | str, texts: list[str]) -> np.ndarray:
    return np.asarray(make_embedder(spec).fit([]).transform(texts), dtype=np.float32)


def prepare_data(corpus: pd.DataFrame, real: pd.DataFrame, params: dict, with_st: bool,
                 e5_variant: bool = True, paraphrase: dict[str, pd.DataFrame] | None = None) -> FoldData:
    """Embed the corpus rows and the real-text rows after them with every embedder the fits use.

    ``params`` is the shipped model's ``config['classifier']``; ``with_st`` adds the MiniLM vectors,
    ``e5_variant`` the vectors of :data:`~smgov_nlp.evaluation.protocol.E5_VARIANT_EMBEDDER`.
    """
    texts = corpus["text"].tolist() + real["text"].tolist()
    labels = pd.concat([corpus[list(HEADS)], real[list(HEADS)]], ignore_index=True)
    groups = np.concatenate([corpus["group"].to_numpy(), ("real-" + real["id"]).to_numpy()
                             if "id" in real else np.array([f"real-{i}" for i in range(len(real))])])
    features: dict[str, np.ndarray | None] = {"use": _embed("use", texts)}
    features["e5"] = _embed("e5", texts)
    features["st"] = _embed(ST_EMBEDDER, texts) if with_st else None
    if e5_variant:
        features[E5_VARIANT] = _embed(E5_VARIANT_EMBEDDER, texts)  # from the cached use and e5 vectors
    spec = EmbedderSpec.parse(params.get("embedder", "use"))  # parsed once, here
    if spec == EmbedderSpec.parse("use"):
        features["shipped"] = features["use"]
    elif spec == EmbedderSpec.parse(ST_EMBEDDER) and with_st:
        features["shipped"] = features["st"]
    else:
        features["shipped"] = _embed(spec, texts) if spec.is_dense else None
    scored = np.r_[scored_mask(corpus), np.zeros(len(real), dtype=bool)]
    formal = np.r_[(corpus["style"] == "formal").to_numpy(), np.zeros(len(real), dtype=bool)]
    paraphrase = paraphrase or {}
    return FoldData(texts, labels, groups, features, params, scored, formal, corpus.reset_index(drop=True),
                    paraphrase.get("tune"), paraphrase.get("test"), real.reset_index(drop=True))


def run_fits(fits: list[Fit], data: FoldData, n_jobs: int | None,
             advance: Callable[[int], None]) -> dict[FitKey, dict]:
    """Run every fit (in ``n_jobs`` worker processes; None: one per available core); results by ``fit.key``.

    ``advance(1)`` is called after each fit. Each result is the dict :func:`fit_predict` returns.
    """
    n_jobs = available_cores() if n_jobs is None else max(1, n_jobs)
    results = {}
    if n_jobs == 1:
        for fit in fits:
            results[fit.key] = fit_predict(fit, data)
            advance(1)
        return results
    from joblib import Parallel, delayed

    jobs = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(_run_one)(fit, data) for fit in fits)
    for key, result in jobs:
        results[key] = result
        advance(1)
    return results


def _run_one(fit: Fit, data: FoldData) -> tuple[FitKey, dict]:
    return fit.key, fit_predict(fit, data)


def fit_predict(fit: Fit, data: FoldData) -> dict:
    """Fit one model on ``fit.train`` and return its probabilities on ``fit.test`` (HEADS column order).

    The result holds ``proba`` (head -> rows × classes); a classifier's also holds its
    ``thresholds``, threshold ``diagnostics``, and the training-time choices it made
    (``aux_weights``, ``cue_used``, ``part_weights``).

    BLAS runs single-threaded: the fits are small, parallelism comes from the worker processes, and
    multi-threaded OpenBLAS makes scipy's L-BFGS-B many times slower on a busy machine.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _fit_predict_unlimited(fit, data)


def _fit_predict_unlimited(fit: Fit, data: FoldData) -> dict:
    experiment = fit.experiment
    train_texts = [data.texts[i] for i in fit.train]
    test_texts = [data.texts[i] for i in fit.test]
    if experiment.head != "classifier":
        return {"proba": fit_baseline(experiment, data.features, data.labels, fit.train, fit.test,
                                      train_texts, test_texts)}
    emb = data.features[experiment.features[0]]
    params = data.params if experiment.embedder is None else {**data.params, "embedder": experiment.embedder}
    model = StatementClassifier(**params)
    model.fit(train_texts, data.labels.iloc[fit.train], groups=data.groups[fit.train],
              embeddings=None if emb is None else emb[fit.train], calibration_mask=data.scored[fit.train],
              selection_mask=data.formal[fit.train])
    proba = model.predict_proba(test_texts, embeddings=None if emb is None else emb[fit.test])
    populations = None
    if experiment.name == "shipped" and fit.repeat >= 0 and data.corpus is not None:
        populations = fold_populations(model, data.corpus, fit.train, fit.test, data.scored, data.tune, data.known,
                                       data.real)
    return {"proba": proba, "populations": populations, "thresholds": dict(model.thresholds_), "diagnostics": _threshold_diagnostics(model, fit, data),
            "aux_weights": dict(model.aux_weights_), "cue_used": dict(model.cue_used_),
            "part_weights": dict(model.part_weights_)}


def _threshold_diagnostics(model: StatementClassifier, fit: Fit, data: FoldData) -> dict | None:
    """What the fit's own out-of-fold predictions say about its thresholds, split by scored and auxiliary rows.

    ``thresholds``: what ``choose_threshold`` would pick from the scored training rows alone;
    ``inner``: per head, accuracy of the training rows' out-of-fold predictions (all, and at or
    above the fitted threshold) for scored and auxiliary rows, and the auxiliary share above it.
    None when the classifier does not expose ``oof_`` aligned with its labelled rows.
    """
    out: dict = {"thresholds": {}, "inner": {}}
    for head, classes in HEADS.items():
        target = data.labels[head].to_numpy()[fit.train]
        labelled = target != ""
        oof = getattr(model, "oof_", {}).get(head)
        if oof is None or len(oof) != labelled.sum():
            return None
        scored = data.scored[fit.train][labelled]
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
