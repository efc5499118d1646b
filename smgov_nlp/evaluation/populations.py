"""Selective prediction on the populations a workshop mixes, measured nested with the fold models.

Each cross-validation fit of the shipped configuration also builds its own novelty bank and review
policy from its training rows only (as ``smgov train`` does, :mod:`smgov_nlp.model.policy`), and
then decides, with no extra fit, for:

- ``new_ideas``: its test fold's hand-coded rows (ideas it never saw);
- ``known_ideas``: the rows of ``data/dev/paraphrase_test.csv`` whose idea (``source_id``) is in its
  training rows, leaving out rows that repeat a training wording word for word; each row counts
  once per repeat, with the first fold (in fold order) whose training holds its idea;
- ``real_text``: ``data/dev/real_text.csv`` (every fold model scores it; pooled);
- ``mixture``: a workshop-like mix, weighted :data:`~smgov_nlp.coding.review_policy.MIXTURE`-style
  0.5 known, 0.3 new and 0.2 real text (fixed, never tuned): its share is Σ w·share and its
  accuracy Σ w·share·accuracy / Σ w·share.

A suggestion is right when both heads are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smgov_nlp.coding.novelty import NoveltyBank
from smgov_nlp.coding.novelty import build as build_bank
from smgov_nlp.coding.review_policy import DEFAULT_TARGET, ReviewPolicy
from smgov_nlp.labels import HEADS
from smgov_nlp.model.policy import fit_review_policy
from smgov_nlp.text import normalize_text
from smgov_nlp.ties import ranked_labels

POPULATIONS = ("new_ideas", "known_ideas", "real_text")
WEIGHTS = {"known_ideas": 0.5, "new_ideas": 0.3, "real_text": 0.2}


def decide(model, policy: ReviewPolicy, bank: NoveltyBank, texts: list[str], truth: pd.DataFrame,
           target_accuracy: float | None = None) -> dict:
    """Accept-or-review for ``texts`` with a fitted classifier ``model``; whether each was right."""
    if not texts:
        return {"accept": [], "correct": [], "stratum": [], "risk": []}
    vectors = model.embed(texts)
    proba = model.predict_proba(texts, embeddings=vectors)
    labels, second, confidence = {}, {}, {}
    right = np.ones(len(texts), dtype=bool)
    for head in HEADS:
        ids = np.asarray(HEADS[head], dtype=object)
        order = ranked_labels(proba[head])
        labels[head], second[head] = ids[order[:, 0]], ids[order[:, 1]]
        confidence[head] = proba[head][np.arange(len(texts)), order[:, 0]]
        right &= labels[head] == truth[head].to_numpy(dtype=object)
    match = bank.match(vectors)
    decision = policy.decide(confidence, labels, second, match.labels, match.similarity,
                             np.array([len(t) for t in texts]), target_accuracy=target_accuracy)
    return {"accept": (~decision.needs_review).tolist(), "correct": right.tolist(),
            "stratum": list(decision.stratum), "risk": decision.p_wrong.tolist()}


def fold_populations(model, corpus: pd.DataFrame, train: np.ndarray, test: np.ndarray, scored: np.ndarray,
                     tune: pd.DataFrame | None, known: pd.DataFrame | None, real: pd.DataFrame | None) -> dict:
    """The decisions of one fold's classifier on every population (``train``/``test``: corpus row indices)."""
    part = corpus.iloc[train].reset_index(drop=True)
    vectors = model.embed(part["text"].astype(str).tolist())
    bank = build_bank(part, vectors)
    policy, _ = fit_review_policy(model, part, bank, vectors, tune, DEFAULT_TARGET)
    out = {"policy": {"known_similarity": policy.known_similarity}}
    rows = test[scored[test]]
    out["new_ideas"] = {"rows": rows.tolist(), **decide(model, policy, bank, corpus["text"].iloc[rows].astype(str).tolist(),
                                                       corpus.iloc[rows])}
    if known is not None:
        ideas = set(part["group"].astype(str))
        seen = set(part["text"].astype(str).map(normalize_text))
        keep = known["source_id"].astype(str).isin(ideas) & ~known["text"].astype(str).map(normalize_text).isin(seen)
        chosen = np.flatnonzero(keep.to_numpy())
        out["known_ideas"] = {"rows": chosen.tolist(),
                              **decide(model, policy, bank, known["text"].iloc[chosen].astype(str).tolist(),
                                       known.iloc[chosen])}
    if real is not None:
        out["real_text"] = {"rows": list(range(len(real))),
                            **decide(model, policy, bank, real["text"].astype(str).tolist(), real)}
    return out


