"""Thresholds for every novelty stratum at once, so that each population's accepted rows keep the promise.

A review policy accepts a statement when its score reaches its stratum's threshold. The strata are
what can be seen at scoring time (how close the nearest coded wording is, how long the text is); the
populations a workshop mixes (known ideas in new words, new ideas, long prose) cannot be seen. A
threshold chosen on a stratum's pooled rows promises the target only on that pool: a few new ideas that
resemble a coded one can sit in the ``known`` stratum at 35% right, hidden by the many paraphrases
beside them. So the thresholds are searched jointly, over a grid of each stratum's calibration
scores, for the largest accepted share of the fixed workshop mix under these constraints, for the
target accuracy ``A``:

- each population's accepted rows, over all strata, are at least ``A`` right (at most
  ``floor((1 − A) · n)`` errors among ``n``);
- within a stratum, a population with enough calibration rows there to measure ``A`` (``need`` =
  ``ceil(1 / (1 − A))``, 34 at 97%) has either none of them accepted or at least ``need`` accepted
  with the errors allowed; one with fewer rows there must have no accepted error (a handful of
  lucky rows must not open a stratum to a whole population);
- a stratum accepts no calibration row or at least ``min_support`` of them.

numpy only: scoring re-runs the search for another ``--target-accuracy`` from the stored rows.
"""

from __future__ import annotations

import math

import numpy as np

from smgov_nlp.ties import rounded


def rows_needed(target_accuracy: float) -> int:
    """How many accepted rows it takes for one error to be within ``1 − target_accuracy`` (34 at 0.97)."""
    slack = 1.0 - float(target_accuracy)
    return math.ceil(1.0 / slack - 1e-9) if slack > 1e-9 else 10**9


def _allowed(n: np.ndarray, target_accuracy: float) -> np.ndarray:
    return np.floor((1.0 - target_accuracy) * n + 1e-9)


def _grid(scores: np.ndarray, max_candidates: int) -> np.ndarray:
    """Threshold candidates, highest first, ``inf`` (accept nothing) first of all."""
    values = np.unique(scores)[::-1]
    if len(values) > max_candidates:
        values = np.unique(np.quantile(scores, np.linspace(1.0, 0.0, max_candidates), method="higher"))[::-1]
    return np.r_[np.inf, values]


def joint_thresholds(strata: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], mix: dict[str, float],
                     target_accuracy: float, min_support: int, max_candidates: int = 60) -> tuple[dict[str, float], float]:
    """The threshold of every stratum and the mixture share they accept (see the module's rules).

    ``strata`` maps a stratum to its calibration rows ``(scores, correct, kinds)``; ``mix`` gives each
    population (kind) its weight in the workshop mix. Ties go to the stricter thresholds.
    """
    names = list(strata)
    kinds = sorted({str(k) for _, _, ks in strata.values() for k in ks})
    if not names or not kinds:
        return {name: float("inf") for name in names}, 0.0
    sizes = {k: sum(int(np.sum(ks == k)) for _, _, ks in strata.values()) for k in kinds}
    need = rows_needed(target_accuracy)
    grids, counts, errors = [], [], []
    for name in names:
        scores, correct, ks = strata[name]
        scores, correct, ks = rounded(np.asarray(scores, dtype=float)), np.asarray(correct, bool), np.asarray(ks)
        grid = _grid(scores, max_candidates)
        above = scores[None, :] >= grid[:, None]  # (candidates, rows)
        n = np.stack([(above & (ks == k)).sum(1) for k in kinds])  # (kinds, candidates)
        e = np.stack([(above & (ks == k) & ~correct).sum(1) for k in kinds])
        total = above.sum(1)
        valid = (total == 0) | (total >= min_support)
        for j, k in enumerate(kinds):
            if int(np.sum(ks == k)) >= need:
                valid &= (n[j] == 0) | ((n[j] >= need) & (e[j] <= _allowed(n[j], target_accuracy)))
            else:
                valid &= e[j] == 0
        grids.append(grid)
        counts.append(n)
        errors.append(np.where(valid[None, :], e, 10**9))  # an invalid candidate never meets the constraints
    shape = [len(g) for g in grids]
    n_total = np.zeros((len(kinds), *shape))
    e_total = np.zeros((len(kinds), *shape))
    for axis, (n, e) in enumerate(zip(counts, errors)):
        view = [len(kinds)] + [1] * len(names)
        view[axis + 1] = shape[axis]
        n_total = n_total + n.reshape(view)
        e_total = e_total + e.reshape(view)
    ok = np.all(e_total <= _allowed(n_total, target_accuracy), axis=0)
    weight = np.array([mix.get(k, 0.0) / max(sizes[k], 1) for k in kinds])
    share = np.where(ok, np.tensordot(weight, n_total, axes=1), -1.0)
    best = np.unravel_index(int(np.argmax(share)), share.shape)  # first maximum: the strictest thresholds
    return {name: float(grids[i][j]) for i, (name, j) in enumerate(zip(names, best))}, max(float(share[best]), 0.0)
