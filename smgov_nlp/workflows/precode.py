"""``smgov precode``: from workshop transcripts to coded statements and consolidated ideas.

Steps: segment every file into statements (type from its question section when there is
one), code each statement with the model, keep earlier human decisions (matched by
``text_hash``), group duplicate ideas within each type across all files, then write
``statements.csv``, ``ideas.csv``, the paper-style tables, the review queue, and the REFI-QDA
project and codebook (``project.qdpx``, ``codebook.qdc``: :mod:`smgov_nlp.qda`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from smgov_nlp.errors import SmgovError
from smgov_nlp.ideas.grouping import check_lang, check_threshold, group_ideas
from smgov_nlp.io.writers import write_table
from smgov_nlp.labels import HEADS, LAYERS
from smgov_nlp.model.folder import Model, load_model
from smgov_nlp.qda.project import write_qda
from smgov_nlp.review.decision import NOT_STATEMENT, OWN_IDEA
from smgov_nlp.review.store import DecisionStore
from smgov_nlp.text import text_hash
from smgov_nlp.ties import rounded
from smgov_nlp.transcripts.segment import segment_notes
from smgov_nlp.workflows.score import check_target_accuracy, predict_statements
from smgov_nlp.workflows.tables import COUNT_CHOICES, Provenance, today, write_tables

log = logging.getLogger(__name__)

STATEMENT_COLUMNS = ["statement_id", "text", "lang", "type", "type_source", "type_confidence", "layer",
                     "layer_source", "layer_confidence", "needs_review", "review_reason", "matched_idea", "error_risk",
                     "idea_id", "idea_needs_review", "file", "line", "section", "group", "decision"]
METADATA_COLUMNS = ["text", "kind", "file", "line"]
IDEA_COLUMNS = ["idea_id", "type", "layer", "mentions", "groups", "idea_text", "member_ids", "languages", "reviewed",
                "idea_needs_review", "weakest_member"]


def segment_files(paths: Sequence[str | Path]) -> pd.DataFrame:
    """All statements of all files, in file order, with provenance."""
    return read_notes(paths)[0]


def read_notes(paths: Sequence[str | Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All statements of all files, in file order, with provenance; and the lines kept beside them
    but never coded (:data:`METADATA_COLUMNS`: titles, preambles, remarks about the workshop)."""
    if not paths:
        raise SmgovError("no transcripts given", "pass one or more .txt, .md, .docx, .csv or .xlsx files")
    notes = [segment_notes(path) for path in paths]
    rows = [asdict(s) for note in notes for s in note.statements]
    metadata = pd.DataFrame([asdict(m) for note in notes for m in note.metadata], columns=METADATA_COLUMNS)
    if not rows:
        raise SmgovError(f"no statements found in {', '.join(Path(p).name for p in paths)}",
                         "check that the notes have bullet points or one statement per line")
    frame = pd.DataFrame(rows)
    frame["source"] = [index for index, note in enumerate(notes) for _ in note.statements]  # position in paths
    frame.insert(0, "statement_id", [f"S{i:05d}" for i in range(1, len(frame) + 1)])
    return frame, metadata[["file", "line", "kind", "text"]]


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
                lang: str = "auto", count: str = "mentions",
                links: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Group duplicate ideas within each type across all files; return (statements, ideas).

    ``lang`` chooses the language of each idea's text (``auto``: most of its statements').
    Statements carry their layers (predicted, or decided by a person) into the merge guard, so
    two sides whose layers disagree merge only when much closer. Each idea gets ``mentions``
    (:func:`count_mentions`) and ``groups`` (distinct groups that raised it); ideas are sorted by
    type, layer, then ``count`` (``mentions`` or ``groups``), most first. ``links`` are the ideas
    people fixed in review (``text_hash`` -> the ``text_hash`` of a statement to join, or ``own``:
    :meth:`~smgov_nlp.review.store.DecisionStore.idea_links`); they hold over the grouping.
    """
    check_count(count)
    texts = coded["text"].tolist()
    vectors = model.idea_vectors(texts, blocked=True)
    ideas = group_ideas(texts, vectors, model.dedupe_threshold(True) if threshold is None else threshold,
                        blocks=coded["type"].tolist(), langs=coded["lang"].tolist(), lang=lang,
                        layers=coded["layer"].tolist(), links=_link_rows(coded, links or {}))
    coded = coded.assign(idea_id=ideas["idea_id"].to_numpy(), idea_text=ideas["idea_text"].to_numpy(),
                         idea_needs_review=ideas["idea_needs_review"].to_numpy())
    weakest = ideas["weakest_row"].to_numpy()
    human = np.zeros(len(coded), dtype=bool)
    for head in HEADS:
        if f"{head}_source" in coded.columns:
            human |= (coded[f"{head}_source"] == "human").to_numpy()
    records = []
    for idea_id, members in coded.groupby("idea_id", sort=False):
        weights = members.groupby("layer")["layer_confidence"].sum()  # rounded: summing order must not decide
        layer = max(weights.index, key=lambda lay: (float(rounded(weights[lay])), -LAYERS.index(lay)))
        first = coded.index.get_loc(members.index[0])
        flagged = bool(members["idea_needs_review"].iloc[0])
        weak = coded.iloc[weakest[first]] if flagged and weakest[first] >= 0 else None
        records.append({
            "idea_id": idea_id, "type": members["type"].iloc[0], "layer": layer,
            "mentions": count_mentions(members), "groups": _groups(members).nunique(),
            "idea_text": members["idea_text"].iloc[0], "member_ids": " ".join(members["statement_id"]),
            "languages": ",".join(sorted(set(members["lang"]) - {"und"})) or "und",
            "reviewed": bool(human[coded.index.get_indexer(members.index)].any()), "idea_needs_review": flagged,
            "weakest_member": "" if weak is None else f"{weak['statement_id']}: {weak['text']}",
        })
    table = pd.DataFrame(records, columns=IDEA_COLUMNS)
    table = table.sort_values(["type", "layer", count, "idea_text"], ascending=[True, True, False, True],
                              key=_label_order, kind="stable").reset_index(drop=True)
    return coded, table


def _link_rows(coded: pd.DataFrame, links: Mapping[str, str]) -> dict[int, int | None]:
    """People's idea links as row positions of ``coded``: row -> the row to join, or ``None`` (own idea)."""
    hashes = coded["text_hash"].tolist() if "text_hash" in coded.columns else [text_hash(t) for t in coded["text"]]
    first = {}
    for position, key in enumerate(hashes):
        first.setdefault(key, position)
    rows: dict[int, int | None] = {}
    for position, key in enumerate(hashes):
        target = links.get(key)
        if target == OWN_IDEA:
            rows[position] = None
        elif target and target in first:
            rows[position] = first[target]
    return rows


