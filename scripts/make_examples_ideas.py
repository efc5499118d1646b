"""Write data/dev/examples_ideas.csv: the bundled transcripts' statements with the project's grouping of them.

The gold grouping is the project's own reading of the three example transcripts ("Ideas that recur across
tables" in data/examples/README.md, listed in ``scripts/dedupe_guard.py`` as RECURRING); every other statement
is an idea of its own. It is a second development set for the duplicate-idea threshold (``smgov train`` picks
the threshold on it together with paraphrase_tune.csv); it is never reported as a test.

Usage: python scripts/make_examples_ideas.py
"""

from __future__ import annotations

import pandas as pd
from dedupe_guard import RECURRING, REPO, TRANSCRIPTS

from smgov_nlp.io.writers import write_table
from smgov_nlp.workflows.precode import read_notes


def main() -> None:
    statements, _ = read_notes(TRANSCRIPTS)
    texts = statements["text"].tolist()
    group = [next((f"r{k:02d}" for k, starts in enumerate(RECURRING) if any(t.startswith(s) for s in starts)),
                  f"s{i:03d}") for i, t in enumerate(texts)]
    frame = pd.DataFrame({"group_id": group, "text": texts, "lang": statements["lang"],
                          "type": statements["type"].fillna(""), "file": statements["file"],
                          "line": statements["line"]})
    write_table(frame, REPO / "data" / "dev" / "examples_ideas.csv")
    print(f"{len(frame)} statements, {frame['group_id'].nunique()} ideas, "
          f"{sum(g.startswith('r') for g in frame['group_id'].unique())} recurring")


if __name__ == "__main__":
    main()
