"""``REPORT.md``: the numbers of ``metrics.json`` written up for a reader, section by section.

:func:`render_report` takes a metrics dict (a full run, a quick run under ``quick``, or both) and
returns the Markdown; every sentence is built from the measured numbers.
"""

from __future__ import annotations

import json

from smgov_nlp.evaluation.markdown import md_table, num, pct
from smgov_nlp.evaluation.metrics import ECE_BINS, value_at
from smgov_nlp.evaluation.protocol import E5_VARIANT, FULL_COMMAND, QUICK_COMMAND, in_report_order
from smgov_nlp.evaluation.sections import TARGET_SHARE
from smgov_nlp.labels import HEADS

# The figures the quick-check table shows beside the full run's, and tests/test_evaluate.py checks for drift.
QUICK_PATHS = ("classification.shipped.layer.macro_f1", "classification.shipped.type.macro_f1",
               "classification.shipped.layer.per_lang.es", "classification.shipped.layer.per_lang.en",
               "classification.shipped.type.per_lang.es", "classification.shipped.type.per_lang.en",
               "classification.real_text.layer.macro_f1", "classification.real_text.type.macro_f1",
               "selective.auto_accept_share", "selective.auto_accept_accuracy",
               "dedupe.test.pair_f1", "dedupe.test.ari")


def render_report(metrics: dict) -> str:
    """REPORT.md from a metrics.json dict (a full run, a quick run, or both)."""
    if "classification" not in metrics:
        quick = metrics.get("quick", {})
        return (f"# smgov-nlp evaluation (quick check only)\n\nNo full evaluation in this folder yet: run "
                f"`{FULL_COMMAND}`.\n\n" + _quick_section(quick, None))
    m = metrics
    protocol = m["protocol"]
    same = ("the same corpus" if m["model_matches_data"] else
            "**another corpus: retrain with `smgov train` before quoting the real-text and duplicate-idea figures**")
    minutes = f"about {_minutes(m.get('run_seconds'))} on 2 cores"
    parts = [f"""# smgov-nlp evaluation

Every number here comes from one command and is also in [`metrics.json`](metrics.json). Regenerate with

```bash
{FULL_COMMAND}           # full protocol ({protocol['folds']} folds × {protocol['repeats']} repeats), {minutes}
{QUICK_COMMAND}   # the CI freshness check (5 folds × 1 repeat): fills only the "quick" figures
```

smgov-nlp {m['package_version']} · model `{m['model']}` · corpus hash `{m['data_hash'][:12]}` ·
model trained on `{str(m['model_data_hash'])[:12]}` ({same}) · run time {m.get('run_seconds')} s.
"""]
    parts.append(_headline(m))
    parts.append(_protocol_text(m))
    parts.append(_baselines_text(m))
    parts.append(_per_class_text(m))
    parts.append(_cross_lingual_text(m))
    parts.append(_calibration_text(m))
    parts.append(_selective_text(m))
    parts.append(_real_text_text(m))
    parts.append(_dedupe_text(m))
    parts.append(_audit_text(m))
    parts.append(_reviewed_text(m))
    parts.append(_quick_section(m.get("quick"), m))
    return "\n\n".join(p.strip() for p in parts if p) + "\n"


def _minutes(seconds: float | None) -> str:
    return "–" if seconds is None else f"{max(1, round(seconds / 60))} min"


