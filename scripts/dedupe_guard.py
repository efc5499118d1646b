"""Duplicate-idea figures before and after the merge guard, within type as ``smgov precode`` groups.

Usage:
    python scripts/dedupe_guard.py                 tune split: sweeps and the chosen settings (about 1 minute)
    python scripts/dedupe_guard.py --grid          also the grid the guard's settings were chosen from (tune only)
    python scripts/dedupe_guard.py --test          also the held-out test split, at the thresholds chosen on tune
    python scripts/dedupe_guard.py --examples      also the bundled transcripts against data/examples/README.md

"Before" is plain average linkage (``guard=False``) at the shipped model's threshold; "after" is the
guarded linkage (``smgov_nlp.ideas.linkage``) at the threshold ``sweep_thresholds`` / ``best_threshold``
pick on the tune split (what ``smgov train`` stores), without layers (``smgov cluster`` on a file with no
``layer`` column, and ``smgov evaluate``) and with the model's predicted layers (``smgov precode``).
Only the tune split chooses anything; ``--test`` reports the test split at those choices.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
import pandas as pd

import smgov_nlp.ideas.linkage as linkage
from smgov_nlp.ideas.grouping import best_threshold, group_ideas, pair_scores, sweep_thresholds
from smgov_nlp.model.folder import load_model
from smgov_nlp.workflows.precode import code_statements, segment_files
from smgov_nlp.workflows.score import predict_statements

REPO = Path(__file__).resolve().parent.parent
DEV = REPO / "data" / "dev"
EXAMPLES = REPO / "data" / "examples"
TRANSCRIPTS = [EXAMPLES / "mesa1_notas.txt", EXAMPLES / "mesa2_notes.md", EXAMPLES / "mesa3_notas.docx"]
# "Ideas that recur across tables" in data/examples/README.md (the project's coding), by the start of each
# statement, plus the two sentences of one item of mesa 1; every other statement is an idea of its own
RECURRING = [
    ["Robo de identidad", "Fake accounts impersonating", "Suplantación de identidad"],
    ["Arrancar sin estrategia", "Going online without a plan", "Abrir cuentas sin una estrategia"],
    ["Falta de capacitación del personal", "Nadie en el área", "Staff have not been trained", "Personal sin capacitación"],
    ["Comentarios ofensivos", "Trolls and abusive", "Insultos y críticas"],
    ["No hay un marco normativo", "There are no regulations"],
    ["Poca población con acceso", "Brecha digital"],
    ["Canal directo", "A direct line of communication", "Comunicación directa"],
    ["Fomenta la participación", "More citizen participation", "Impulsa la cultura de participación"],
    ["Más transparencia", "Greater transparency", "Citizens can follow", "Gobierno más transparente"],
    ["Las herramientas son gratuitas", "Low cost", "Herramientas sin costo"],
    ["Retroalimentación inmediata", "We get feedback"],
    ["Definir una estrategia con", "Write a social media strategy", "Definir la estrategia:"],
    ["Programa de capacitación", "Training program for", "Capacitar a los servidores"],
    ["Monitorear de forma permanente", "Continuously monitor", "Monitoreo continuo"],
    ["Elaborar lineamientos de uso", "Issue usage guidelines", "Código de ética"],
    ["Revisar y actualizar el marco", "Update the legal framework"],
    ["Identify the target audience", "Identificar el público objetivo"],
    ["Establecer tiempos máximos", "Define response-time standards"],
    ["Mejora la imagen del gobierno", "La gente nos percibe"],
]


def fmt(scores: dict) -> str:
    return (f"precision {scores['pair_precision']:.3f}  recall {scores['pair_recall']:.3f}  "
            f"F1 {scores['pair_f1']:.3f}")


def split(model, name: str) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    frame = pd.read_csv(DEV / f"paraphrase_{name}.csv", dtype=str, keep_default_na=False)
    texts = frame["text"].tolist()
    layers = predict_statements(model, texts)["layer"].tolist()  # as precode: the model's layer per statement
    return frame, model.idea_vectors(texts, blocked=True), layers


def scores(frame, vectors, threshold, **kwargs) -> dict:
    ideas = group_ideas(frame["text"].tolist(), vectors, threshold, blocks=frame["type"].tolist(), **kwargs)
    return {**pair_scores(frame["group_id"], ideas["idea_id"]), "ideas": ideas["idea_id"].nunique()}


def grid(frame, vectors, layers) -> None:
    """Best tune F1 per guard setting: the train-time sweep (no layers) picks the threshold, precode adds layers."""
    saved = (linkage.FLOOR_GAP, linkage.SUPPORT, linkage.LAYER_MARGIN)
    rows = []
    try:
        for gap, support, margin in itertools.product((0.025, 0.05, 0.075, 0.1), (0.0, 0.5, 2 / 3),
                                                      (0.1, 0.125, 0.15, 0.175, 0.2)):
            linkage.FLOOR_GAP, linkage.SUPPORT, linkage.LAYER_MARGIN = gap, support, margin
            sweep = sweep_thresholds(frame["text"].tolist(), vectors, frame["group_id"], blocks=frame["type"].tolist())
            chosen = best_threshold(sweep)
            rows.append({"floor_gap": gap, "support": round(support, 3), "layer_margin": margin, "threshold": chosen,
                         **{k: round(v, 3) for k, v in scores(frame, vectors, chosen, layers=layers).items()
                            if k.startswith("pair_")}})
    finally:
        linkage.FLOOR_GAP, linkage.SUPPORT, linkage.LAYER_MARGIN = saved
    table = pd.DataFrame(rows).sort_values(["pair_f1", "pair_precision"], ascending=False)
    print("\nguard settings on tune (threshold from the sweep without layers; scores with predicted layers), best 15:")
    print(table.head(15).to_string(index=False))


def examples(model, thresholds: dict[str, float]) -> None:
    """Pairwise scores on the bundled transcripts, gold from data/examples/README.md (a sanity check, not tuned on)."""
    coded = code_statements(segment_files(TRANSCRIPTS), model, data_dir=REPO / ".no-decisions")
    texts = coded["text"].tolist()
    gold = [next((f"r{k}" for k, starts in enumerate(RECURRING) if any(t.startswith(s) for s in starts)), f"s{i}")
            for i, t in enumerate(texts)]
    vectors = model.idea_vectors(texts, blocked=True)
    print(f"\nbundled transcripts ({len(texts)} statements; gold: the recurring ideas of data/examples/README.md):")
    for label, threshold, kwargs in (("before: plain average linkage", thresholds["before"], {"guard": False}),
                                     ("after, no layers", thresholds["after"], {}),
                                     ("after, predicted layers", thresholds["after"], {"layers": coded["layer"].tolist()}),
                                     ("guard at the shipped threshold, layers", thresholds["before"],
                                      {"layers": coded["layer"].tolist()})):
        ideas = group_ideas(texts, vectors, threshold, blocks=coded["type"].tolist(), langs=coded["lang"].tolist(),
                            **kwargs)
        print(f"  {label:<40} at {threshold:.3f}: {fmt(pair_scores(gold, ideas['idea_id']))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="model folder (default: the bundled model)")
    parser.add_argument("--grid", action="store_true", help="print the grid the guard settings were chosen from")
    parser.add_argument("--test", action="store_true", help="also score the held-out test split")
    parser.add_argument("--examples", action="store_true", help="also score the bundled transcripts")
    args = parser.parse_args()
    model = load_model(args.model)
    shipped = model.dedupe_threshold(True)
    print(f"guard: floor threshold - {linkage.FLOOR_GAP}, support {linkage.SUPPORT:.2f} of the pairs at the "
          f"threshold, layer bar threshold + {linkage.LAYER_MARGIN}; shipped threshold {shipped}")
    tune, vectors, layers = split(model, "tune")
    texts, gold, blocks = tune["text"].tolist(), tune["group_id"], tune["type"].tolist()
    plain = sweep_thresholds(texts, vectors, gold, blocks=blocks, guard=False)
    guarded = sweep_thresholds(texts, vectors, gold, blocks=blocks)
    layered = sweep_thresholds(texts, vectors, gold, blocks=blocks, layers=layers)
    chosen = {"before": shipped, "plain best": best_threshold(plain), "after": best_threshold(guarded),
              "after, layers": best_threshold(layered)}
    print(f"\ntune ({len(tune)} statements, {tune['group_id'].nunique()} ideas); best thresholds: "
          f"plain {chosen['plain best']}, guarded {chosen['after']} (what smgov train stores), "
          f"guarded with layers {chosen['after, layers']}")
    print(f"  before (plain, {shipped}):            {fmt(scores(tune, vectors, shipped, guard=False))}")
    print(f"  after, no layers ({chosen['after']}):       {fmt(scores(tune, vectors, chosen['after']))}")
    print(f"  after, predicted layers ({chosen['after']}): "
          f"{fmt(scores(tune, vectors, chosen['after'], layers=layers))}")
    print(f"  guard + layers at the shipped {shipped}:  {fmt(scores(tune, vectors, shipped, layers=layers))}")
    open_vectors = model.idea_vectors(texts, blocked=False)  # without --by: the type joins the vector
    for label, kwargs in (("plain", {"guard": False}), ("guarded", {})):
        sweep = sweep_thresholds(texts, open_vectors, gold, **kwargs)
        best = best_threshold(sweep)
        row = sweep.set_index("threshold").loc[best]
        print(f"  without --by, {label}: best threshold {best} (shipped {model.dedupe_threshold(False)}): "
              f"{fmt(row.to_dict())}")
    if args.grid:
        grid(tune, vectors, layers)
    if args.test:
        test, test_vectors, test_layers = split(model, "test")
        print(f"\ntest ({len(test)} statements, {test['group_id'].nunique()} ideas), at the thresholds chosen on tune:")
        for label, threshold, kwargs in (("before (plain)", shipped, {"guard": False}),
                                         ("after, no layers", chosen["after"], {}),
                                         ("after, predicted layers", chosen["after"], {"layers": test_layers}),
                                         ("guard + layers at the shipped", shipped, {"layers": test_layers})):
            result = scores(test, test_vectors, threshold, **kwargs)
            print(f"  {label:<30} at {threshold:.3f}: {fmt(result)}  ({result['ideas']} ideas)")
    if args.examples:
        examples(model, chosen)


if __name__ == "__main__":
    main()
