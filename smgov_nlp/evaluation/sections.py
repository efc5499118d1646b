"""The sections of ``metrics.json``: classification, calibration, selective prediction, real text,
reviewed corrections and duplicate ideas.

Each function takes the assembled fold predictions (:class:`~smgov_nlp.evaluation.results.FoldResults`)
or the shipped model and returns one section as a plain dict (unrounded; ``run.py`` rounds the whole file).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.metrics import classification_report, cohen_kappa_score

from smgov_nlp.evaluation.metrics import (
    ECE_BINS,
    accuracy_at,
    coverage_at_accuracy,
    expected_calibration_error,
    head_scores,
    idea_count_errors,
    mean_dicts,
    selective_curve,
)
from smgov_nlp.evaluation.protocol import CROSS_LINGUAL, E5_VARIANT, EXPERIMENTS, ST_BASELINES
from smgov_nlp.evaluation.results import FoldResults
from smgov_nlp.ideas.grouping import group_ideas, pair_scores, sweep_thresholds
from smgov_nlp.labels import HEADS
from smgov_nlp.model.folder import Model

TARGET_SHARE = 0.5  # the auto-accept share the selective-prediction target asks for


def target_accuracy(params: dict) -> float:
    """The accuracy auto-accepted statements must reach: the shipped classifier's ``target_accuracy``."""
    return float(params.get("target_accuracy", 0.95))


def classification(folds: FoldResults, st_note: str | None) -> dict:
    """Grouped-CV scores of the shipped configuration (per class too), every baseline and the cross-lingual
    transfers, with the training-time choices made in the folds. ``st_note`` says why MiniLM baselines did not run."""
    shipped = folds.scores("shipped", folds.scored)
    for head in HEADS:
        reports = []
        for repeat in range(folds.protocol.repeats):
            proba = folds.oof("shipped", repeat)[head]
            mask = folds.scored & (folds.corpus[head].to_numpy() != "")
            reports.append(classification_report(folds.corpus[head].to_numpy()[mask],
                                                 folds.predicted(proba[mask], head), labels=list(HEADS[head]),
                                                 output_dict=True, zero_division=0))
        shipped[head]["per_class"] = mean_dicts(reports)
    baselines = {e.name: folds.scores(e.name, folds.scored) for e in EXPERIMENTS
                 if e.compared and e.name in folds.kinds()}
    skipped = {name: st_note for name in ST_BASELINES if name not in folds.kinds()}
    cross = {}
    for source, target in CROSS_LINGUAL:
        rows = folds.table & (folds.lang == target)
        transfer = folds.scores(f"{source}_to_{target}", rows, per_lang=False)
        both = folds.scores("shipped", rows, per_lang=False)
        cross[f"{source}_to_{target}"] = {
            "train": f"{source} rows of the training ideas", "test": f"{target} table rows of the held-out ideas",
            **transfer,
            "both_languages": {head: {"macro_f1": both[head]["macro_f1"], "accuracy": both[head]["accuracy"]}
                               for head in HEADS},
        }

    def weight(w: float) -> str:
        return f"{w:g}"

    def switch(used: bool) -> str:
        return "on" if used else "off"

    shipped["aux_weight_choices"] = folds.choices("aux_weights", weight)
    shipped["cue_block_choices"] = folds.choices("cue_used", switch)
    variant_choices = {"part_weight": folds.choices("part_weights", weight, E5_VARIANT),
                       "aux_weight": folds.choices("aux_weights", weight, E5_VARIANT),
                       "cue_block": folds.choices("cue_used", switch, E5_VARIANT)}
    return {"shipped": shipped, "baselines": baselines, "variant_choices": variant_choices,
            "baselines_skipped": skipped, "cross_lingual": cross,
            "baseline_notes": {e.name: e.note for e in EXPERIMENTS if e.compared}}


def calibration(folds: FoldResults) -> dict:
    """Per head: 15-bin ECE of the shipped configuration's out-of-fold probabilities (mean and sd over
    repeats), and the mean confidence and accuracy pooled over repeats."""
    out = {}
    for head in HEADS:
        eces = []
        for repeat in range(folds.protocol.repeats):
            proba = folds.oof("shipped", repeat)[head]
            mask = folds.scored & (folds.corpus[head].to_numpy() != "")
            correct = folds.predicted(proba[mask], head) == folds.corpus[head].to_numpy()[mask]
            eces.append(expected_calibration_error(proba[mask].max(1), correct))
        pooled, rows = folds.pooled_oof()
        correct = folds.correct(pooled[head], rows, head)
        out[head] = {"ece": float(np.mean(eces)), "ece_sd": float(np.std(eces)),
                     "mean_confidence": float(pooled[head].max(1).mean()), "accuracy": float(correct.mean()),
                     "bins": ECE_BINS}
    return out


