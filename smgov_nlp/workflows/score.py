"""``smgov score``: code every statement of a file with layer, type, confidence and reasons.

The input is read in chunks and each chunk is written as soon as it is scored, so a
million rows run in bounded memory; the output appears atomically when all is done.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from smgov_nlp.errors import SmgovError
from smgov_nlp.io.readers import iter_table, require_column
from smgov_nlp.io.writers import TableWriter
from smgov_nlp.labels import HEADS
from smgov_nlp.lang import detect_lang
from smgov_nlp.model.folder import Model, load_model
from smgov_nlp.ties import below, ranked_labels

log = logging.getLogger(__name__)

OUTPUT_COLUMNS = ["lang", "layer", "layer_confidence", "type", "type_confidence", "needs_review", "review_reason",
                  "matched_idea", "error_risk", "nearest_examples"]
RUNNER_UP_COLUMNS = ["layer_runner_up", "layer_runner_up_confidence", "type_runner_up", "type_runner_up_confidence"]
CHUNK_ROWS = 5000
EMPTY_REASON = "empty statement"


def check_target_accuracy(target_accuracy: float | None) -> None:
    """Refuse a ``--target-accuracy`` outside (0, 1)."""
    if target_accuracy is not None and not 0.0 < target_accuracy < 1.0:
        raise SmgovError(f"--target-accuracy must be a share between 0 and 1, found {target_accuracy}",
                         "pass e.g. --target-accuracy 0.97, or leave it out for the model's default")


def predict_statements(model: Model, texts: Sequence[str], runner_up: bool = False, k: int = 3,
                       type_decides: np.ndarray | None = None, target_accuracy: float | None = None) -> pd.DataFrame:
    """Predictions for ``texts`` in order; blank statements get empty predictions and ``needs_review``.

    ``needs_review``, ``review_reason``, ``matched_idea`` and ``error_risk`` (the estimated chance
    that the suggestion is wrong) come from the model's review policy (see
    :mod:`smgov_nlp.coding.review_policy`) at ``target_accuracy`` (default: the model's);
    ``type_decides`` is False where the type is already known (from a section heading), so only the
    layer decides. A model made before review policies existed flags by its per-head thresholds.
    """
    texts = ["" if t is None else str(t) for t in texts]
    filled = np.array([bool(t.strip()) for t in texts], dtype=bool)
    n = len(texts)
    out = pd.DataFrame({
        "lang": [detect_lang(t) if ok else "und" for t, ok in zip(texts, filled)],
        "layer": "", "layer_confidence": np.nan, "type": "", "type_confidence": np.nan,
        "needs_review": True, "review_reason": np.where(filled, "", EMPTY_REASON).astype(object), "matched_idea": "",
        "error_risk": np.where(filled, 0.0, 1.0), "nearest_examples": [[] for _ in range(n)],
    })
    if runner_up:
        for column in RUNNER_UP_COLUMNS:
            out[column] = np.nan if column.endswith("confidence") else ""
    rows = np.flatnonzero(filled)
    if len(rows) == 0:
        return out
    kept = [texts[i] for i in rows]
    vectors = model.embed(kept)
    proba = model.predict_proba(kept, embeddings=vectors)
    labels, second, confidence = {}, {}, {}
    for head, p in proba.items():
        ids = np.asarray(HEADS[head], dtype=object)
        order = ranked_labels(p)
        confidence[head] = p[np.arange(len(rows)), order[:, 0]]
        labels[head], second[head] = ids[order[:, 0]], ids[order[:, 1]]
        out.loc[rows, head] = labels[head]
        out.loc[rows, f"{head}_confidence"] = np.round(confidence[head], 4)
        if runner_up:
            out.loc[rows, f"{head}_runner_up"] = second[head]
            out.loc[rows, f"{head}_runner_up_confidence"] = np.round(p[np.arange(len(rows)), order[:, 1]], 4)
    decides = np.ones(len(rows), dtype=bool) if type_decides is None else np.asarray(type_decides, dtype=bool)[rows]
    policy = model.review_policy
    if policy is not None and model.novelty is not None:
        match = model.novelty.match(vectors)
        decision = policy.decide(confidence, labels, second, match.labels, match.similarity,
                                 np.array([len(t) for t in kept]), decides, target_accuracy)
        out.loc[rows, "needs_review"] = decision.needs_review
        out.loc[rows, "review_reason"] = decision.review_reason
        out.loc[rows, "error_risk"] = decision.p_wrong
        described = match.describe(model.novelty.names)
        out.loc[rows, "matched_idea"] = [d if s == "known" else "" for d, s in zip(described, decision.stratum)]
    else:
        review = below(confidence["layer"], model.thresholds["layer"]) | (
            decides & below(confidence["type"], model.thresholds["type"]))
        out.loc[rows, "needs_review"] = review
        out.loc[rows, "review_reason"] = np.where(review, "layer or type uncertain", "")
        out.loc[rows, "error_risk"] = np.round(1.0 - np.minimum(confidence["layer"],
                                                                np.where(decides, confidence["type"], 1.0)), 4)
    nearest = model.close_examples(vectors, k=k)
    bank_ids, bank_texts = model.examples["id"].to_numpy(), model.examples["text"].to_numpy()
    out.loc[rows, "nearest_examples"] = pd.Series(
        [[f"{bank_ids[j]}: {bank_texts[j]}" for j in row] for row in nearest], index=rows, dtype=object)
    out["needs_review"] = out["needs_review"].astype(bool)
    return out


def join_predictions(frame: pd.DataFrame, predictions: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Input columns first (clashing names renamed ``<name>_input``), then the predictions."""
    clashes = [c for c in frame.columns if c in predictions.columns]
    renamed = frame.rename(columns={c: f"{c}_input" for c in clashes})
    joined = pd.concat([renamed.reset_index(drop=True), predictions.reset_index(drop=True)], axis=1)
    return joined, clashes


def score_file(input_path: str | Path, out_path: str | Path, text_col: str = "text", model: Model | None = None,
               model_dir: str | Path | None = None, chunk_rows: int = CHUNK_ROWS,
               progress: Callable[[int], None] | None = None, warn: Callable[[str], None] | None = None,
               target_accuracy: float | None = None,
               predict_chunks: Callable[[Iterable[list[str]]], Iterable[pd.DataFrame]] | None = None) -> int:
    """Score ``input_path`` into ``out_path``; returns the number of rows written.

    ``progress`` is called with the number of rows done after each chunk; ``warn`` receives
    one-line warnings (such as renamed clashing columns). ``predict_chunks`` maps the chunks' statements
    to their predictions, in order (default: :func:`predict_statements` with the model, here; ``smgov score
    --scheduler`` passes one that scores on Dask workers, see :mod:`smgov_nlp.distributed.score`).
    """
    TableWriter(out_path)  # rejects an unknown output extension before any work
    check_target_accuracy(target_accuracy)
    chunks = iter_table(input_path, chunksize=chunk_rows)
    first = next(chunks)  # raises on empty or unreadable input before anything is loaded
    require_column(first, text_col, input_path)
    if predict_chunks is None:
        model = model or load_model(model_dir)

        def predict_chunks(texts):
            return (predict_statements(model, t, target_accuracy=target_accuracy) for t in texts)

    waiting: deque[pd.DataFrame] = deque()  # chunks read whose predictions have not come back yet

    def texts():
        for chunk in _chain(first, chunks):
            waiting.append(chunk)
            yield chunk[text_col].tolist()

    with TableWriter(out_path) as writer:
        for i, predictions in enumerate(predict_chunks(texts())):
            chunk = waiting.popleft()
            joined, clashes = join_predictions(chunk, predictions)
            if i == 0 and clashes and warn is not None:
                warn(f"the input already has column(s) {clashes}; kept them as "
                     f"{[c + '_input' for c in clashes]}")
            writer.write(joined)
            if progress is not None:
                progress(len(chunk))
        return writer.rows


def _chain(first, rest):
    yield first
    yield from rest
