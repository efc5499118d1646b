"""``smgov precode``: from workshop transcripts to coded statements and consolidated ideas.

Steps: segment every file into statements (type from its question section when there is
one), code each statement with the model, keep earlier human decisions (matched by
``text_hash``), group duplicate ideas within each type across all files, then write
``statements.csv``, ``ideas.csv``, the paper-style tables and the review queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from smgov_nlp.errors import SmgovError
from smgov_nlp.ideas.grouping import check_lang, check_threshold, group_ideas
from smgov_nlp.io.writers import write_table
from smgov_nlp.labels import HEADS, LAYERS
from smgov_nlp.model.folder import Model, load_model
from smgov_nlp.review.decision import NOT_STATEMENT
from smgov_nlp.review.store import DecisionStore
from smgov_nlp.text import text_hash
from smgov_nlp.ties import rounded
from smgov_nlp.transcripts.segment import segment_file
from smgov_nlp.workflows.score import check_target_accuracy, predict_statements
from smgov_nlp.workflows.tables import write_tables

log = logging.getLogger(__name__)

STATEMENT_COLUMNS = ["statement_id", "text", "lang", "type", "type_source", "type_confidence", "layer",
                     "layer_source", "layer_confidence", "needs_review", "review_reason", "matched_idea", "error_risk", "idea_id", "file", "line", "section", "group",
                     "decision"]
IDEA_COLUMNS = ["idea_id", "type", "layer", "count", "idea_text", "member_ids", "languages"]


def segment_files(paths: Sequence[str | Path]) -> pd.DataFrame:
    """All statements of all files, in file order, with provenance."""
    if not paths:
        raise SmgovError("no transcripts given", "pass one or more .txt, .md, .docx, .csv or .xlsx files")
    rows = [asdict(s) for path in paths for s in segment_file(path)]
    if not rows:
        raise SmgovError(f"no statements found in {', '.join(Path(p).name for p in paths)}",
                         "check that the notes have bullet points or one statement per line")
    frame = pd.DataFrame(rows)
    frame.insert(0, "statement_id", [f"S{i:05d}" for i in range(1, len(frame) + 1)])
    return frame


def code_statements(statements: pd.DataFrame, model: Model, data_dir: str | Path | None = None,
                    target_accuracy: float | None = None) -> pd.DataFrame:
    """Add model predictions, section types and human decisions; decide what needs review.

    Where the type comes from a section heading, only the layer decides whether a statement is
    reviewed (``target_accuracy``: the review policy's target, default the model's)."""
    texts = statements["text"].tolist()
    section_type = statements["type"].fillna("").astype(str)
    from_section = section_type.isin(HEADS["type"]).to_numpy()
    predicted = predict_statements(model, texts, runner_up=True, type_decides=~from_section,
                                   target_accuracy=target_accuracy)
    out = statements.copy()
    out["type"] = np.where(from_section, section_type, predicted["type"])
    out["type_source"] = np.where(from_section, "section", "model")
    out["type_confidence"] = np.where(from_section, 1.0, predicted["type_confidence"])
    out["layer"] = predicted["layer"]
    out["layer_source"] = "model"
    out["layer_confidence"] = predicted["layer_confidence"]
    for column in ("layer_runner_up", "layer_runner_up_confidence", "type_runner_up", "type_runner_up_confidence",
                   "review_reason", "matched_idea", "error_risk", "nearest_examples"):
        out[column] = predicted[column]
    out["lang"] = np.where(out["lang"].isin(["es", "en"]), out["lang"], predicted["lang"])
    out["needs_review"] = predicted["needs_review"].to_numpy()
    out["text_hash"] = [text_hash(t) for t in texts]
    decisions = DecisionStore(data_dir).latest()
    human = out["text_hash"].map(lambda h: h in decisions).to_numpy()
    if human.any():
        for head in HEADS:
            out.loc[human, head] = [getattr(decisions[h], head) for h in out.loc[human, "text_hash"]]
            out.loc[human, f"{head}_source"] = "human"
            out.loc[human, f"{head}_confidence"] = 1.0
        out.loc[human, "needs_review"] = False
        out.loc[human, "review_reason"] = ""
        out.loc[human, "error_risk"] = 0.0
    out["decision"] = [decisions[h].decision if h in decisions else "" for h in out["text_hash"]]  # not_statement: no labels
    out["model_version"] = model.version
    return out


def consolidate(coded: pd.DataFrame, model: Model, threshold: float | None = None,
                lang: str = "auto") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Group duplicate ideas within each type across all files; return (statements, ideas).

    ``lang`` chooses the language of each idea's text (``auto``: most of its statements').
    """
    texts = coded["text"].tolist()
    vectors = model.idea_vectors(texts, blocked=True)
    ideas = group_ideas(texts, vectors, model.dedupe_threshold(True) if threshold is None else threshold,
                        blocks=coded["type"].tolist(), langs=coded["lang"].tolist(), lang=lang)
    coded = coded.assign(idea_id=ideas["idea_id"].to_numpy(), idea_text=ideas["idea_text"].to_numpy())
    records = []
    for idea_id, members in coded.groupby("idea_id", sort=False):
        weights = members.groupby("layer")["layer_confidence"].sum()  # rounded: summing order must not decide
        layer = max(weights.index, key=lambda lay: (float(rounded(weights[lay])), -LAYERS.index(lay)))
        records.append({
            "idea_id": idea_id, "type": members["type"].iloc[0], "layer": layer, "count": len(members),
            "idea_text": members["idea_text"].iloc[0], "member_ids": " ".join(members["statement_id"]),
            "languages": ",".join(sorted(set(members["lang"]) - {"und"})) or "und",
        })
    table = pd.DataFrame(records, columns=IDEA_COLUMNS)
    table = table.sort_values(["type", "layer", "count", "idea_text"], ascending=[True, True, False, True],
                              key=_label_order).reset_index(drop=True)
    return coded, table


