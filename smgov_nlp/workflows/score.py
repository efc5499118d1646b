"""``smgov score``: code every statement of a file with layer, type, confidence and reasons.

The input is read in chunks and each chunk is written as soon as it is scored, so a
million rows run in bounded memory; the output appears atomically when all is done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from smgov_nlp.io.readers import iter_table, require_column
from smgov_nlp.io.writers import TableWriter
from smgov_nlp.labels import HEADS
from smgov_nlp.lang import detect_lang
from smgov_nlp.model.folder import Model, load_model
from smgov_nlp.ties import below, ranked_labels

log = logging.getLogger(__name__)

OUTPUT_COLUMNS = ["lang", "layer", "layer_confidence", "type", "type_confidence", "needs_review", "nearest_examples"]
RUNNER_UP_COLUMNS = ["layer_runner_up", "layer_runner_up_confidence", "type_runner_up", "type_runner_up_confidence"]
CHUNK_ROWS = 5000


def predict_statements(model: Model, texts: Sequence[str], runner_up: bool = False, k: int = 3) -> pd.DataFrame:
    """Predictions for ``texts`` in order; blank statements get empty predictions and ``needs_review``."""
    texts = ["" if t is None else str(t) for t in texts]
    filled = np.array([bool(t.strip()) for t in texts], dtype=bool)
    n = len(texts)
    out = pd.DataFrame({
        "lang": [detect_lang(t) if ok else "und" for t, ok in zip(texts, filled)],
        "layer": "", "layer_confidence": np.nan, "type": "", "type_confidence": np.nan,
        "needs_review": True, "nearest_examples": [[] for _ in range(n)],
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
    review = np.zeros(len(rows), dtype=bool)
    for head, p in proba.items():
        ids = np.asarray(HEADS[head])
        order = ranked_labels(p)
        confidence = p[np.arange(len(rows)), order[:, 0]]
        out.loc[rows, head] = ids[order[:, 0]]
        out.loc[rows, f"{head}_confidence"] = np.round(confidence, 4)
        review |= below(confidence, model.thresholds[head])
        if runner_up:
            out.loc[rows, f"{head}_runner_up"] = ids[order[:, 1]]
            out.loc[rows, f"{head}_runner_up_confidence"] = np.round(p[np.arange(len(rows)), order[:, 1]], 4)
    out.loc[rows, "needs_review"] = review
    nearest = model.nearest(vectors, k=k)
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
               progress: Callable[[int], None] | None = None, warn: Callable[[str], None] | None = None) -> int:
    """Score ``input_path`` into ``out_path``; returns the number of rows written.

    ``progress`` is called with the number of rows done after each chunk; ``warn`` receives
    one-line warnings (such as renamed clashing columns).
    """
    TableWriter(out_path)  # rejects an unknown output extension before any work
    chunks = iter_table(input_path, chunksize=chunk_rows)
    first = next(chunks)  # raises on empty or unreadable input before anything is loaded
    require_column(first, text_col, input_path)
    model = model or load_model(model_dir)
    with TableWriter(out_path) as writer:
        for i, chunk in enumerate(_chain(first, chunks)):
            predictions = predict_statements(model, chunk[text_col].tolist())
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
