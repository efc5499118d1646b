"""Review only what needs review: a review policy that knows how new a statement is.

A workshop mostly restates known ideas in new words, with some new ideas and some long prose
mixed in. The heads' confidence ranks well within each kind, but one threshold chosen on new
ideas (the hardest kind) sends nearly everything to review. So every scored statement gets:

- a **novelty** measure: its similarity to the nearest coded wording (the corpus's ideas in both
  languages, their paraphrases and the project's additions) and that wording's idea
  (``matched_idea``);
- a **stratum**: ``known`` when that similarity is at least ``known_similarity``, else ``long``
  when the text has at least ``long_chars`` characters, else ``new``;
- a **score**: ``1 + similarity`` when the statement is ``known`` and every deciding head (both, or
  the layer alone when the type comes from a section heading) agrees with the matched idea's label
  (a restated idea's labels are the evidence, the stronger the closer the match), else the lowest
  confidence of the deciding heads;
- a **decision**: auto-accept when the score reaches the stratum's threshold.

Thresholds are chosen per stratum (Mondrian selective prediction) on calibration rows of three
populations: held-out paraphrases of training ideas (``known``), grouped out-of-fold rows (``new``)
and out-of-fold formal rows (``long``). Every row calibrates the stratum it falls in and keeps its
population, and the thresholds of all strata are searched together
(:func:`~smgov_nlp.coding.acceptance.joint_thresholds`) for the largest accepted share of a fixed
workshop-like mix (:data:`MIXTURE`) under which *each population's* accepted rows reach the target
accuracy: a pooled threshold let new ideas that resemble a coded one into the ``known`` stratum at
about 35% right, hidden among the paraphrases there. The stored rows let any target be applied later
(``--target-accuracy``). The chance that a suggestion is wrong, which orders the review queue, is the
stratum's isotonic fit of errors on the score. Everything here is numpy, so scoring never imports
scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from smgov_nlp.coding.acceptance import joint_thresholds
from smgov_nlp.ties import rounded

STRATA = ("known", "new", "long")
MODES = ("both", "layer")  # which heads decide: both, or the layer alone (type from a section heading)
MIN_SUPPORT = 10
DEFAULT_TARGET = 0.97  # the accuracy auto-accepted suggestions should reach unless --target-accuracy says otherwise
KNOWN_SIMILARITIES = (0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85)  # candidates for known_similarity, chosen in fit_policy
MAX_CANDIDATES = 60  # threshold candidates per stratum in the joint search (score quantiles beyond that)
LONG_CHARS = 110  # about the median formal training row (127) and above 90% of the table rows (99)
MIXTURE = {"known": 0.5, "new": 0.3, "long": 0.2}  # a workshop-like mix, fixed (never tuned)
REASON_ORDER = ("new idea", "layer", "type", "long text")


@dataclass(frozen=True)
class Curve:
    """Calibration rows of one stratum and mode, as the policy needs them: scores (descending)
    and whether each suggestion was right."""

    scores: np.ndarray
    correct: np.ndarray
    weights: np.ndarray | None = None  # each row's weight (its population's share of the mix over its size)
    kinds: np.ndarray | None = None  # each row's population (known, new, long); None in configs made before

    def _weights(self) -> np.ndarray:
        return np.ones(len(self.scores)) if self.weights is None else np.asarray(self.weights, dtype=float)

    def threshold(self, target_accuracy: float, min_support: int = MIN_SUPPORT) -> float:
        """The lowest score whose accepted rows (score at or above it) are at least ``target_accuracy``
        right, with at least ``min_support`` of them; ``inf`` (accept nothing) when none is."""
        if len(self.scores) == 0:
            return float("inf")
        scores = rounded(self.scores)
        order = np.argsort(-scores, kind="stable")
        s, ok, w = scores[order], self.correct[order].astype(float), self._weights()[order]
        last = np.flatnonzero(np.r_[s[1:] != s[:-1], True])  # accept whole runs of tied scores
        counts = last + 1
        accuracy = np.cumsum(ok * w)[last] / np.maximum(np.cumsum(w)[last], 1e-12)
        good = np.flatnonzero((accuracy >= target_accuracy) & (counts >= min_support))
        return float(s[last[good[-1]]]) if len(good) else float("inf")

    def error_rate(self, scores: np.ndarray) -> np.ndarray:
        """Chance that a suggestion with each of ``scores`` is wrong: an isotonic (non-increasing in the
        score) fit of the calibration errors, interpolated; the stratum's error rate with too few rows."""
        if len(self.scores) < MIN_SUPPORT:
            base = 1.0 - float(np.mean(self.correct)) if len(self.correct) else 0.5
            return np.full(len(scores), base)
        x, y = _isotonic_errors(rounded(self.scores), 1.0 - self.correct.astype(float), self._weights())
        return np.interp(rounded(scores), x, y)

    def to_config(self) -> dict:
        out = {"scores": [float(v) for v in rounded(self.scores)], "correct": [int(v) for v in self.correct],
               "weights": [round(float(v), 8) for v in self._weights()]}
        if self.kinds is not None:
            out["kinds"] = [str(v) for v in self.kinds]
        return out

    @classmethod
    def from_config(cls, data: dict) -> Curve:
        weights, kinds = data.get("weights"), data.get("kinds")
        return cls(np.asarray(data["scores"], dtype=float), np.asarray(data["correct"], dtype=bool),
                   None if weights is None else np.asarray(weights, dtype=float),
                   None if kinds is None else np.asarray(kinds, dtype=object))


