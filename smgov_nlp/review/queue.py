"""The review queue: the statements a person still has to decide, most uncertain first.

The queue is the table ``smgov precode`` (``review_queue.csv``) or ``smgov score``
writes: a ``text`` column plus the suggested ``layer``/``type`` with their
confidences. It is shown most uncertain first, and statements that already have a
decision in the store (``<data dir>/reviewed.csv``) are left out, so a review
resumes where it stopped.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from smgov_nlp.errors import SmgovError
from smgov_nlp.io.readers import read_table
from smgov_nlp.labels import check_label
from smgov_nlp.lang import detect_lang
from smgov_nlp.review.store import DecisionStore
from smgov_nlp.text import text_hash

QUEUE_OPTIONAL: tuple[str, ...] = (
    "lang",
    "layer",
    "layer_confidence",
    "type",
    "type_confidence",
    "layer_runner_up",
    "layer_runner_up_confidence",
    "type_runner_up",
    "type_runner_up_confidence",
    "nearest_examples",
    "file",
    "line",
    "section",
    "group",
    "statement_id",
    "idea_id",
    "model_version",
)
PROVENANCE: tuple[str, ...] = ("file", "line", "section", "group", "statement_id")
_CONFIDENCES = ("layer_confidence", "type_confidence", "layer_runner_up_confidence", "type_runner_up_confidence")
_QUEUE_FIX = "pass the review queue written by `smgov precode` (review_queue.csv) or `smgov score`"


def load_queue(path: str | Path, data_dir: Path | str | None = None, keep_decided: bool = False) -> pd.DataFrame:
    """Read a review queue, most uncertain first, without the statements already decided (kept, in their
    place, with ``keep_decided``: the browser review lists them).

    Returns one row per statement (duplicates of a text are shown once: a decision
    applies to every copy) with every column of :data:`QUEUE_OPTIONAL` present
    (empty when the file lacks it), confidences as floats (NaN when missing), and
    ``text_hash``, ``min_confidence`` (missing counts as 0) and ``queue_row`` (the
    row number in the file) added. A blank ``lang`` is detected from the text. The order is by ``error_risk`` (highest first) when the queue has it, else by ``min_confidence``; stable.

    ``frame.attrs`` holds counts for messages: ``rows``, ``blank``, ``duplicates``
    and ``already_decided``.
    """
    path = Path(path)
    raw = read_table(path)
    if "text" not in raw.columns:
        raise SmgovError(f"expected a column 'text' in {path.name}, found {[str(c) for c in raw.columns]}", _QUEUE_FIX)
    frame = raw.copy()
    for column in QUEUE_OPTIONAL:
        if column not in frame.columns:
            frame[column] = ""
    for column in ("text", *QUEUE_OPTIONAL):
        frame[column] = frame[column].fillna("").astype(str)
    first_row = 2 if path.suffix.lower() in (".csv", ".xlsx") else 1
    frame["queue_row"] = range(first_row, first_row + len(frame))

    blank = frame["text"].str.strip() == ""
    frame = frame.loc[~blank].copy()
    for head, column in (("layer", "layer"), ("type", "type")):
        frame[column] = frame[column].str.strip()
        for number, value in zip(frame["queue_row"], frame[column]):
            if value:
                try:
                    check_label(head, value)
                except ValueError as exc:
                    raise SmgovError(f"row {number} of {path.name}: {exc}", _QUEUE_FIX) from exc
    for column in _CONFIDENCES:
        frame[column] = [_confidence(value, column, number, path) for value, number in
                         zip(frame[column], frame["queue_row"])]
    frame["lang"] = [lang.strip() or detect_lang(text) for lang, text in zip(frame["lang"], frame["text"])]
    frame["text_hash"] = frame["text"].map(text_hash)
    frame["min_confidence"] = frame[["layer_confidence", "type_confidence"]].fillna(0.0).min(axis=1)
    if "error_risk" in frame.columns:  # a precode or score queue: the likeliest to be wrong first, as written
        risk = pd.to_numeric(frame["error_risk"], errors="coerce").fillna(1.0)
        frame = frame.assign(_risk=-risk).sort_values(["_risk", "min_confidence"], kind="stable").drop(columns="_risk")
    else:
        frame = frame.sort_values("min_confidence", kind="stable")
    unique = ~frame["text_hash"].duplicated(keep="first")
    duplicates = int((~unique).sum())
    frame = frame.loc[unique]
    decided = frame["text_hash"].isin(DecisionStore(data_dir).latest().keys())
    frame = (frame if keep_decided else frame.loc[~decided]).reset_index(drop=True)
    frame.attrs = {
        "rows": len(raw),
        "blank": int(blank.sum()),
        "duplicates": duplicates,
        "already_decided": int(decided.sum()),
    }
    return frame


def idea_members(queue: pd.DataFrame, queue_path: str | Path | None = None) -> dict[str, str]:
    """Idea id (case-folded) -> the ``text_hash`` of one of its statements, so a reviewer can move a
    statement into an idea by typing its id.

    The queue holds only the statements that need review, so ``statements.csv`` beside it (what
    ``smgov precode`` writes into the same folder) adds the ideas whose statements were all confident.
    The first statement in file order stands for its idea, as the spreadsheet import does.
    """
    members: dict[str, str] = {}
    statements = Path(queue_path).with_name("statements.csv") if queue_path else None
    frames = [queue[["idea_id", "text"]]] if "idea_id" in queue.columns else []
    if statements is not None and statements.is_file():
        try:
            table = read_table(statements)
        except SmgovError:
            table = pd.DataFrame()
        if {"idea_id", "text"} <= set(table.columns):
            frames.insert(0, table[["idea_id", "text"]])
    for frame in frames:
        for idea, text in zip(frame["idea_id"].fillna("").astype(str), frame["text"].fillna("").astype(str)):
            if idea.strip() and text.strip():
                members.setdefault(idea.strip().casefold(), text_hash(text))
    return members


def _confidence(value: str, column: str, number: int, path: Path) -> float:
    value = value.strip()
    if not value:
        return math.nan
    try:
        number_value = float(value)
    except ValueError:
        raise SmgovError(
            f"row {number} of {path.name}: {column} {value!r} is not a number", _QUEUE_FIX
        ) from None
    if not 0.0 <= number_value <= 1.0:
        raise SmgovError(
            f"row {number} of {path.name}: {column} {value!r} is not between 0 and 1", _QUEUE_FIX
        )
    return number_value


def nearest_examples(value: str) -> list[str]:
    """Split the ``nearest_examples`` cell (``' | '``-joined, or a JSON list from JSONL)."""
    value = (value or "").strip()
    if value.startswith("["):
        try:
            items = json.loads(value)
        except json.JSONDecodeError:
            items = None
        if isinstance(items, list):
            return [str(item).strip() for item in items if str(item).strip()]
    return [part.strip() for part in value.split(" | ") if part.strip()]
