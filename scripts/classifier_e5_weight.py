"""Choose the weight of multilingual-e5-small in the opt-in ``use+e5*W`` classifier without the scored rows.

Usage:
    python scripts/classifier_e5_weight.py        (about 10 minutes on 2 cores with a warm cache)

For each weight, the shipped classifier configuration with embedder ``use+e5*W`` is trained on the whole
labeled corpus, as ``smgov train`` does, and scored on ``data/dev/paraphrase_tune.csv``: the project's
bilingual paraphrases of workshop ideas, which carry a layer and a type and are never trained on. Neither
the hand-coded rows that ``smgov evaluate`` reports, nor the real-text set, nor the paraphrase test split
is read. Prints macro-F1 per head and their mean for each weight, and for the shipped ``use`` classifier.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from sklearn.metrics import f1_score

from smgov_nlp.coding.classifier import StatementClassifier
from smgov_nlp.labels import HEADS
from smgov_nlp.model.corpus import load_corpus

REPO = Path(__file__).resolve().parent.parent
WEIGHTS = (1, 2, 3, 4)


def main() -> None:
    corpus = load_corpus(REPO / "data" / "labeled")
    tune = pd.read_csv(REPO / "data" / "dev" / "paraphrase_tune.csv", dtype=str, keep_default_na=False)
    params = json.loads((REPO / "models" / "default" / "config.json").read_text(encoding="utf-8"))["classifier"]
    print(f"trained on {len(corpus)} corpus rows; scored on {len(tune)} paraphrase_tune statements")
    print(f"{'embedder':<12} {'layer':>6} {'type':>6} {'mean':>6}")
    for spec in ["use"] + [f"use+e5*{weight}" for weight in WEIGHTS]:
        model = StatementClassifier(**{**params, "embedder": spec})
        model.fit(corpus["text"].tolist(), corpus[list(HEADS)], groups=corpus["group"].to_numpy(),
                  calibration_mask=corpus["role"].isin(["table", "reviewed"]).to_numpy(),
                  selection_mask=(corpus["style"] == "formal").to_numpy())
        proba = model.predict_proba(tune["text"].tolist())
        scores = {head: f1_score(tune[head], [classes[i] for i in proba[head].argmax(1)], average="macro")
                  for head, classes in HEADS.items()}
        print(f"{spec:<12} {scores['layer']:6.3f} {scores['type']:6.3f} {sum(scores.values()) / 2:6.3f}", flush=True)


if __name__ == "__main__":
    main()