def _isotonic_errors(scores: np.ndarray, errors: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted pool-adjacent-violators fit of ``errors`` non-increasing in ``scores``; breakpoints for np.interp."""
    order = np.argsort(scores, kind="stable")
    x, y, w = scores[order], errors[order], weights[order]
    ux, start = np.unique(x, return_index=True)
    sums = np.add.reduceat(y * w, start)
    counts = np.add.reduceat(w, start)
    blocks = [[s, c, v] for s, c, v in zip(sums, counts, ux)]  # (sum, count, x of the block's first value)
    merged: list[list[float]] = []
    xs: list[list[float]] = []
    for (total, count, value) in blocks:
        merged.append([total, count])
        xs.append([value])
        while len(merged) > 1 and merged[-2][0] / merged[-2][1] < merged[-1][0] / merged[-1][1]:
            t, c = merged.pop()
            merged[-1][0] += t
            merged[-1][1] += c
            xs[-2].extend(xs.pop())
    bx = np.array([v for group in xs for v in group])
    by = np.array([t / c for (t, c), group in zip(merged, xs) for _ in group])
    return bx, by


@dataclass(frozen=True)
class Decision:
    """The policy's verdict for a batch, aligned with the statements."""

    stratum: np.ndarray  # "known", "new" or "long"
    needs_review: np.ndarray  # bool
    p_wrong: np.ndarray  # estimated chance the suggestion is wrong
    review_reason: list[str]


@dataclass(frozen=True)
class ReviewPolicy:
    """When a suggestion can be accepted without a person: thresholds per novelty stratum.

    Built by :func:`fit_policy`; stored in a model's ``config.json`` (:meth:`to_config`).
    """

    target_accuracy: float
    known_similarity: float
    long_chars: int = LONG_CHARS
    curves: dict[str, dict[str, Curve]] = field(default_factory=dict)  # mode -> stratum -> curve

    def strata(self, similarity: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        similarity, lengths = rounded(similarity), np.asarray(lengths)
        return np.where(similarity >= self.known_similarity, "known",
                        np.where(lengths >= self.long_chars, "long", "new")).astype(object)

    def thresholds(self, target_accuracy: float | None = None) -> dict[str, dict[str, float]]:
        """Each mode's threshold per stratum at ``target_accuracy`` (default: the policy's): searched jointly
        so that every population's accepted calibration rows reach it (:mod:`smgov_nlp.coding.acceptance`);
        a policy stored before the rows had their population falls back to one curve per stratum."""
        target = self.target_accuracy if target_accuracy is None else target_accuracy
        out = {}
        for mode, by in self.curves.items():
            if any(curve.kinds is None for curve in by.values()):
                out[mode] = {s: curve.threshold(target) for s, curve in by.items()}
            else:
                rows = {s: (c.scores, c.correct, c.kinds) for s, c in by.items()}
                out[mode] = joint_thresholds(rows, MIXTURE, target, MIN_SUPPORT, MAX_CANDIDATES)[0]
        return out

    def decide(self, confidence: dict[str, np.ndarray], labels: dict[str, np.ndarray],
               runner_up: dict[str, np.ndarray], matched: dict[str, np.ndarray], similarity: np.ndarray,
               lengths: np.ndarray, type_decides: np.ndarray | None = None,
               target_accuracy: float | None = None) -> Decision:
        """Decide for each statement whether it needs review, why, and how likely it is wrong.

        ``confidence``, ``labels`` and ``runner_up`` hold each head's top confidence, top label and
        second label; ``matched`` the matched idea's label per head; ``type_decides`` is False where
        the type comes from a section heading (then only the layer decides).
        """
        n = len(similarity)
        type_decides = np.ones(n, dtype=bool) if type_decides is None else np.asarray(type_decides, dtype=bool)
        stratum = self.strata(similarity, lengths)
        known = stratum == "known"
        agree_layer = labels["layer"] == matched["layer"]
        agree_type = labels["type"] == matched["type"]
        agree = known & agree_layer & (agree_type | ~type_decides)
        conf_layer, conf_type = rounded(confidence["layer"]), rounded(confidence["type"])
        lowest = np.where(type_decides, np.minimum(conf_layer, conf_type), conf_layer)
        score = combined_score(lowest, agree, similarity)
        limits = self.thresholds(target_accuracy)
        threshold = np.full(n, np.inf)
        p_wrong = np.zeros(n)
        for mode, decides in (("both", type_decides), ("layer", ~type_decides)):
            for name in STRATA:
                rows = decides & (stratum == name)
                if rows.any():
                    threshold[rows] = limits[mode][name]
                    p_wrong[rows] = self.curves[mode][name].error_rate(score[rows])
        needs_review = score < threshold
        reasons = []
        for i in range(n):
            if not needs_review[i]:
                reasons.append("")
                continue
            parts = ["new idea"] if stratum[i] == "new" else []
            bonus = float(known[i])  # a known statement's head is blamed if it disagrees with the idea or is weak anyway
            for head, conf, ok_with_match in (("layer", conf_layer, agree_layer), ("type", conf_type, agree_type)):
                if head == "type" and not type_decides[i]:
                    continue
                disputed = known[i] and not ok_with_match[i]
                if disputed or conf[i] + bonus < threshold[i]:
                    other = matched[head][i] if disputed else runner_up[head][i]
                    parts.append(f"{head} uncertain: {labels[head][i]} or {other}")
            if stratum[i] == "long":
                parts.append("long text")
            weak = "type" if type_decides[i] and conf_type[i] < conf_layer[i] else "layer"
            reasons.append("; ".join(parts) or f"{weak} uncertain: {labels[weak][i]} or {runner_up[weak][i]}")
        return Decision(stratum, needs_review, np.round(p_wrong, 4), reasons)

    def to_config(self) -> dict:
        return {"target_accuracy": self.target_accuracy, "known_similarity": self.known_similarity,
                "long_chars": self.long_chars, "min_support": MIN_SUPPORT,
                "curves": {mode: {s: c.to_config() for s, c in by.items()} for mode, by in self.curves.items()}}

    @classmethod
    def from_config(cls, data: dict) -> ReviewPolicy:
        curves = {mode: {s: Curve.from_config(c) for s, c in by.items()} for mode, by in data["curves"].items()}
        return cls(float(data["target_accuracy"]), float(data["known_similarity"]), int(data["long_chars"]), curves)


@dataclass(frozen=True)
class CalibrationRows:
    """One kind of calibration rows: what the heads said and whether they were right.

    ``kind`` is the population (``known``, ``new`` or ``long``) the rows stand for; only rows whose
    stratum (by the policy's rule) matches their kind calibrate that stratum.
    """

    kind: str
    similarity: np.ndarray
    lengths: np.ndarray
    confidence: dict[str, np.ndarray]
    correct: dict[str, np.ndarray]
    agree: dict[str, np.ndarray]  # head label == matched idea's label


def combined_score(lowest: np.ndarray, agree: np.ndarray, similarity: np.ndarray) -> np.ndarray:
    """A statement's score: ``1 + similarity`` when it is known and every deciding head agrees with the matched
    idea (a restated idea's labels are the evidence, and the closer the match the stronger), else the lowest
    confidence of the deciding heads (always below 1)."""
    return np.where(agree, 1.0 + rounded(similarity), lowest)


def scores_for(rows: CalibrationRows, known: np.ndarray, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """(score, right) of ``rows`` for ``mode`` (``both`` heads deciding, or the ``layer`` alone)."""
    if mode == "both":
        lowest = np.minimum(rounded(rows.confidence["layer"]), rounded(rows.confidence["type"]))
        agree = known & rows.agree["layer"] & rows.agree["type"]
        right = rows.correct["layer"] & rows.correct["type"]
    else:
        lowest = rounded(rows.confidence["layer"])
        agree = known & rows.agree["layer"]
        right = rows.correct["layer"]
    return combined_score(lowest, agree, rows.similarity), right


def fit_policy(populations: list[CalibrationRows], target_accuracy: float,
               candidates: tuple[float, ...] = KNOWN_SIMILARITIES, long_chars: int = LONG_CHARS) -> ReviewPolicy:
    """Choose ``known_similarity`` from ``candidates`` and build the per-stratum curves.

    The similarity is the one under which the fixed workshop-like mix (:data:`MIXTURE`) of the
    calibration populations has the largest auto-accepted share at ``target_accuracy`` with both heads
    deciding, every population keeping the target (:func:`~smgov_nlp.coding.acceptance.joint_thresholds`);
    ties go to the higher (stricter) similarity.
    """
    best, best_share = None, -1.0
    for tau in sorted(candidates, reverse=True):
        policy = _curves(populations, target_accuracy, tau, long_chars)
        rows = {s: (c.scores, c.correct, c.kinds) for s, c in policy.curves["both"].items()}
        share = joint_thresholds(rows, MIXTURE, target_accuracy, MIN_SUPPORT, MAX_CANDIDATES)[1]
        if share > best_share + 1e-9:
            best, best_share = policy, share
    return best


def _curves(populations, target_accuracy, tau, long_chars) -> ReviewPolicy:
    skeleton = ReviewPolicy(target_accuracy, tau, long_chars)
    curves: dict[str, dict[str, Curve]] = {}
    sizes = {kind: sum(len(r.similarity) for r in populations if r.kind == kind) for kind in MIXTURE}
    for mode in MODES:
        curves[mode] = {}
        for name in STRATA:
            scores, right, weights, kinds = [np.zeros(0)], [np.zeros(0, dtype=bool)], [np.zeros(0)], [np.zeros(0, dtype=object)]
            for rows in populations:  # every row calibrates the stratum it falls in, keeping its population
                stratum = skeleton.strata(rows.similarity, rows.lengths)
                s, r = scores_for(rows, stratum == "known", mode)
                keep = stratum == name
                scores.append(s[keep])
                right.append(r[keep])
                weights.append(np.full(int(keep.sum()), MIXTURE.get(rows.kind, 0.0) / max(sizes.get(rows.kind, 0), 1)))
                kinds.append(np.full(int(keep.sum()), rows.kind, dtype=object))
            curves[mode][name] = Curve(np.concatenate(scores), np.concatenate(right), np.concatenate(weights),
                                       np.concatenate(kinds))
    return ReviewPolicy(target_accuracy, tau, long_chars, curves)