def _headline(m: dict) -> str:
    ship, real, sel, dd = m["classification"]["shipped"], m["classification"]["real_text"], m["selective"], m["dedupe"]
    rows = []
    for label, key in (("macro-F1, grouped CV, both languages", None), ("macro-F1, Spanish rows", "es"),
                       ("macro-F1, English rows", "en")):
        rows.append([label] + [(num(ship[h]["macro_f1"]) + f" ± {num(ship[h].get('macro_f1_sd'))}") if key is None
                               else num(ship[h]["per_lang"][key]) for h in HEADS])
    rows.append(["accuracy, grouped CV"] + [num(ship[h]["accuracy"]) for h in HEADS])
    rows.append([f"expected calibration error ({ECE_BINS} bins)"] + [num(m["calibration"][h]["ece"]) for h in HEADS])
    rows.append([f"macro-F1 on real text ({real['rows']} statements)"] + [num(real[h]["macro_f1"]) for h in HEADS])
    text = md_table(["", "layer", "type"], rows)
    accept = (f"**{pct(sel['auto_accept_share'])}** of statements auto-accepted (both heads above their thresholds), "
              f"**{pct(sel['auto_accept_accuracy'])}** of them right on both heads "
              f"(target: ≥ {pct(sel['target']['share'])} at ≥ {pct(sel['target']['accuracy'])}: "
              f"{'met' if sel['met_target'] else '**not met**, see [Selective prediction](#selective-prediction)'}).")
    dedupe = (f"Duplicate ideas (paraphrase test set, within type): pairwise F1 **{num(dd['test']['pair_f1'])}**, "
              f"ARI {num(dd['test']['ari'])}; {dd['test']['predicted_ideas']} ideas found for "
              f"{dd['test']['gold_ideas']} real ones.")
    sd = "± is the standard deviation over the repeats."
    return f"## Headline numbers\n\n{text}\n\n{sd}\n\n- {accept}\n- {dedupe}"


def _protocol_text(m: dict) -> str:
    p = m["protocol"]
    return f"""## How it was measured

- **Rows scored**: the {p['scored_rows']} hand-coded rows with role `table` (the paper's 122 ideas and the
  project's Spanish versions) or `reviewed`. The other rows of the {p['corpus_rows']}-row corpus (project
  paraphrases, paper prose, layer definitions) are only ever trained on.
- **Folds**: `StratifiedGroupKFold` on the layer of the scored rows with the idea (`group`) as the group, so an
  idea's English row, Spanish row, paraphrases and prose are always on the same side. {p['folds']} folds ×
  {p['repeats']} repeats (seeds {', '.join(str(s) for s in p['seeds'])}). Each fold trains on every labelled row whose idea
  is outside the test fold and scores each test-fold row once; macro-F1 is computed per repeat over all scored
  rows (unweighted by how often the workshop raised an idea) and averaged over the repeats.
- **Shipped configuration**: `StatementClassifier(**config['classifier'])` of the shipped model
  (`{json.dumps(m['shipped_config'], sort_keys=True)}`), refitted in each fold, lexical block and
  thresholds included. Every model in the comparison uses the same folds and training rows.{_aux_text(m)}"""


def _aux_text(m: dict) -> str:
    shipped = m["classification"]["shipped"]
    aux, cue = shipped.get("aux_weight_choices") or {}, shipped.get("cue_block_choices") or {}
    if not any(aux.values()):
        return ""

    def said(choices: dict) -> str:
        return "; ".join(f"{head}: " + ", ".join(f"{option} in {n}" for option, n in sorted(c.items()))
                         for head, c in choices.items())

    fits = sum(next(iter(aux.values())).values())
    return f"""
- **Choices made in training are inside the folds** (nested): each fit decides per head how much the
  auxiliary rows (paraphrases, prose, definitions) weigh (1, 0.3 or 0) and whether the statement-type cue block is
  used, by the grouped out-of-fold log-likelihood of its own training rows (mean of the hand-coded rows and the
  formal rows); the held-out fold never informs a choice. Over the {fits} fits — auxiliary weight: {said(aux)};
  cue block: {said(cue)}."""


def _baselines_text(m: dict) -> str:
    c = m["classification"]
    rows = []
    for name in in_report_order(c["baselines"]):
        scores = c["baselines"][name]
        rows.append([f"`{name}`"] + [f"{num(scores[h]['macro_f1'])} ({num(scores[h]['per_lang']['es'])} / "
                                     f"{num(scores[h]['per_lang']['en'])})" for h in HEADS])
    notes = "\n".join(f"- `{name}`: {c['baseline_notes'][name]}" for name in in_report_order(c["baselines"])
                      if name in c["baseline_notes"])
    skipped = "\n".join(f"- `{name}` not run: {why}" for name, why in c.get("baselines_skipped", {}).items())
    choices = (c.get("variant_choices") or {}).get("part_weight") or {}
    if E5_VARIANT in c["baselines"] and any(choices.values()):
        fits = sum(next(iter(choices.values())).values())
        said = "; ".join(f"{head}: " + ", ".join(f"{option} in {n}" for option, n in sorted(counts.items()))
                         for head, counts in choices.items())
        notes += f"\n- e5 weight chosen inside the {fits} training folds of `{E5_VARIANT}` — {said}"
    figure = "\n\n![macro-F1 per model](baselines.png)" if "baselines.png" in m.get("figures", []) else ""
    return (f"## Baselines (same folds, same training rows)\n\nMacro-F1 over all scored rows, "
            f"(Spanish / English) in brackets.\n\n{md_table(['model', 'layer', 'type'], rows)}\n\n{notes}"
            + (f"\n{skipped}" if skipped else "") + figure)