def _nested(folds: FoldResults, thresholds_of: Callable[[dict], dict | None]) -> dict | None:
    """Auto-accept with each fold's own thresholds (``thresholds_of(fold result)``), averaged over repeats."""
    per_repeat, per_head = [], {head: [] for head in HEADS}
    thresholds = {head: [] for head in HEADS}
    nothing = 0
    rows = np.flatnonzero(folds.scored)
    for repeat in range(folds.protocol.repeats):
        proba = folds.oof("shipped", repeat)
        fold = folds.fold_of(repeat)[rows]
        chosen = {f: thresholds_of(folds.results[("shipped", repeat, f)]) for f in np.unique(fold)}
        if any(c is None for c in chosen.values()):
            return None
        accept = np.ones(len(rows), dtype=bool)
        joint = np.ones(len(rows), dtype=bool)
        for head in HEADS:
            thresholds[head].extend(c[head] for c in chosen.values())
            confident = proba[head][rows].max(1) >= np.array([chosen[f][head] for f in fold])
            correct = folds.correct(proba[head][rows], rows, head)
            per_head[head].append({"share": float(confident.mean()),
                                   "accuracy": float(correct[confident].mean()) if confident.any() else None})
            accept &= confident
            joint &= correct
        nothing += sum(any(c[h] >= 1.0 for h in HEADS) for c in chosen.values())
        per_repeat.append({"auto_accept_share": float(accept.mean()),
                           "auto_accept_accuracy": float(joint[accept].mean()) if accept.any() else None,
                           "joint_accuracy": float(joint.mean())})
    summary = mean_dicts(per_repeat)
    return {"auto_accept_share": summary["auto_accept_share"],
            "auto_accept_accuracy": summary["auto_accept_accuracy"],
            "joint_accuracy_all": summary["joint_accuracy"], "per_repeat": per_repeat,
            "per_head": {head: {**mean_dicts(runs), "threshold_mean": float(np.mean(thresholds[head])),
                                "threshold_min": float(np.min(thresholds[head])),
                                "threshold_max": float(np.max(thresholds[head]))}
                         for head, runs in per_head.items()},
            "folds_with_a_threshold_of_1": int(nothing)}


def selective(folds: FoldResults, target_accuracy: float) -> dict:
    """Nested auto-accept (each fold's own thresholds) and the pooled accuracy-coverage curve, against the
    target of :data:`TARGET_SHARE` auto-accepted at ``target_accuracy``."""
    nested = _nested(folds, lambda result: result["thresholds"])
    share, accuracy = nested["auto_accept_share"], nested["auto_accept_accuracy"]
    pooled, rows = folds.pooled_oof()
    confidence, correct = folds.joint(pooled, rows)
    curve = selective_curve(confidence, correct)
    out = {
        **nested,
        "target": {"share": TARGET_SHARE, "accuracy": target_accuracy},
        "met_target": bool(share is not None and accuracy is not None and share >= TARGET_SHARE
                           and accuracy >= target_accuracy),
        "oracle_coverage_at_target": coverage_at_accuracy(curve, target_accuracy),
        "accuracy_at_coverage": {f"{c:g}": accuracy_at(curve, c) for c in (0.1, 0.25, 0.5, 0.75, 1.0)},
        "confidence": "min of the two heads' calibrated confidences; a statement is correct when both heads are",
        "thresholds_from": "each fold's StatementClassifier (grouped out-of-fold predictions on all its training rows)",
    }
    diagnostic = _nested(folds, lambda result: (result.get("diagnostics") or {}).get("thresholds"))
    if diagnostic is not None:
        inner = [r["diagnostics"]["inner"] for (k, rep, _), r in sorted(folds.results.items(), key=lambda kv: kv[0])
                 if k == "shipped" and rep >= 0]
        out["diagnostics"] = {
            "scored_rows_thresholds": {k: diagnostic[k] for k in ("auto_accept_share", "auto_accept_accuracy", "per_head")},
            "inner_oof": mean_dicts(inner),
            "note": "scored_rows_thresholds: thresholds chosen from each fit's out-of-fold predictions on its "
                    "table/reviewed rows only (not what ships); inner_oof: accuracy of each fit's own out-of-fold "
                    "predictions on its training rows, table/reviewed ('scored') against auxiliary rows, overall "
                    "and at or above the fitted threshold (mean over folds)",
        }
    return out