def _pooled(results: dict, population: str, repeat: int) -> dict[str, np.ndarray]:
    """One repeat's decisions on ``population``: accept, correct and risk per row (a known idea once: the
    first fold, in fold order, whose training holds it)."""
    accept, correct, risk, seen = [], [], [], set()
    for (kind, r, _fold), result in sorted(results.items(), key=lambda kv: kv[0]):
        found = (result.get("populations") or {}).get(population) if kind == "shipped" and r == repeat else None
        if not found:
            continue
        for row, a, c, k in zip(found["rows"], found["accept"], found["correct"],
                                found.get("risk") or [0.0] * len(found["rows"])):
            if population == "known_ideas" and row in seen:
                continue
            seen.add(row)
            accept.append(a)
            correct.append(c)
            risk.append(k)
    return {"accept": np.asarray(accept, dtype=bool), "correct": np.asarray(correct, dtype=bool),
            "risk": np.asarray(risk, dtype=float)}


def summarise(results: dict, repeats: int) -> dict:
    """``selective.<population>.auto_accept_share`` / ``auto_accept_accuracy`` (mean over repeats) and the mixture."""
    out: dict = {}
    for population in POPULATIONS:
        per_repeat = []
        for repeat in range(repeats):
            pooled = _pooled(results, population, repeat)
            accept_, correct_ = pooled["accept"], pooled["correct"]
            if len(accept_):
                per_repeat.append((float(accept_.mean()), float(correct_[accept_].mean()) if accept_.any() else None,
                                   len(accept_)))
        if per_repeat:
            accuracies = [a for _, a, _ in per_repeat if a is not None]
            out[population] = {"auto_accept_share": float(np.mean([s for s, _, _ in per_repeat])),
                               "auto_accept_accuracy": float(np.mean(accuracies)) if accuracies else None,
                               "rows": int(per_repeat[0][2])}
    if all(p in out for p in WEIGHTS):
        share = sum(w * out[p]["auto_accept_share"] for p, w in WEIGHTS.items())
        hits = sum(w * out[p]["auto_accept_share"] * (out[p]["auto_accept_accuracy"] or 0.0) for p, w in WEIGHTS.items())
        out["mixture"] = {"auto_accept_share": share, "auto_accept_accuracy": hits / share if share else None,
                          "weights": dict(WEIGHTS)}
    return out


def coverage_curves(results: dict, repeat: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Coverage and accuracy per population (and the mixture) when statements are accepted in order of their
    estimated chance of being wrong (``error_risk``), for every cut-off of that estimate; one repeat."""
    pooled = {p: _pooled(results, p, repeat) for p in POPULATIONS}
    pooled = {p: d for p, d in pooled.items() if len(d["risk"])}
    if not pooled:
        return {}
    cuts = np.unique(np.round(np.concatenate([d["risk"] for d in pooled.values()]), 4))
    shares, hits = {}, {}
    for p, d in pooled.items():
        risk = np.round(d["risk"], 4)
        taken = risk[None, :] <= cuts[:, None]
        shares[p] = taken.mean(1)
        hits[p] = (taken & d["correct"][None, :]).mean(1)
    out = {p: (shares[p], np.divide(hits[p], shares[p], out=np.full(len(cuts), np.nan), where=shares[p] > 0))
           for p in pooled}
    if all(p in pooled for p in WEIGHTS):
        share = sum(w * shares[p] for p, w in WEIGHTS.items())
        hit = sum(w * hits[p] for p, w in WEIGHTS.items())
        out["mixture"] = (share, np.divide(hit, share, out=np.full(len(cuts), np.nan), where=share > 0))
    return out