def _per_class_text(m: dict) -> str:
    ship = m["classification"]["shipped"]
    out = ["## Per class (shipped configuration)"]
    for head, classes in HEADS.items():
        report = ship[head]["per_class"]
        rows = [[f"`{c}`", num(report[c]["precision"]), num(report[c]["recall"]), num(report[c]["f1-score"]),
                 int(report[c]["support"])] for c in classes]
        out.append(f"**{head}**\n\n" + md_table(["class", "precision", "recall", "F1", "rows"], rows))
        if f"confusion_{head}.png" in m.get("figures", []):
            out.append(f"![{head} confusion matrix](confusion_{head}.png)")
    out.append("Confusion matrices are pooled over the folds of the first repeat; rows are the hand-coded label.")
    return "\n\n".join(out)


def _cross_lingual_text(m: dict) -> str:
    cross = m["classification"]["cross_lingual"]
    rows = []
    for direction, r in cross.items():
        source, target = direction.split("_to_")
        rows.append([f"train {source} → test {target}"] + [
            f"{num(r[h]['macro_f1'])} (both languages: {num(r['both_languages'][h]['macro_f1'])})" for h in HEADS])
    return ("## Cross-lingual transfer\n\nTrained on one language's rows of the training ideas, scored on the other "
            "language's table rows of the held-out ideas (same folds). In brackets: the shipped configuration trained "
            "on both languages, scored on the same rows.\n\n" + md_table(["", "layer macro-F1", "type macro-F1"], rows))


def _calibration_text(m: dict) -> str:
    cal = m["calibration"]
    rows = [[head, num(cal[head]["ece"]), num(cal[head]["mean_confidence"]), num(cal[head]["accuracy"])] for head in HEADS]
    words = []
    for head in HEADS:
        gap = cal[head]["mean_confidence"] - cal[head]["accuracy"]
        kind = "overconfident" if gap > 0.02 else "underconfident" if gap < -0.02 else "about right on average"
        words.append(f"the {head} head is {kind} ({pct(cal[head]['mean_confidence'])} mean confidence, "
                     f"{pct(cal[head]['accuracy'])} accuracy)")
    figure = "\n\n![reliability diagrams](reliability.png)" if "reliability.png" in m.get("figures", []) else ""
    return ("## Calibration\n\nTop-label expected calibration error over " + str(ECE_BINS) + " equal-width bins, from the "
            "shipped configuration's out-of-fold probabilities on the scored rows (mean over repeats; the diagram "
            "pools all repeats). On held-out ideas " + "; ".join(words) + ".\n\n"
            + md_table(["head", "ECE", "mean confidence", "accuracy"], rows) + figure)


def _selective_text(m: dict) -> str:
    sel = m["selective"]
    cal = m["calibration"]
    target = sel["target"]
    head_rows = [[head, num(h["threshold_mean"]) + f" ({num(h['threshold_min'])}–{num(h['threshold_max'])})",
                  pct(h["share"]), pct(h["accuracy"])] for head, h in sel["per_head"].items()]
    curve = [[f"{float(c):.0%}", pct(a)] for c, a in sel["accuracy_at_coverage"].items()]
    text = [f"""## Selective prediction

A statement is auto-accepted when both heads' confidences reach their thresholds; it is right when both heads
are. **Nested**: each outer fold uses the thresholds its own classifier chose inside `fit` (the lowest
confidence at which its grouped out-of-fold predictions reach {pct(target['accuracy'])}), applied to the
held-out ideas.

| | share auto-accepted | accuracy of accepted (both heads) |
|---|---|---|
| nested, both heads | **{pct(sel['auto_accept_share'])}** | **{pct(sel['auto_accept_accuracy'])}** |
| target | ≥ {pct(target['share'])} | ≥ {pct(target['accuracy'])} |

Per head (threshold: mean over folds, range in brackets):

{md_table(['head', 'threshold', 'share accepted', 'accuracy of accepted'], head_rows)}

Accuracy (both heads right) of the most confident statements, ranking by the lower of the two confidences,
out-of-fold, all repeats pooled:

{md_table(['most confident', 'accuracy'], curve)}"""]
    if "selective.png" in m.get("figures", []):
        text.append("![accuracy against coverage](selective.png)")
    text.append(_selective_account(sel, cal, m) + populations_text(sel))
    return "\n\n".join(text)


