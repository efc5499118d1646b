"""The vectors duplicate-idea grouping compares (numpy only, so scoring never imports scikit-learn).

Without ``--by type`` the statement's type probabilities join the projected embedding, so a risk
and a strategy about the same topic stay apart; within a type block they are left out.
"""

from __future__ import annotations

import numpy as np

TYPE_WEIGHT = 0.6


def unit(X: np.ndarray) -> np.ndarray:
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)


def idea_vectors(projected: np.ndarray, type_proba: np.ndarray | None, type_weight: float = TYPE_WEIGHT) -> np.ndarray:
    """Unit vectors whose dot products are the similarities clustering uses."""
    if type_proba is None or type_weight <= 0:
        return unit(projected.astype(np.float32))
    return unit(np.hstack([projected, type_weight * type_proba]).astype(np.float32))