def count_mentions(members: pd.DataFrame) -> int:
    """How many recorded responses raised an idea.

    A response is a bullet or line as the secretary recorded it: statements sharing ``file`` and
    ``line`` (the sentences of one bullet) are one response. Within a group (table), a response and
    its own translation count once: per group, the distinct responses in each language are counted
    and the larger number is kept; the groups' numbers are added up.
    """
    responses = (members["file"].astype(str) + "\x00" + members["line"].astype(str)
                 if {"file", "line"} <= set(members.columns) else members["statement_id"].astype(str))
    frame = pd.DataFrame({"group": _groups(members).to_numpy(), "lang": members["lang"].astype(str).to_numpy(),
                          "response": responses.to_numpy()})
    per_lang = frame.groupby(["group", "lang"])["response"].nunique()
    return int(per_lang.groupby(level="group").max().sum())


def _groups(members: pd.DataFrame) -> pd.Series:
    """Each statement's group (table); its file when no group is known."""
    if "group" in members.columns:
        group = members["group"].fillna("").astype(str)
        if "file" in members.columns:
            return group.where(group != "", members["file"].astype(str))
        return group
    return members["file"].astype(str) if "file" in members.columns else pd.Series("", index=members.index)


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
                target_accuracy: float | None = None, count: str = "mentions",
                embed_ahead: Callable[[Model, list[str]], object] | None = None) -> dict:
    """Run the whole job and write every output into ``out_dir``; returns a short summary.

    ``count`` is what the tables' numbers count: ``mentions`` (responses) or ``groups``.
    ``embed_ahead(model, texts)``, when given, fills the embedding cache first (``--scheduler``: on Dask workers,
    see :mod:`smgov_nlp.distributed.embed`).
    """
    out_dir = Path(out_dir)
    check_threshold(threshold, "leave it out to use the tuned default")
    check_lang(lang)
    check_target_accuracy(target_accuracy)
    check_count(count)
    statements, metadata = read_notes(paths)
    model = load_model(model_dir)
    if progress:
        progress(f"{len(statements)} statements from {len(paths)} files")
    if embed_ahead is not None:
        embed_ahead(model, statements["text"].tolist())
    coded = code_statements(statements, model, data_dir, target_accuracy=target_accuracy)
    aside = coded[coded["decision"] == NOT_STATEMENT]  # people said these are not statements: no idea, table or queue
    store = DecisionStore(data_dir)  # one reader: each later read takes only rows appended since
    coded, ideas = consolidate(coded.drop(index=aside.index), model, threshold, lang=lang, count=count,
                               links=store.idea_links())
    in_tables = len(coded)
    reviewed = int(((coded["layer_source"] == "human") | (coded["type_source"] == "human")).sum())
    coded = pd.concat([coded, aside.assign(idea_id="", idea_text="", idea_needs_review=False)]).sort_index()
    info = Provenance(statements=in_tables, reviewed=reviewed, model_version=str(model.version), date=today(),
                      count=count)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_table(coded[STATEMENT_COLUMNS], out_dir / "statements.csv")
    write_table(ideas, out_dir / "ideas.csv")
    write_table(review_queue(coded), out_dir / "review_queue.csv")
    write_table(metadata, out_dir / "metadata.csv")
    write_tables(ideas, out_dir, info)
    reviewers = {key: d.reviewer for key, d in store.latest().items()}
    qda = write_qda(coded, ideas, paths, out_dir, str(model.version), reviewers)
    return {"statements": len(coded), "ideas": len(ideas), "needs_review": int(coded["needs_review"].sum()),
            "human": reviewed + len(aside), "not_statements": len(aside), "files": len(paths), "out": str(out_dir),
            "unplaced": qda.unplaced}


def check_count(count: str) -> None:
    """``--count`` must be ``mentions`` or ``groups``."""
    if count not in COUNT_CHOICES:
        raise SmgovError(f"--count must be one of {', '.join(COUNT_CHOICES)}, found {count!r}",
                         "pass --count mentions (responses) or --count groups (tables that raised the idea)")
