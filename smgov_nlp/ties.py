"""Canonical choices: the same answer on every machine.

Embeddings are stored as float16, and batch shape, BLAS kernel and CPU change cosines and
probabilities in the last bits (about 1e-6). So no choice may hinge on a difference that
small. The rule, used by duplicate-idea grouping, the linkage and ``needs_review``:

1. similarities and confidences are compared after rounding to :data:`DECIMALS` places;
2. candidates within :data:`TIE_TOL` of the best are tied;
3. ties are broken by content, in one fixed order: the chosen language, then the rounded
   similarity, then the number of mentions, then the normalised text, then the raw text.

Dates written into outputs come from ``SOURCE_DATE_EPOCH`` when it is set
(https://reproducible-builds.org/specs/source-date-epoch/), so outputs compare byte for byte.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime, timezone

import numpy as np

DECIMALS = 4
TIE_TOL = 1e-4


def rounded(values) -> np.ndarray:
    """``values`` rounded to :data:`DECIMALS` places (float64), the form every comparison uses."""
    return np.round(np.asarray(values, dtype=np.float64), DECIMALS)


def below(values, threshold: float) -> np.ndarray:
    """``values < threshold``, compared after rounding both, so float noise never flips the answer."""
    return rounded(values) < round(float(threshold), DECIMALS)


def ranked_labels(proba: np.ndarray) -> np.ndarray:
    """Column indices of each row of ``proba`` from most to least probable; near-equal probabilities
    (equal once rounded) keep the fixed label order."""
    keys = rounded(proba)
    return np.argsort(-keys, axis=1, kind="stable")


def pick_representative(similarities: Sequence[float], langs: Sequence[str], mentions: Sequence[int],
                        normalised: Sequence[str], texts: Sequence[str], lang: str | None = None) -> int:
    """Index of the member that stands for a group of statements.

    Only members in ``lang`` compete when there are any; among them, those within
    :data:`TIE_TOL` of the highest similarity to the group's centre are tied, and the tie
    goes to more mentions, then the normalised text, then the raw text.
    """
    n = len(texts)
    pool = [i for i in range(n) if lang and langs[i] == lang] or list(range(n))
    sims = rounded([similarities[i] for i in pool])
    best = sims.max()
    snapped = np.where(sims >= best - TIE_TOL, best, sims)  # tied candidates share one rounded similarity
    keys = {i: (-snapped[k], -int(mentions[i]), normalised[i], texts[i]) for k, i in enumerate(pool)}
    return min(pool, key=keys.__getitem__)


def majority_lang(langs: Sequence[str], preferred: str = "es") -> str | None:
    """The language most of ``langs`` use (``und`` ignored); a tie goes to ``preferred``."""
    counts = {code: sum(1 for x in langs if x == code) for code in ("es", "en")}
    if not any(counts.values()):
        return None
    top = max(counts.values())
    tied = [code for code, count in counts.items() if count == top]
    return preferred if preferred in tied else tied[0]


def source_datetime() -> datetime:
    """Now in UTC, or ``SOURCE_DATE_EPOCH`` when that is set (for byte-identical outputs)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime.now(timezone.utc)
