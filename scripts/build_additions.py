"""Build ``data/labeled/additions.csv`` from the project's written ideas and their blind second coding.

Usage:
    python scripts/build_additions.py [OUTPUT_CSV]      (default: data/labeled/additions.csv)

Reads, in ``data/labeled/drafts/``:

- ``additions_written.csv``: new ideas written by the project (not from the paper), one row per idea with
  the writer's ``layer`` and ``type`` and four wordings: ``en_short``, ``es_short`` (terse workshop notes)
  and ``en_long``, ``es_long`` (one full sentence each).
- ``additions_second_coding.csv``: ``idea_id, layer, type`` assigned by a second coder who saw the
  ideas shuffled (``en_short``, ``es_short`` and ``en_long``), without the writer's labels.

Writes ``additions.csv``: the four wordings of every idea on which both coders agree on layer *and* type,
in the column layout of ``augment.csv``. It prints Cohen's kappa per head.

Leak control: every wording is embedded with multilingual USE and compared with the paper's table rows
(English and the project's Spanish versions) and their paraphrases. An idea whose closest wording reaches
``LEAK_SIMILARITY`` cosine with a table idea is put in that idea's group (``source_id``), so a grouped
split holds it out together with the table idea it resembles; otherwise the idea is its own group.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from smgov_nlp.embeddings.backends import encode  # noqa: E402
from smgov_nlp.labels import HEADS  # noqa: E402

LABELED = REPO / "data/labeled"
WRITTEN = LABELED / "drafts/additions_written.csv"
SECOND = LABELED / "drafts/additions_second_coding.csv"
OUTPUT = LABELED / "additions.csv"
LEAK_SIMILARITY = 0.70
WORDINGS = {"en_short": ("en", "table"), "es_short": ("es", "table"),
            "en_long": ("en", "formal"), "es_long": ("es", "formal")}
SOURCE = ("smgov-nlp project addition: a new idea written by the project (not from the paper), "
          "kept because a blind second coder assigned the same layer and type")


def table_reference() -> tuple[list[str], np.ndarray]:
    """Texts of the paper's ideas (tables, Spanish versions, paraphrases) and the idea each belongs to."""
    en = pd.read_csv(LABELED / "tables_en.csv", dtype=str)
    es = pd.read_csv(LABELED / "tables_es.csv", dtype=str)
    aug = pd.read_csv(LABELED / "augment.csv", dtype=str)
    texts = [*en["text"], *es["text"], *aug["text"]]
    groups = np.r_[en["id"], es["source_id"], aug["source_id"]]
    return texts, groups


def main(output: Path = OUTPUT) -> None:
    from sklearn.metrics import cohen_kappa_score

    written = pd.read_csv(WRITTEN, dtype=str, keep_default_na=False)
    second = pd.read_csv(SECOND, dtype=str, keep_default_na=False).set_index("idea_id")
    missing = set(written["idea_id"]) - set(second.index)
    if missing:
        raise SystemExit(f"{len(missing)} ideas have no second coding, e.g. {sorted(missing)[:3]}")
    other = second.loc[written["idea_id"]]
    agree = np.ones(len(written), dtype=bool)
    for head, ids in HEADS.items():
        bad = set(written[head]) - set(ids) | set(other[head]) - set(ids)
        if bad:
            raise SystemExit(f"unknown {head} ids: {sorted(bad)}")
        same = written[head].to_numpy() == other[head].to_numpy()
        agree &= same
        kappa = cohen_kappa_score(written[head], other[head])
        print(f"{head}: agreement {same.mean():.3f}, Cohen's kappa {kappa:.3f}")
    kept = written[agree].reset_index(drop=True)
    print(f"kept {len(kept)} of {len(written)} ideas (both heads agree)")

    ref_texts, ref_groups = table_reference()
    ref = encode("use", ref_texts)
    wordings = encode("use", kept[list(WORDINGS)].to_numpy().ravel().tolist())  # idea-major: 4 rows per idea
    sims = (wordings @ ref.T).reshape(len(kept), len(WORDINGS) * len(ref))
    nearest = ref_groups[sims.argmax(axis=1) % len(ref)]
    close = sims.max(axis=1) >= LEAK_SIMILARITY
    rows = []
    for i, idea in kept.iterrows():
        group = str(nearest[i]) if close[i] else idea["idea_id"]
        for column, (lang, style) in WORDINGS.items():
            rows.append({"id": f"{idea['idea_id']}-{column.replace('_', '-')}", "source_id": group,
                         "text": idea[column].strip(), "layer": idea["layer"], "type": idea["type"],
                         "lang": lang, "style": style, "source": SOURCE})
    pd.DataFrame(rows).to_csv(output, index=False, lineterminator="\n")
    print(f"{int(close.sum())} ideas joined a table idea's group (cosine >= {LEAK_SIMILARITY}); wrote {len(rows)} rows to {output}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT)
