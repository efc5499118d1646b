"""Extract the hand-coded ideas of Tables 1-3 from the Picazo-Vela et al. (2012) text.

Usage:
    python scripts/extract_tables.py [PATH_TO_PAPER_TXT]

Writes ``data/labeled/tables_en.csv`` (one row per idea) with columns
``id,text,layer,type,count,table,lang,source``.

All three tables were extracted from a two-column layout: each table row is
one line holding the left column (layers 1-3) and, after a TAB, the right
column (layers 4-6). Tables 1 and 2 put a whole layer in one HTML-like cell
(``<p>1. General context</p> <ul ...> • idea (5) • idea``); Table 3 puts one
bullet per line and switches layer on header lines (``1. General context``).
Both formats are handled by the same cell parser: strip tags, read an optional
``N. Layer`` header, then split the rest on bullets.
"""

import re
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO / "../shared/seeds/000_e5fa613599e5cf33.txt"
OUTPUT = REPO / "data/labeled/tables_en.csv"

LAYERS = {  # paper layer number -> label id
    1: "general_context",
    2: "institutional_framework",
    3: "interorganizational_collaboration",
    4: "organizational_structure_processes",
    5: "information_data",
    6: "technology",
}
TYPES = {1: "risk", 2: "benefit", 3: "strategy"}
SOURCE = "Picazo-Vela et al. (2012), GIQ 29:504-511, Table {}"
EXPECTED_IDEAS, EXPECTED_TOTAL = 122, 289

TABLE_HEADING = re.compile(r"^Table ([1-3])$", re.M)
TAG = re.compile(r"<[^>]+>")
LAYER_HEADER = re.compile(r"^\s*([1-6])\.\s+[^•]*")
# Trailing repeat count; "(s)" in "audience(s)" is not digits, and the
# space before the count is optional ("website(2)").
COUNT = re.compile(r"^(.*?)\s*\((\d+)\)$")


def table_rows(text, number):
    """Return the two-column lines of table ``number``.

    They are the first run of consecutive TAB-containing lines after the
    "Table N" heading (body prose between tables has no TABs).
    """
    start = [m.end() for m in TABLE_HEADING.finditer(text) if m.group(1) == str(number)]
    assert len(start) == 1, f"expected one heading for Table {number}"
    rows = []
    for line in text[start[0]:].splitlines():
        if "\t" in line:
            rows.append(line)
        elif rows and line.strip():
            break
    return rows


def parse_idea(raw):
    """Split an idea into (text, count); count is 1 without parentheses."""
    raw = " ".join(raw.split())
    m = COUNT.match(raw)
    return (m.group(1), int(m.group(2))) if m else (raw, 1)


def parse_table(text, number):
    """Return the table's ideas as dicts, ordered by layer then position."""
    current = {}  # column index -> current layer number
    ideas = []
    for line in table_rows(text, number):
        for col, cell in enumerate(line.split("\t")):
            cell = TAG.sub(" ", cell)
            header = LAYER_HEADER.match(cell)
            if header:
                current[col] = int(header.group(1))
                cell = cell[header.end():]
            for raw in cell.split("•")[1:]:
                idea, count = parse_idea(raw)
                ideas.append({"layer_no": current[col], "text": idea, "count": count})
    ideas.sort(key=lambda d: d["layer_no"])  # stable: keeps order within a layer
    return [
        {
            "id": f"t{number}-{i:03d}",
            "text": d["text"],
            "layer": LAYERS[d["layer_no"]],
            "type": TYPES[number],
            "count": d["count"],
            "table": number,
            "lang": "en",
            "source": SOURCE.format(number),
        }
        for i, d in enumerate(ideas, start=1)
    ]


def main(argv):
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    text = path.read_text(encoding="utf-8")
    df = pd.DataFrame([row for n in TYPES for row in parse_table(text, n)])

    for number, group in df.groupby("table"):
        print(f"Table {number} ({TYPES[number]}): {len(group)} ideas, count sum {group['count'].sum()}")
    print(f"Total: {len(df)} ideas, count sum {df['count'].sum()}")
    assert len(df) == EXPECTED_IDEAS, f"expected {EXPECTED_IDEAS} ideas, got {len(df)}"
    assert df["count"].sum() == EXPECTED_TOTAL, f"expected count sum {EXPECTED_TOTAL}"

    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(OUTPUT, index=False, encoding="utf-8")
    print(f"Wrote {OUTPUT.relative_to(REPO)}")


if __name__ == "__main__":
    main(sys.argv)
