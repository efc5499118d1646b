"""The evaluation's PNG figures: confusion matrices, reliability diagrams, the selective curve, the
duplicate-idea threshold sweep and the baseline bars (matplotlib, imported only when drawing)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix

from smgov_nlp.evaluation.metrics import ECE_BINS, reliability_table, selective_curve
from smgov_nlp.evaluation.populations import coverage_curves
from smgov_nlp.evaluation.protocol import in_report_order
from smgov_nlp.evaluation.results import FoldResults
from smgov_nlp.evaluation.sections import TARGET_SHARE
from smgov_nlp.io.writers import atomic_path
from smgov_nlp.labels import HEADS

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _figure(width: float, height: float, ncols: int = 1) -> tuple[Figure, Any]:
    """A matplotlib Figure (no pyplot state) and its axes (one Axes, or an array of ``ncols``)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    return fig, fig.subplots(1, ncols)


def _save(fig: Figure, path: Path) -> None:
    """Write ``fig`` as a PNG atomically, without the matplotlib version in its metadata."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})


def write_figures(out_dir: Path, folds: FoldResults, metrics: dict, sweeps: dict[str, pd.DataFrame]) -> list[str]:
    """Draw the figures into ``out_dir`` and return their file names.

    ``metrics`` holds this run's sections (``calibration``, ``selective``, ``dedupe``, ``classification``);
    ``sweeps`` the duplicate-idea threshold sweeps :func:`~smgov_nlp.evaluation.sections.dedupe` returns.
    """
    pooled, rows = folds.pooled_oof()
    figures = [(f"confusion_{head}.png", _confusion(folds, head)) for head in HEADS]
    figures += [("reliability.png", _reliability(folds, pooled, rows, metrics["calibration"])),
                ("selective.png", _selective(folds, pooled, rows, metrics["selective"])),
                ("dedupe_sweep.png", _dedupe_sweep(sweeps, metrics["dedupe"])),
                ("baselines.png", _baselines(metrics["classification"]["baselines"]))]
    for name, fig in figures:
        _save(fig, out_dir / name)
    return [name for name, _ in figures]


def _confusion(folds: FoldResults, head: str) -> Figure:
    """Confusion matrix of the shipped configuration's first repeat (counts; colour = row share)."""
    classes = HEADS[head]
    proba = folds.oof("shipped", 0)[head]
    mask = folds.scored & (folds.corpus[head].to_numpy() != "")
    matrix = confusion_matrix(folds.corpus[head].to_numpy()[mask], folds.predicted(proba[mask], head), labels=list(classes))
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
    return fig


def _reliability(folds: FoldResults, pooled: dict[str, np.ndarray], rows: np.ndarray, calibration: dict) -> Figure:
    """Reliability diagram per head, all repeats pooled."""
    fig, axes = _figure(8.5, 4.0, ncols=2)
    for ax, head in zip(axes, HEADS):
        correct = folds.correct(pooled[head], rows, head)
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
        ax.set_title(f"{head}: ECE {calibration[head]['ece']:.3f} (numbers: statements per bin)", fontsize=9)
        ax.legend(fontsize=7, loc="upper left")
    return fig


def _selective(folds: FoldResults, pooled: dict[str, np.ndarray], rows: np.ndarray, sel: dict) -> Figure:
    """Accuracy against coverage, both heads and each alone, with the target and the nested auto-accept point."""
    fig, ax = _figure(6.0, 4.2)
    confidence, correct = folds.joint(pooled, rows)
    curve = selective_curve(confidence, correct)
    ax.plot(curve["coverage"], curve["accuracy"], color="tab:blue", label="layer and type (min confidence)")
    for head, style in (("layer", "--"), ("type", ":")):
        c = selective_curve(pooled[head].max(1), folds.correct(pooled[head], rows, head))
        ax.plot(c["coverage"], c["accuracy"], linestyle=style, color="grey", label=f"{head} alone")
    ax.axhline(sel["target"]["accuracy"], color="tab:red", linewidth=0.8)
    ax.axvline(TARGET_SHARE, color="tab:red", linewidth=0.8)
    if sel["auto_accept_accuracy"] is not None:
        ax.plot([sel["auto_accept_share"]], [sel["auto_accept_accuracy"]], "s", color="tab:green",
                label="nested auto-accept (fold thresholds)")
    ax.set_xlabel("coverage (share of statements accepted, most confident first)")
    ax.set_ylabel("accuracy of accepted")
    ax.set_ylim(max(0.0, float(curve["accuracy"].min()) - 0.05), 1.01)
    ax.set_title("selective prediction, out-of-fold (all repeats)", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    return fig


def _dedupe_sweep(sweeps: dict[str, pd.DataFrame], dedupe: dict) -> Figure:
    """Pairwise F1 against the grouping threshold on both paraphrase splits, with the shipped thresholds."""
    thresholds = {"": dedupe["threshold"], "_no_by": dedupe["threshold_no_by"]}
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
    return fig


def _baselines(baselines: dict) -> Figure:
    """Macro-F1 of every compared model per head, in the report's order, with the sd over repeats."""
    fig, axes = _figure(8.5, 3.6, ncols=2)
    for ax, head in zip(axes, HEADS):
        labels = in_report_order(baselines)
        values = [baselines[b][head]["macro_f1"] for b in labels]
        errors = [baselines[b][head].get("macro_f1_sd", 0.0) for b in labels]
        ax.barh(range(len(labels)), values, xerr=errors, color=["tab:green" if b == "shipped" else "tab:grey" for b in labels])
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("macro-F1 (grouped CV, scored rows)")
        ax.set_title(head, fontsize=9)
    return fig


POPULATION_FIGURE = "selective_populations.png"
_TARGETS = {"known_ideas": 0.97, "mixture": 0.97, "real_text": 0.90, "new_ideas": 0.95}  # the accuracy targets


def write_population_figure(out_dir: Path, results: dict, sel: dict) -> str | None:
    """Coverage against accuracy for each population of the review policy (one repeat), with each policy's
    nested auto-accept point; written by quick and full runs alike. None when no population was scored."""
    curves = coverage_curves(results)
    if not curves:
        return None
    fig, ax = _figure(6.4, 4.4)
    colours = {"known_ideas": "tab:green", "new_ideas": "tab:orange", "real_text": "tab:purple", "mixture": "tab:blue"}
    for name, (coverage, accuracy) in curves.items():
        colour = colours.get(name, "grey")
        ax.plot(coverage, accuracy, color=colour, linewidth=2.0 if name == "mixture" else 1.2,
                label=name.replace("_", " "))
        point = sel.get(name) or {}
        if point.get("auto_accept_accuracy") is not None:
            ax.plot([point["auto_accept_share"]], [point["auto_accept_accuracy"]], "o", color=colour)
        if name in _TARGETS:
            ax.axhline(_TARGETS[name], color=colour, linewidth=0.6, linestyle=":")
    ax.set_xlabel("coverage (share accepted, lowest estimated error risk first)")
    ax.set_ylabel("accuracy of accepted (both heads right)")
    ax.set_ylim(0.3, 1.01)
    ax.set_xlim(0.0, 1.0)
    ax.set_title("review policy per population; dots: the default's auto-accepted rows, dotted: targets", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    _save(fig, Path(out_dir) / POPULATION_FIGURE)
    return POPULATION_FIGURE