def _label_order(column: pd.Series) -> pd.Series:
    order = {label: i for ids in HEADS.values() for i, label in enumerate(ids)}
    return column.map(order) if column.name in HEADS else column


def review_queue(coded: pd.DataFrame) -> pd.DataFrame:
    """Statements flagged for review, the likeliest to be wrong first (``error_risk``, then the lowest confidence)."""
    queue = coded[coded["needs_review"]].copy()
    queue["_certainty"] = queue[["layer_confidence", "type_confidence"]].min(axis=1)
    queue["_risk"] = -queue["error_risk"].astype(float)
    queue = queue.sort_values(["_risk", "_certainty", "statement_id"], kind="stable").drop(columns=["_certainty", "_risk"])
    queue["nearest_examples"] = queue["nearest_examples"].map(lambda items: " | ".join(items))
    return queue


def run_precode(paths: Sequence[str | Path], out_dir: str | Path, model_dir: str | Path | None = None,
                data_dir: str | Path | None = None, threshold: float | None = None,
                progress: Callable[[str], None] | None = None, lang: str = "auto",
                target_accuracy: float | None = None) -> dict:
    """Run the whole job and write every output into ``out_dir``; returns a short summary."""
    out_dir = Path(out_dir)
    check_threshold(threshold, "leave it out to use the tuned default")
    check_lang(lang)
    check_target_accuracy(target_accuracy)
    statements = segment_files(paths)
    model = load_model(model_dir)
    if progress:
        progress(f"{len(statements)} statements from {len(paths)} files")
    coded = code_statements(statements, model, data_dir, target_accuracy=target_accuracy)
    aside = coded[coded["decision"] == NOT_STATEMENT]  # people said these are not statements: no idea, table or queue
    coded, ideas = consolidate(coded.drop(index=aside.index), model, threshold, lang=lang)
    coded = pd.concat([coded, aside]).sort_index()
    out_dir.mkdir(parents=True, exist_ok=True)
    write_table(coded[STATEMENT_COLUMNS], out_dir / "statements.csv")
    write_table(ideas, out_dir / "ideas.csv")
    write_table(review_queue(coded), out_dir / "review_queue.csv")
    write_tables(ideas, out_dir)
    return {"statements": len(coded), "ideas": len(ideas), "needs_review": int(coded["needs_review"].sum()),
            "human": int((coded["layer_source"] == "human").sum()), "files": len(paths), "out": str(out_dir)}