def _selective_account(sel: dict, cal: dict, m: dict) -> str:
    """The honest account: met or not, by how far, and what the numbers say about why.

    Every sentence is built from the measured numbers; conclusions are only drawn when they hold.
    """
    target = sel["target"]
    share, accuracy = sel["auto_accept_share"], sel["auto_accept_accuracy"]
    if sel["met_target"]:
        return f"**The target is met**: {pct(share)} auto-accepted at {pct(accuracy)} accuracy on held-out ideas."
    first = (f"**The target is not met.** On held-out ideas the shipped configuration auto-accepts {pct(share)} of "
             f"statements (target ≥ {pct(target['share'])})"
             + (f", and {pct(accuracy)} of those are right on both heads (target ≥ {pct(target['accuracy'])})."
                if accuracy is not None else ", so there is no accuracy to report."))
    why = []
    joint = sel["joint_accuracy_all"]
    why.append(f"Both heads are right on {pct(joint)} of held-out statements (layer {pct(cal['layer']['accuracy'])}, "
               f"type {pct(cal['type']['accuracy'])}). Accepting {pct(target['share'])} of them at "
               f"{pct(target['accuracy'])} needs a confidence that ranks the right ones first.")
    oracle, top = sel["oracle_coverage_at_target"], sel["accuracy_at_coverage"]
    why.append(f"Even in hindsight, with one threshold on the lower confidence chosen on these out-of-fold predictions "
               f"themselves, the largest share that is {pct(target['accuracy'])} right is {pct(oracle)}. The most "
               f"confident 10% are {pct(top.get('0.1'))} right, the most confident half {pct(top.get('0.5'))}"
               + (": the confidence barely separates right from wrong." if (top.get("0.1") or 0) < joint + 0.1 else "."))
    protocol = m.get("protocol", {})
    if protocol.get("corpus_rows"):
        aux = 1 - protocol["scored_rows"] / protocol["corpus_rows"]
        heads = "; ".join(f"{head}: {pct(h['share'])} of statements pass its threshold, {pct(h['accuracy'])} of those "
                          f"right" for head, h in sel["per_head"].items())
        why.append(f"Each head's threshold is chosen on the grouped out-of-fold predictions over all of its training rows, "
                   f"{pct(aux)} of which are project paraphrases, paper prose and layer definitions rather than table "
                   f"ideas. On the held-out table ideas the thresholds give {heads}.")
    diag = sel.get("diagnostics")
    if diag:
        inner = diag["inner_oof"]
        parts = [f"{head}: {pct(i['aux_accuracy_above'])} right on auxiliary rows, {pct(i['scored_accuracy_above'])} "
                 f"on table rows, {pct(i['aux_share_above'])} of them auxiliary" for head, i in inner.items()]
        dominated = all((i.get("aux_share_above") or 0) > 0.5
                        and (i.get("aux_accuracy_above") or 0) > (i.get("scored_accuracy_above") or 0) for i in inner.values())
        why.append("Inside each fit, the training rows at or above the chosen threshold are " + "; ".join(parts) + "."
                   + (" The thresholds are set mostly by auxiliary rows, which are easier than table ideas."
                      if dominated else ""))
        alt = diag["scored_rows_thresholds"]
        better = (alt["auto_accept_share"] or 0) >= TARGET_SHARE / 2 and (alt["auto_accept_accuracy"] or 0) >= target["accuracy"] - 0.05
        why.append(f"Choosing the thresholds on the training folds' table rows only (a diagnostic, not what ships) gives "
                   f"{pct(alt['auto_accept_share'])} auto-accepted at {pct(alt['auto_accept_accuracy'])}"
                   + (", much closer to the target: worth doing in the classifier." if better else
                      ", so the threshold rule is not the main limit."))
    for head in HEADS:
        gap = cal[head]["mean_confidence"] - cal[head]["accuracy"]
        if gap > 0.02:
            why.append(f"The {head} head is overconfident on held-out ideas (mean confidence "
                       f"{pct(cal[head]['mean_confidence'])}, accuracy {pct(cal[head]['accuracy'])}, ECE "
                       f"{num(cal[head]['ece'])}); its temperature is fitted on all training rows too.")
    audit = m.get("label_audit", {})
    if audit.get("layer"):
        why.append(f"Some of the gap may be in the labels: the label audit flags {audit['layer']['flagged_ideas']} of "
                   f"{audit['layer']['ideas']} ideas for layer and {audit['type']['flagged_ideas']} for type (some flags "
                   "are the model's errors; see [LABEL_AUDIT.md](LABEL_AUDIT.md)).")
    text = "\n".join([first, "", "Why, from the numbers above:", ""] + [f"- {w}" for w in why])
    if (share or 0) < 0.1:
        text += ("\n\nIn practice nearly every statement goes to review: what the tool offers is the pre-filled "
                 "suggestion, its confidence and its nearest examples, not unattended coding.")
    return text


