"""The statements around a queued statement in its transcript, for a queue written by ``smgov precode``.

``smgov precode`` writes ``statements.csv`` beside ``review_queue.csv``: every statement of every
file in file order, with its ``statement_id``, ``file`` and ``line``. A reviewer reads a statement
better with the lines before and after it; a queue without that file (one from ``smgov score``)
simply has no context.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from smgov_nlp.errors import SmgovError
from smgov_nlp.io.readers import read_table

logger = logging.getLogger(__name__)

STATEMENTS_FILE = "statements.csv"
_NEEDED = ("statement_id", "text", "file", "line")


def transcript_context(queue_path: str | Path, statement_ids: Iterable[str], width: int = 2) -> dict[str, list[dict]]:
    """``statement_id`` -> up to ``width`` statements before and after it in the same file, itself included.

    Each entry is ``{"line": ..., "text": ..., "self": bool}``, in file order. Empty when the queue has
    no readable ``statements.csv`` beside it, or that file lacks the columns :data:`_NEEDED`.
    """
    path = Path(queue_path).with_name(STATEMENTS_FILE)
    wanted = {str(sid) for sid in statement_ids if str(sid).strip()}
    if not wanted or not path.is_file():
        return {}
    try:
        frame = read_table(path)
    except (SmgovError, OSError, ValueError) as exc:
        logger.warning("no transcript context: cannot read %s (%s)", path, exc)
        return {}
    if any(column not in frame.columns for column in _NEEDED):
        return {}
    frame = frame.loc[:, list(_NEEDED)].fillna("").astype(str)
    context: dict[str, list[dict]] = {}
    for _, rows in frame.groupby("file", sort=False):
        records = rows.to_dict("records")
        for position, record in enumerate(records):
            if record["statement_id"] not in wanted:
                continue
            around = records[max(position - width, 0):position + width + 1]
            context[record["statement_id"]] = [
                {"line": other["line"], "text": other["text"], "self": other is record} for other in around
            ]
    return context
