"""``smgov cluster``: every input row and column, in input order, plus its duplicate idea."""

from __future__ import annotations

import numpy as np

from smgov_nlp.errors import SmgovError
from smgov_nlp.ideas.grouping import check_lang, check_threshold, group_ideas
from smgov_nlp.io.readers import read_table, require_column
from smgov_nlp.io.writers import write_table
from smgov_nlp.lang import detect_lang
from smgov_nlp.workflows.score import join_predictions

EMBED_CHUNK = 2000  # statements embedded per step of cluster_file (progress and cache writes)
OUTPUT_COLUMNS = ["idea_id", "idea_size", "idea_text"]


def cluster_file(input_path, out_path, model, text_col: str = "text", by: str | None = None,
                 threshold: float | None = None, progress=None, advance=None, lang: str = "auto",
                 embed_ahead=None) -> dict:
    """``smgov cluster``: every input row and column, in input order, plus ``idea_id``, ``idea_size``, ``idea_text``.

    ``lang`` (``auto``, ``es`` or ``en``) chooses the language of each idea's text (see :func:`group_ideas`);
    a statement's language comes from a ``lang`` column when the input has one (``es``/``en``), else it is detected;
    a ``layer`` column (as ``score`` and ``precode`` write) turns on the layer check of the merge guard.
    ``progress(message)`` gets status lines; ``advance(n)`` is called as rows are embedded (blank rows
    count at once), in steps of :data:`EMBED_CHUNK`, so a progress bar can follow the slow part.
    ``embed_ahead(model, texts)``, when given, fills the embedding cache first (``--scheduler``: on Dask workers,
    see :mod:`smgov_nlp.distributed.embed`); the vectors then come from the cache.
    """
    frame = read_table(input_path)
    require_column(frame, text_col, input_path)
    if by is not None and by not in frame.columns:
        raise SmgovError(f"--by column {by!r} is not in {getattr(input_path, 'name', input_path)}, "
                         f"found {[str(c) for c in frame.columns]}", "pass --by with one of those columns, or leave it out")
    if threshold is not None:
        check_threshold(threshold, f"try the tuned default {model.dedupe_threshold(by is not None):.3f}")
    check_lang(lang)
    texts = frame[text_col].tolist()
    filled = [i for i, t in enumerate(texts) if str(t).strip()]
    vectors = np.zeros((len(texts), 1), dtype=np.float32)
    if advance:
        advance(len(texts) - len(filled))
    if filled:
        kept = [texts[i] for i in filled]
        if embed_ahead is not None:
            embed_ahead(model, kept)
        parts = []
        for start in range(0, len(kept), EMBED_CHUNK):
            chunk = kept[start : start + EMBED_CHUNK]
            parts.append(model.idea_vectors(chunk, blocked=by is not None))
            if advance:
                advance(len(chunk))
        part = np.vstack(parts)
        vectors = np.zeros((len(texts), part.shape[1]), dtype=np.float32)
        vectors[filled] = part
    if progress:
        progress(f"embedded {len(filled)} statements; grouping")
    chosen = model.dedupe_threshold(by is not None) if threshold is None else threshold
    langs = None
    if "lang" in frame.columns:  # a scored or pre-coded file says each statement's language; else it is detected
        given = frame["lang"].fillna("").astype(str).str.strip()
        langs = [code if code in ("es", "en") else detect_lang(str(t)) for code, t in zip(given, texts)]
    layers = frame["layer"].fillna("").astype(str).tolist() if "layer" in frame.columns else None
    ideas = group_ideas(texts, vectors, chosen, blocks=None if by is None else frame[by].tolist(), langs=langs,
                        lang=lang, layers=layers)
    joined, clashes = join_predictions(frame, ideas[OUTPUT_COLUMNS])
    write_table(joined, out_path)
    distinct = ideas.loc[ideas["idea_id"] != "", "idea_id"].nunique()
    return {"rows": len(frame), "ideas": int(distinct), "threshold": chosen, "renamed": clashes}