def _real_text_text(m: dict) -> str:
    real = m["classification"]["real_text"]
    rows = []
    for head in HEADS:
        r = real[head]
        rows.append([head, num(r["macro_f1"]), num(r["accuracy"]), num(r["per_lang"]["es"]), num(r["per_lang"]["en"]),
                     num(r["ece"]), f"{pct(r['auto_accept_share'])} at {pct(r['auto_accept_accuracy'])}"])
    joint = real["joint"]
    base = [[f"`{name}`"] + [num(real["baselines"][name][h]["macro_f1"]) for h in HEADS]
            for name in in_report_order(real["baselines"])]
    return (f"## Real text\n\n`data/dev/real_text.csv`: {real['rows']} formal statements from government social media "
            f"guidelines and papers (never trained on or tuned on), scored with the shipped model `{real['model']}` "
            f"and its thresholds.\n\n"
            + md_table(["head", "macro-F1", "accuracy", "macro-F1 es", "macro-F1 en", "ECE", "auto-accepted (accuracy)"], rows)
            + f"\n\nBoth heads right on {pct(joint['accuracy'])}; both heads auto-accepted on "
              f"{pct(joint['auto_accept_share'])}, {pct(joint['auto_accept_accuracy'])} of those right.\n\n"
              "The same models trained on the whole corpus (the shipped model as loaded; the others refitted):\n\n"
            + md_table(["model", "layer macro-F1", "type macro-F1"], base))


def _dedupe_text(m: dict) -> str:
    dd = m["dedupe"]
    rows = []
    for key, label in (("test", "test, within type (headline)"), ("test_no_by", "test, no blocks"),
                       ("tune", "tune, within type"), ("tune_no_by", "tune, no blocks")):
        r = dd[key]
        rows.append([label, num(r["pair_precision"]), num(r["pair_recall"]), f"**{num(r['pair_f1'])}**" if key == "test"
                     else num(r["pair_f1"]), num(r["ari"]), f"{r['predicted_ideas']} / {r['gold_ideas']}", num(r["size_mae"], 2)])
    figure = "\n\n![threshold sweep](dedupe_sweep.png)" if "dedupe_sweep.png" in m.get("figures", []) else ""
    oracle = dd.get("oracle_test", {})
    test = dd["test"]
    return (f"## Duplicate ideas\n\n`data/dev/paraphrase_test.csv` ({test['statements']} statements, {test['gold_ideas']} "
            f"ideas, Spanish and English, with hard negatives), grouped with `model.idea_vectors` at the shipped "
            f"thresholds: {num(dd['threshold'])} within type (`--by type`, as precode groups; the blocks are the set's "
            f"{dd['blocks']}) and {num(dd['threshold_no_by'])} without blocks, both tuned on the tune split only.\n\n"
            + md_table(["split", "pair precision", "pair recall", "pair F1", "ARI", "ideas found / real", "idea-size error"], rows)
            + "\n\nIdea-size error: mean over statements of |size of the idea it was put in − size of its real idea|. "
            f"For reference only, the best threshold on the test split itself would give pairwise F1 "
            f"{num(value_at(oracle, 'within_type.pair_f1'))} within type and {num(value_at(oracle, 'no_by.pair_f1'))} without blocks."
            + figure)


