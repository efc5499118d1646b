"""The labeled corpus: the paper's tables, the project's Spanish versions, auxiliary rows and reviewed additions.

Every row carries a ``group``: one idea. An English table row, its Spanish version,
the paraphrases derived from it and the paper prose that restates it share the
idea's group, so a grouped split never puts one idea on both sides.

``role`` says what a row is for:

- ``table``: a hand-coded idea (English or the project's Spanish version). Scored in evaluation.
- ``reviewed``: a human decision from ``reviewed.csv``. Trained on and scored.
- ``aux``: training-only enrichment (project paraphrases, paper prose, layer definitions, and new
  ideas written and double-coded by the project).

``style`` says what the text reads like: ``table`` (terse workshop items, and reviewed
statements), ``formal`` (paper prose and the project's formal paraphrases: the long,
guideline-like text the model also meets), ``paraphrase`` (casual rewordings) or ``definition``.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from smgov_nlp.errors import SmgovError
from smgov_nlp.labels import HEADS
from smgov_nlp.review.store import STORE_FILE, load_reviewed_examples

COLUMNS = ["id", "text", "layer", "type", "lang", "group", "role", "origin", "style"]
STYLES = {"paper_table": "table", "project_translation": "table", "paper_prose": "formal",
          "paper_definition": "definition", "review": "table"}  # augment.csv rows carry their own

# file name -> (origin, role, column holding the idea the row belongs to)
SOURCES: dict[str, tuple[str, str, str | None]] = {
    "tables_en.csv": ("paper_table", "table", "id"),
    "tables_es.csv": ("project_translation", "table", "source_id"),
    "prose.csv": ("paper_prose", "aux", "group_id"),
    "augment.csv": ("project_paraphrase", "aux", "source_id"),
    "additions.csv": ("project_addition", "aux", "source_id"),
    "layer_definitions.csv": ("paper_definition", "aux", "id"),
}
REVIEWED = "reviewed.csv"
PACKAGE = "smgov_nlp.labeled"


def packaged_corpus_dir() -> Path:
    """The labeled corpus shipped inside the package (``data/labeled`` in the source tree).

    An editable install made before the corpus was packaged has no ``smgov_nlp.labeled``; the
    source tree's ``data/labeled`` beside the package is then the same files.
    """
    try:
        folder = Path(str(resources.files(PACKAGE)))
    except ModuleNotFoundError:
        folder = Path(__file__).resolve().parents[2] / "data" / "labeled"
    if not (folder / "tables_en.csv").exists():
        raise SmgovError(f"the labeled corpus shipped with smgov-nlp is missing: no tables_en.csv in {str(folder)!r}",
                         "reinstall smgov-nlp (pip install --force-reinstall smgov-nlp), or pass --data with a "
                         "folder holding tables_en.csv")
    return folder


def load_corpus(data_dir: str | Path, include_reviewed: bool = True, origins: set[str] | None = None) -> pd.DataFrame:
    """Read every labeled file in ``data_dir`` into one frame with :data:`COLUMNS`."""
    data_dir = Path(data_dir)
    if not (data_dir / "tables_en.csv").exists():
        raise SmgovError(
            f"no labeled data in {str(data_dir)!r}: expected tables_en.csv there",
            "pass --data with a folder holding tables_en.csv, or leave --data out to train on the corpus "
            "shipped with smgov-nlp",
        )
    frames = []
    for name, (origin, role, group_col) in SOURCES.items():
        path = data_dir / name
        if not path.exists() or (origins is not None and origin not in origins):
            continue
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        group = raw[group_col]
        if group_col == "id":  # a Spanish row "es-<id>" belongs to its English row's group
            group = group.str.removeprefix("es-")
        frames.append(pd.DataFrame({
            "id": raw["id"], "text": raw["text"], "layer": raw["layer"], "type": raw.get("type", ""),
            "lang": raw["lang"], "group": group, "role": role, "origin": origin,
            "style": raw["style"] if "style" in raw else STYLES.get(origin, "paraphrase"),
        }))
    if include_reviewed and (data_dir / REVIEWED).exists():
        frames.append(load_reviewed(data_dir / REVIEWED))
    corpus = pd.concat(frames, ignore_index=True)
    corpus["type"] = corpus["type"].fillna("")
    for head, ids in HEADS.items():
        bad = corpus[(corpus[head] != "") & ~corpus[head].isin(ids)]
        if len(bad):
            row = bad.iloc[0]
            raise SmgovError(f"row {row['id']} has {head} {row[head]!r}, expected one of {list(ids)}",
                             "fix the labeled file")
    return corpus[COLUMNS]


def load_reviewed(path: str | Path) -> pd.DataFrame:
    """Latest human decision per statement from a ``reviewed.csv`` decision store, as corpus rows.

    Read by the store itself (:func:`~smgov_nlp.review.store.load_reviewed_examples`), so training
    sees exactly the decisions review sees: a row the store refuses is an error here too.
    """
    path = Path(path)
    if path.name != STORE_FILE:
        raise SmgovError(f"expected the decision store {STORE_FILE}, got {str(path)!r}",
                         f"pass the {STORE_FILE} of a data folder")
    latest = load_reviewed_examples(path.parent)
    return pd.DataFrame({
        "id": "rev-" + latest["text_hash"].str[:12], "text": latest["text"], "layer": latest["layer"],
        "type": latest["type"], "lang": latest["lang"], "group": "rev-" + latest["text_hash"],
        "role": "reviewed", "origin": "review", "style": "table",
    })


def corpus_hash(corpus: pd.DataFrame) -> str:
    """SHA-256 of the training rows (text, labels, group) in a canonical order."""
    canonical = corpus[["id", "text", "layer", "type", "group"]].sort_values("id").to_csv(index=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def example_bank(corpus: pd.DataFrame) -> pd.DataFrame:
    """The hand-coded rows shown as reasons: the paper's tables and reviewed decisions."""
    keep = corpus["role"].isin(["table", "reviewed"])
    return corpus.loc[keep, ["id", "text", "layer", "type", "lang"]].reset_index(drop=True)


SCORED_ROLES = ("table", "reviewed")  # the hand-coded rows evaluation scores and calibration is judged on


def scored_mask(corpus: pd.DataFrame) -> np.ndarray:
    """Boolean mask of the rows whose ``role`` is in :data:`SCORED_ROLES` (hand-coded table rows and reviewed decisions)."""
    return corpus["role"].isin(SCORED_ROLES).to_numpy()
