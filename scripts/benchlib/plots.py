"""The scaling plot: score throughput and cluster time against the number of statements (matplotlib)."""

from __future__ import annotations

from pathlib import Path

from benchlib.settings import TARGETS


def plot(results: dict, path: Path) -> None:
    """bench_scaling.png: score throughput (left) and cluster time (right), log-log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    score = results.get("score", [])
    if score:
        ns = [e["n"] for e in score]
        left.plot(ns, [e["score_cold_per_s"] for e in score], "o-", label="smgov score (cold cache)")
        left.plot(ns, [e["score_cached_per_s"] for e in score], "o:", label="smgov score (cached)")
        left.plot(ns, [e["raw_use_per_s"] for e in score], "s--", label="raw USE encode")
    st = results.get("st", [])
    if st:
        ns = [e["n"] for e in st]
        if any(e.get("st_score_per_s") for e in st):
            left.plot(ns, [e.get("st_score_per_s") for e in st], "^-", label="smgov score st:MiniLM")
        left.plot(ns, [e["st_raw_per_s"] for e in st], "v--", label="raw st:MiniLM encode")
    left.set(xscale="log", yscale="log", xlabel="statements", ylabel="statements / s",
             title=f"Score throughput ({results['machine']['cores']} cores)")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    cluster = results.get("cluster", [])
    if cluster:
        ns = [c["n"] for c in cluster]
        right.plot(ns, [c["by_type_s"] for c in cluster], "o-", label="cluster --by type")
        right.plot(ns, [c["no_by_s"] for c in cluster], "s-", label="cluster (no --by)")
        right.axhline(TARGETS["cluster_by_type_s"], color="C0", ls=":", lw=1, label="target --by type (100k)")
        right.axhline(TARGETS["cluster_no_by_s"], color="C1", ls=":", lw=1, label="target no --by (100k)")
    right.set(xscale="log", yscale="log", xlabel="statements", ylabel="seconds (whole process)",
              title="Cluster time, embeddings cached")
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=8)
    m = results["machine"]
    fig.suptitle(f"smgov benchmark {results['generated'][:10]}: {m['cores']} cores, load average "
                 f"{m['load_avg_start'][0]:.1f} at start, {m['load_avg_end'][0]:.1f} at end", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
