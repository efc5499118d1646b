"""How new is a statement? Its similarity to the nearest coded wording, and that wording's idea.

The bank holds every coded wording of the corpus's ideas: the paper's table rows and their
Spanish versions, the paper's prose, the project's paraphrases and its double-coded additions,
and people's reviewed decisions, each with its idea (``group``) and labels. A statement whose
nearest wording is close restates that idea, whose labels are then strong evidence
(:mod:`smgov_nlp.coding.review_policy`); the idea is shown as the reason (``matched_idea``).

Vectors are the classifier's own sentence embeddings, so matching costs one matrix product and
no second encoder. numpy only: scoring never imports scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from smgov_nlp.io.writers import atomic_path
from smgov_nlp.labels import HEADS
from smgov_nlp.ties import rounded

FILE = "novelty.npz"
BANK_ORIGINS = ("paper_table", "project_translation", "paper_prose", "project_paraphrase", "project_addition",
                "review")
_CHUNK = 4096


def bank_mask(corpus: pd.DataFrame) -> np.ndarray:
    """Rows of ``corpus`` that are coded wordings of an idea (not the layer definitions)."""
    labelled = np.ones(len(corpus), dtype=bool)
    for head in HEADS:
        labelled &= corpus[head].fillna("").astype(str).ne("").to_numpy()
    return corpus["origin"].isin(BANK_ORIGINS).to_numpy() & labelled


def idea_names(corpus: pd.DataFrame) -> dict[str, str]:
    """A display text per idea: its English table wording when there is one, else its first English
    wording, else its first wording."""
    names: dict[str, str] = {}
    order = {"paper_table": 0, "review": 1, "project_addition": 2, "project_paraphrase": 3, "paper_prose": 4,
             "project_translation": 5}
    ranked = corpus.assign(_rank=corpus["origin"].map(order).fillna(9), _es=corpus["lang"].eq("es"),
                           _len=corpus["text"].str.len())
    for row in ranked.sort_values(["group", "_es", "_rank", "_len", "text"]).itertuples():
        names.setdefault(str(row.group), str(row.text))
    return names


@dataclass(frozen=True)
class Match:
    """The nearest coded wording of each statement."""

    similarity: np.ndarray  # cosine, rounded
    idea: np.ndarray  # idea id ("" when the bank is empty)
    labels: dict[str, np.ndarray]  # the idea's label per head

    def describe(self, names: dict[str, str]) -> list[str]:
        """``"t1-017: Identity theft"`` per statement."""
        return [f"{idea}: {names.get(idea, '')}" if idea else "" for idea in self.idea]


@dataclass(frozen=True)
class NoveltyBank:
    """Unit vectors of coded wordings with their idea and labels (:func:`build`, :meth:`load`)."""

    vectors: np.ndarray  # (n, d) float16, unit rows
    ideas: np.ndarray  # (n,) idea id per row
    labels: dict[str, np.ndarray]  # head -> (n,) label per row
    names: dict[str, str]  # idea id -> display text

    def __len__(self) -> int:
        return len(self.ideas)

    def match(self, vectors: np.ndarray, exclude: np.ndarray | None = None) -> Match:
        """Nearest bank row of each row of ``vectors`` (any scale). ``exclude`` gives, per query, an idea
        whose wordings must not count (the query's own idea, for out-of-fold calibration rows)."""
        n = len(vectors)
        if n == 0 or len(self) == 0:
            empty = np.full(n, "", dtype=object)
            return Match(np.zeros(n), empty, {head: empty.copy() for head in HEADS})
        queries = np.asarray(vectors, dtype=np.float32)
        queries = queries / np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
        bank = self.vectors.astype(np.float32)
        best = np.zeros(n, dtype=np.int64)
        top = np.full(n, -np.inf)
        for start in range(0, len(bank), _CHUNK):
            sims = rounded(queries @ bank[start : start + _CHUNK].T)
            if exclude is not None:
                sims = np.where(self.ideas[start : start + _CHUNK][None, :] == np.asarray(exclude)[:, None], -np.inf, sims)
            where = np.argmax(sims, axis=1)  # first of equal (rounded) similarities: the bank's fixed order
            value = sims[np.arange(n), where]
            better = value > top
            best[better], top[better] = where[better] + start, value[better]
        top = np.where(np.isfinite(top), top, 0.0)
        return Match(top, self.ideas[best], {head: labels[best] for head, labels in self.labels.items()})

    def save(self, folder: str | Path) -> None:
        arrays = {"vectors": self.vectors.astype(np.float16), "ideas": self.ideas.astype(str),
                  "name_ids": np.array(list(self.names), dtype=str),
                  "name_texts": np.array(list(self.names.values()), dtype=str)}
        arrays.update({f"label_{head}": values.astype(str) for head, values in self.labels.items()})
        with atomic_path(Path(folder) / FILE) as tmp:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **arrays)

    @classmethod
    def load(cls, folder: str | Path) -> NoveltyBank | None:
        """The bank saved in a model folder, or ``None`` for a model made before banks existed."""
        path = Path(folder) / FILE
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as data:
            names = dict(zip(data["name_ids"].tolist(), data["name_texts"].tolist()))
            return cls(data["vectors"], data["ideas"].astype(object),
                       {head: data[f"label_{head}"].astype(object) for head in HEADS}, names)


def build(corpus: pd.DataFrame, vectors: np.ndarray) -> NoveltyBank:
    """The bank of ``corpus``'s coded wordings; ``vectors`` are the embeddings of every corpus row."""
    keep = bank_mask(corpus)
    rows = np.asarray(vectors, dtype=np.float32)[keep]
    rows = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    part = corpus.loc[keep]
    return NoveltyBank(rows.astype(np.float16), part["group"].astype(str).to_numpy(dtype=object),
                       {head: part[head].astype(str).to_numpy(dtype=object) for head in HEADS}, idea_names(part))
