"""``smgov agreement``: how far coders agree, per head (layer, type).

For each pair of coders: Cohen's κ and percent agreement over the statements *both* coded (QDA tools
that also count uncoded text inflate κ); over all coders: Krippendorff's α (nominal), which takes
missing codings as missing. Coders come from a ``.qdpx`` (its ``User``s, the model among them) or from
``reviewed.csv`` (each reviewer, and the model through the suggestion recorded with each decision).
"""

from __future__ import annotations

import itertools
import math
import warnings
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

from smgov_nlp.errors import SmgovError
from smgov_nlp.labels import HEADS
from smgov_nlp.qda.codebook import MODEL_USER_PREFIX
from smgov_nlp.qda.reader import read_qdpx
from smgov_nlp.qda.units import coded_units
from smgov_nlp.review.decision import Decision
from smgov_nlp.review.store import DecisionStore

AGREEMENT_COLUMNS = ["head", "coder_a", "coder_b", "units", "agreement", "kappa", "alpha"]
# head -> coder -> statement (text_hash) -> label
Ratings = dict[str, dict[str, dict[str, str]]]


def ratings_from_qdpx(path: str | Path) -> Ratings:
    """Each coder's one label per statement and head in a project (a statement a coder gave two labels is left out)."""
    units = coded_units(read_qdpx(path))
    ratings: Ratings = {head: {} for head in HEADS}
    for unit in units.units:
        for coder, labels in unit.labels.items():
            for head in HEADS:
                if len(labels.get(head, [])) == 1:
                    ratings[head].setdefault(coder, {})[unit.key] = labels[head][0]
    return ratings


def ratings_from_store(path: str | Path) -> Ratings:
    """Each reviewer's latest label per statement in ``reviewed.csv``, and the model's (the recorded suggestion)."""
    path = Path(path)
    store = DecisionStore(path.parent if path.name.endswith(".csv") else path)
    if path.name.endswith(".csv") and store.path != path:
        raise SmgovError(f"expected a file named reviewed.csv, got {path.name!r}", "pass data/labeled/reviewed.csv")
    if not store.path.is_file():
        raise SmgovError(f"{str(store.path)!r} does not exist", "pass the reviewed.csv that smgov review writes")
    latest: dict[tuple[str, str], Decision] = {}
    for row in store.history().to_dict("records"):
        decision = Decision(**row)
        latest[(decision.text_hash, decision.reviewer)] = decision
    ratings: Ratings = {head: {} for head in HEADS}
    for (key, reviewer), decision in latest.items():
        if not decision.layer:  # undecided, or not a statement
            continue
        model = MODEL_USER_PREFIX + (decision.model_version or "model")
        for head in HEADS:
            ratings[head].setdefault(reviewer, {})[key] = getattr(decision, head)
            suggested = getattr(decision, f"suggested_{head}")
            if suggested in HEADS[head]:
                ratings[head].setdefault(model, {})[key] = suggested
    return ratings


def read_ratings(path: str | Path) -> Ratings:
    """Ratings from a ``.qdpx`` or a ``reviewed.csv``."""
    path = Path(path)
    if path.suffix.lower() == ".qdpx":
        return ratings_from_qdpx(path)
    if path.suffix.lower() == ".csv":
        return ratings_from_store(path)
    raise SmgovError(f"cannot read coders from {path.name!r}: expected a .qdpx project or reviewed.csv",
                     "pass a .qdpx exported from your QDA tool, or data/labeled/reviewed.csv")


def cohen_kappa(a: list[str], b: list[str]) -> float:
    """Cohen's κ of two coders' labels on the same units (NaN when undefined: no units, or one label only)."""
    if not a or len(set(a) | set(b)) < 2:
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(cohen_kappa_score(a, b))


def krippendorff_alpha(by_coder: dict[str, dict[str, str]]) -> tuple[float, int]:
    """Nominal Krippendorff's α over all coders, and the number of units at least two coders coded."""
    units = sorted({u for labels in by_coder.values() for u in labels})
    paired = [u for u in units if sum(u in labels for labels in by_coder.values()) >= 2]
    values = sorted({labels[u] for labels in by_coder.values() for u in paired if u in labels})
    if len(by_coder) < 2 or not paired or len(values) < 2:  # alpha is undefined with a single value
        return math.nan, len(paired)
    index = {label: float(i) for i, label in enumerate(values)}
    data = np.array([[index[labels[u]] if u in labels else np.nan for u in paired] for labels in by_coder.values()])
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")), len(paired)


def agreement_table(ratings: Ratings) -> pd.DataFrame:
    """Per head: a row per pair of coders (units both coded, percent agreement, κ), then one α row over all coders."""
    rows = []
    for head in HEADS:
        by_coder = {coder: labels for coder, labels in sorted(ratings.get(head, {}).items()) if labels}
        for first, second in itertools.combinations(by_coder, 2):
            shared = sorted(set(by_coder[first]) & set(by_coder[second]))
            a = [by_coder[first][u] for u in shared]
            b = [by_coder[second][u] for u in shared]
            agreement = float(np.mean([x == y for x, y in zip(a, b)])) if shared else math.nan
            rows.append({"head": head, "coder_a": first, "coder_b": second, "units": len(shared),
                         "agreement": agreement, "kappa": cohen_kappa(a, b), "alpha": math.nan})
        alpha, paired = krippendorff_alpha(by_coder)
        rows.append({"head": head, "coder_a": f"all {len(by_coder)} coders", "coder_b": "", "units": paired,
                     "agreement": math.nan, "kappa": math.nan, "alpha": alpha})
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


def format_table(table: pd.DataFrame) -> str:
    """The table as aligned text lines (``-`` where a figure is undefined)."""
    def figure(value: float, percent: bool = False) -> str:
        if value != value:
            return "-"
        return f"{value:.1%}" if percent else f"{value:.3f}"

    lines = [f"{'head':<6} {'coders':<60} {'units':>5} {'agree':>7} {'kappa':>7} {'alpha':>7}"]
    for row in table.to_dict("records"):
        coders = f"{row['coder_a']} vs {row['coder_b']}" if row["coder_b"] else row["coder_a"]
        lines.append(f"{row['head']:<6} {coders:<60} {row['units']:>5} {figure(row['agreement'], True):>7} "
                     f"{figure(row['kappa']):>7} {figure(row['alpha']):>7}")
    return "\n".join(lines)