def _audit_text(m: dict) -> str:
    audit = m.get("label_audit", {})
    if "layer" not in audit:
        return ""
    rows = [[head, audit[head]["ideas"], audit[head]["flagged_ideas"], audit[head]["flagged_in_both_languages"],
             audit[head]["suggested_differs"], num(audit[head]["mean_quality"])] for head in HEADS]
    return ("## Label audit\n\ncleanlab on the shipped configuration's out-of-fold probabilities of the table rows lists "
            "the hand-coded ideas the model most doubts. They are prompts for discussion, not corrections: see "
            "[LABEL_AUDIT.md](LABEL_AUDIT.md).\n\n"
            + md_table(["head", "ideas", "flagged ideas", "flagged in both languages", "another label suggested",
                      "mean label quality"], rows))


def _reviewed_text(m: dict) -> str:
    rev = m.get("reviewed", {})
    if not rev.get("rows"):
        return ("## Reviewed corrections\n\nNo reviewed decisions in `data/labeled/reviewed.csv` yet, so there is "
                "nothing to compare. Once there are, this section shows the table-row scores with and without them.")
    rows = [[head, num(rev["without_reviewed"][head]["macro_f1"]), num(rev["with_reviewed"][head]["macro_f1"]),
             f"{rev['delta_macro_f1'][head]:+.3f}"] for head in HEADS]
    kappa = rev.get("kappa") or {}
    agreement = ("\n\nAgreement of the model's suggestions with people's decisions on the reviewed rows (Cohen's κ; "
                 "each suggestion from a fold model that never trained on that statement): "
                 + ", ".join(f"{head} {num(kappa.get(head))}" for head in HEADS) + ".") if kappa else ""
    return (f"## Reviewed corrections\n\n{rev['rows']} reviewed decisions. Same folds; scored on the held-out table "
            "rows, so a reviewed statement is never in its own training data.\n\n"
            + md_table(["head", "macro-F1 without reviewed rows", "with reviewed rows", "change"], rows) + agreement)


def _quick_section(quick: dict | None, full: dict | None) -> str:
    if not quick:
        return f"## Quick check\n\nNot run yet: `{QUICK_COMMAND}`."
    rows = [[f"`{path}`", num(value_at(quick, path)), num(value_at(full, path)) if full else "–"] for path in QUICK_PATHS]
    same = quick.get("data_hash") == (full or {}).get("data_hash")
    return (f"## Quick check\n\n`{QUICK_COMMAND}` ({quick['protocol']['folds']} folds × {quick['protocol']['repeats']} "
            f"repeat, no MiniLM baselines, {quick.get('run_seconds')} s) writes only the `quick` section of metrics.json. "
            "`tests/test_evaluate.py` recomputes it and fails when it drifts, so this folder cannot silently go stale."
            + ("" if same or not full else " **The quick and full runs used different corpora.**")
            + "\n\n" + md_table(["metric", "quick", "full"], rows) + populations_text(quick.get("selective", {})))


def populations_text(sel: dict) -> str:
    """The review policy's auto-accept share and accuracy per population (empty before the policy existed)."""
    names = [p for p in ("known_ideas", "new_ideas", "real_text", "mixture") if p in sel]
    if not names:
        return ""
    rows = [[p.replace("_", " "), pct(sel[p]["auto_accept_share"]), pct(sel[p]["auto_accept_accuracy"]),
             str(sel[p].get("rows", "–"))] for p in names]
    return ("\n\n### Review only what needs review\n\nThe review policy of each fold's model (novelty strata, "
            "thresholds chosen on that fold's training rows only) on each population a workshop mixes; the mixture "
            "weighs known ideas 0.5, new ideas 0.3 and real text 0.2. A suggestion is right when both heads are.\n\n"
            + md_table(["population", "auto-accepted", "accuracy of those", "rows"], rows)
            + "\n\nThe thresholds are searched so that each population's accepted calibration rows reach the target, "
            "not only their pool: new ideas are accepted only where enough of them are right to show it. "
            "`selective_populations.png` draws, for each population, the accuracy of the statements accepted in "
            "order of their estimated error risk (the review queue's order, read from the other end) against the share "
            "accepted; the dots are the default's auto-accepted rows, the dotted lines the targets.\n\n"
            "![coverage and accuracy per population](selective_populations.png)")
