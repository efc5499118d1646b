"""Reproduce the choice of the duplicate-idea space's encoders and their weights.

Usage:
    python scripts/idea_space_choice.py            (about 10 minutes on 2 cores with a cold cache)

For each setting, an ``IdeaSpace`` is learned on the training corpus (as ``smgov train`` does: the
paper's rows, the project's Spanish versions, paraphrases and prose; not the definitions or the
project's additions) and scored two ways, neither of which reads ``paraphrase_test.csv``:

- **tune**: best pairwise F1 within type on ``data/dev/paraphrase_tune.csv`` over the threshold grid
  of ``sweep_thresholds`` (and the threshold that gives it);
- **held-out ideas**: grouped 5-fold cross-validation over the corpus's own ideas; each fold's space is
  learned without the held-out ideas, which are then grouped within type; mean of the best F1 per fold.

It also scores the chosen setting learned with the project's additions too (they are left out), and times a fresh (uncached) encode of the corpus with USE and with multilingual-e5-small, for
the speed ratio the README quotes.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold

from smgov_nlp.embeddings.backends import e5_encode, load_use
from smgov_nlp.ideas.grouping import sweep_thresholds
from smgov_nlp.ideas.space import IdeaSpace
from smgov_nlp.model.corpus import load_corpus
from smgov_nlp.model.train import IDEA_SPACE_EXCLUDES
from smgov_nlp.specs import EmbedderSpec

REPO = Path(__file__).resolve().parent.parent
SETTINGS = [("use", ()), ("e5", ()), ("use+e5", (1.0, 1.0)), ("use+e5", (1.0, 2.0)), ("use+e5", (1.0, 3.0)),
            ("use+e5", (1.0, 4.0)), ("use+e5", (1.0, 6.0))]


def best_f1(texts, vectors, gold, types) -> tuple[float, float]:
    sweep = sweep_thresholds(texts, vectors, gold, blocks=types)
    best = sweep["pair_f1"].idxmax()
    return float(sweep.loc[best, "pair_f1"]), float(sweep.loc[best, "threshold"])


def main() -> None:
    corpus = load_corpus(REPO / "data" / "labeled")
    corpus = corpus[~corpus["origin"].isin(IDEA_SPACE_EXCLUDES)].reset_index(drop=True)
    tune = pd.read_csv(REPO / "data" / "dev" / "paraphrase_tune.csv", dtype=str, keep_default_na=False)
    texts, groups, types = corpus["text"].tolist(), corpus["group"].to_numpy(), corpus["type"].to_numpy()
    print(f"{len(corpus)} corpus rows, {len(np.unique(groups))} ideas; tune split {len(tune)} statements")
    print(f"{'encoders':<8} {'weights':<9} {'tune F1':>8} {'at':>6} {'held-out ideas F1':>18}")
    for spec, weights in SETTINGS:
        space = IdeaSpace(embedder=EmbedderSpec.parse(spec).with_weights(weights))
        X, T = space.embed(texts), space.embed(tune["text"].tolist())
        tune_f1, at = best_f1(tune["text"].tolist(), space.fit(X, groups).transform(T), tune["group_id"],
                              tune["type"].tolist())
        folds = [best_f1([texts[i] for i in test], IdeaSpace().fit(X[train], groups[train]).transform(X[test]),
                         groups[test], types[test].tolist())[0]
                 for train, test in GroupKFold(5).split(X, groups=groups)]
        shown = ":".join(f"{w:g}" for w in weights) or "-"
        print(f"{spec:<8} {shown:<9} {tune_f1:8.3f} {at:6.3f} {np.mean(folds):18.3f}", flush=True)

    # The project's additions (four wordings per idea) are left out of the space; this shows why.
    full = load_corpus(REPO / "data" / "labeled")
    full = full[full["origin"] != "paper_definition"].reset_index(drop=True)
    space = IdeaSpace(embedder=EmbedderSpec.parse("use+e5*3"))
    X = space.embed(full["text"].tolist())
    tune_f1, at = best_f1(tune["text"].tolist(), space.fit(X, full["group"].to_numpy()).transform(
        space.embed(tune["text"].tolist())), tune["group_id"], tune["type"].tolist())
    print(f"use+e5 1:3 with the project's additions in the space: tune F1 {tune_f1:.3f} at {at:.3f}")

    sample = list(dict.fromkeys(texts))
    load_use().encode(sample[:16])
    e5_encode(sample[:16])  # load both models before timing
    start = time.perf_counter()
    load_use().encode(sample)
    use_s = time.perf_counter() - start
    start = time.perf_counter()
    e5_encode(sample)
    e5_s = time.perf_counter() - start
    print(f"fresh encode of {len(sample)} corpus statements: USE {use_s:.1f} s, e5 {e5_s:.1f} s "
          f"({e5_s / use_s:.1f}x slower)")


if __name__ == "__main__":
    main()