def real_text(folds: FoldResults, real: pd.DataFrame, model: Model) -> dict:
    """The shipped ``model`` as loaded, with its thresholds, on the real-text rows; and every model fitted
    on the whole corpus (``folds.real_text_result``) on the same rows."""
    out = {"rows": len(real), "model": model.version,
           "note": "the shipped model as loaded (trained on the whole corpus); thresholds from its config"}
    texts = real["text"].tolist()
    real_proba = model.predict_proba(texts, embeddings=model.embed(texts))
    langs = real["lang"].to_numpy()
    accept = np.ones(len(real), dtype=bool)
    joint = np.ones(len(real), dtype=bool)
    for head in HEADS:
        proba = real_proba[head]
        truth = real[head].to_numpy()
        pred = folds.predicted(proba, head)
        confident = proba.max(1) >= model.thresholds[head]
        out[head] = {**head_scores(truth, pred, langs),
                     "ece": expected_calibration_error(proba.max(1), pred == truth),
                     "threshold": float(model.thresholds[head]),
                     "auto_accept_share": float(confident.mean()),
                     "auto_accept_accuracy": float((pred == truth)[confident].mean()) if confident.any() else None}
        accept &= confident
        joint &= pred == truth
    out["joint"] = {"accuracy": float(joint.mean()), "auto_accept_share": float(accept.mean()),
                    "auto_accept_accuracy": float(joint[accept].mean()) if accept.any() else None}
    baselines = {}
    for e in EXPERIMENTS:
        result = folds.real_text_result(e.name) if e.real_text else None
        if result is not None:
            baselines[e.name] = {head: head_scores(real[head].to_numpy(), folds.predicted(result["proba"][head], head))
                                 for head in HEADS}
    baselines["shipped"] = {head: {k: out[head][k] for k in ("macro_f1", "accuracy", "rows")} for head in HEADS}
    out["baselines"] = baselines
    return out


def reviewed(folds: FoldResults) -> dict:
    """Table-row scores with and without the reviewed rows in training (``{"rows": 0}`` without reviewed rows)."""
    reviewed = (folds.corpus["role"] == "reviewed").to_numpy()
    if not reviewed.any():
        return {"rows": 0}
    with_rev = folds.scores("shipped", folds.table)
    without = folds.scores("no_reviewed", folds.table)
    return {
        "rows": int(reviewed.sum()),
        "scored_on": "table rows of the held-out ideas (a reviewed row is never in its own training data)",
        "with_reviewed": {h: {k: with_rev[h][k] for k in ("macro_f1", "accuracy", "per_lang")} for h in HEADS},
        "without_reviewed": {h: {k: without[h][k] for k in ("macro_f1", "accuracy", "per_lang")} for h in HEADS},
        "delta_macro_f1": {h: with_rev[h]["macro_f1"] - without[h]["macro_f1"] for h in HEADS},
        "on_reviewed_rows": {h: {k: v for k, v in s.items() if k in ("macro_f1", "accuracy", "rows")}
                             for h, s in folds.scores("shipped", reviewed, per_lang=False).items()},
        "kappa": agreement_with_people(folds, reviewed),
    }


def agreement_with_people(folds: FoldResults, reviewed: np.ndarray) -> dict:
    """Cohen's kappa per head between the model's suggestions (the shipped configuration's out-of-fold
    prediction, so a statement is never in the training of the model that suggests its labels) and
    people's decisions on the reviewed rows; mean over repeats."""
    out = {}
    for head in HEADS:
        people = folds.corpus[head].to_numpy()
        values = []
        for repeat in range(folds.protocol.repeats):
            proba = folds.oof("shipped", repeat)[head]
            rows = reviewed & (people != "") & ~np.isnan(proba[:, 0])
            if rows.sum() >= 2:
                kappa = cohen_kappa_score(people[rows], folds.predicted(proba[rows], head))
                values.append(0.0 if np.isnan(kappa) else float(kappa))
        out[head] = float(np.mean(values)) if values else None
    return out


def dedupe(model: Model, paraphrase: dict[str, pd.DataFrame]) -> tuple[dict, dict[str, pd.DataFrame]]:
    """Pairwise scores at the shipped thresholds, within type (``--by type``) and without blocks; the sweeps.

    ``paraphrase`` maps a split (``tune``, ``test``) to its paraphrase set (``group_id``, ``text``, ``type``).
    """
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
