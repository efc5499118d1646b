"""The whole fold machinery (plan, runner, results, sections, label audit) on a small synthetic corpus
with reviewed rows and a fake embedder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import IDEAS, FakeEmbedder
from sklearn.metrics import cohen_kappa_score

from smgov_nlp.evaluation import sections
from smgov_nlp.evaluation.audit import label_audit, label_audit_markdown
from smgov_nlp.evaluation.protocol import E5_VARIANT, Protocol, plan_fits
from smgov_nlp.evaluation.results import FoldResults
from smgov_nlp.evaluation.runner import FoldData, run_fits
from smgov_nlp.labels import HEADS
from smgov_nlp.model.corpus import scored_mask


def synthetic_corpus(labeled_table: pd.DataFrame) -> pd.DataFrame:
    table = labeled_table.assign(role="table", origin="paper_table", style="table")
    aux = labeled_table.assign(id=labeled_table["id"] + "-aux", text="In other words: " + labeled_table["text"],
                               role="aux", origin="project_paraphrase", style="formal")
    reviewed = pd.DataFrame([
        {"id": f"rev-{i}", "text": f"{en} (reviewed)", "layer": layer, "type": type_, "lang": "en",
         "group": f"rev-{i}", "role": "reviewed", "origin": "review", "style": "table"}
        for i, (layer, type_, en, _) in enumerate(IDEAS[:9])])
    return pd.concat([table, aux, reviewed], ignore_index=True)[
        ["id", "text", "layer", "type", "lang", "group", "role", "origin", "style"]]


@pytest.mark.filterwarnings("ignore:The least populated class")
def test_sections_on_a_synthetic_corpus_with_reviewed_rows(labeled_table):
    corpus = synthetic_corpus(labeled_table)
    vectors = FakeEmbedder(dim=48).transform(corpus["text"].tolist())
    data = FoldData(texts=corpus["text"].tolist(), labels=corpus[list(HEADS)], groups=corpus["group"].to_numpy(),
                    features={"use": vectors, "e5": vectors[:, :16], "st": None, "shipped": vectors,
                              E5_VARIANT: vectors[:, :32]},
                    params={"embedder": "use", "cv": 3}, scored=scored_mask(corpus),
                    formal=(corpus["style"] == "formal").to_numpy())
    protocol = Protocol(folds=3, repeats=2, st_baselines=False)
    fits = [f for f in plan_fits(corpus, 0, protocol, with_st=False) if f.repeat >= 0]
    assert {f.name for f in fits} >= {"shipped", "no_reviewed", "majority", "use_lr", "tfidf_lr"}
    steps = []
    results = run_fits(fits, data, n_jobs=1, advance=steps.append)
    assert len(steps) == len(fits)
    folds = FoldResults(corpus, protocol, fits, results)

    classification = sections.classification(folds, st_note="not installed")
    for head in HEADS:
        assert 0.0 <= classification["shipped"][head]["macro_f1"] <= 1.0
        assert set(classification["shipped"][head]["per_lang"]) == {"es", "en"}
        assert classification["shipped"][head]["rows"] == 36 + 9
    assert classification["baselines_skipped"] == {"st_lr": "not installed", "use+st_lr": "not installed"}
    assert 0.0 <= classification["baselines"][E5_VARIANT]["type"]["macro_f1"] <= 1.0
    assert set(classification["cross_lingual"]) == {"en_to_es", "es_to_en"}
    shipped_fits = sum(f.name == "shipped" for f in fits)
    for key in ("aux_weight_choices", "cue_block_choices"):  # one choice per head in every shipped fit
        assert {h: sum(c.values()) for h, c in classification["shipped"][key].items()} == {h: shipped_fits for h in HEADS}

    selective = sections.selective(folds, sections.target_accuracy({}))
    assert 0.0 <= selective["auto_accept_share"] <= 1.0
    assert len(selective["per_repeat"]) == 2
    assert selective["target"] == {"share": sections.TARGET_SHARE, "accuracy": 0.95}

    reviewed = sections.reviewed(folds)
    assert reviewed["rows"] == 9
    assert set(reviewed["delta_macro_f1"]) == set(HEADS)
    assert reviewed["with_reviewed"]["layer"]["macro_f1"] is not None
    assert all(-1.0 <= reviewed["kappa"][head] <= 1.0 for head in HEADS)

    calibration = sections.calibration(folds)
    assert all(0.0 <= calibration[h]["ece"] <= 1.0 for h in HEADS)
    audit = label_audit(folds)
    assert audit["summary"]["layer"]["rows"] == 36
    text = label_audit_markdown(audit, {"package_version": "0", "data_hash": "abc" * 10, "classification": classification})
    assert text.startswith("# Label audit") and all(f"## {head}" in text for head in HEADS)


class _Folds:
    """The part of FoldResults that agreement_with_people reads: one repeat whose suggestions are given."""

    def __init__(self, corpus, suggested):
        self.corpus, self.protocol, self._suggested = corpus, Protocol(folds=2, repeats=1), suggested

    def oof(self, kind, repeat):
        return {head: np.eye(len(HEADS[head]))[[HEADS[head].index(v) for v in values]]
                for head, values in self._suggested.items()}

    predicted = staticmethod(FoldResults.predicted)


def test_kappa_compares_the_suggestions_with_peoples_decisions():
    layers, types = list(HEADS["layer"])[:3], list(HEADS["type"])
    corpus = pd.DataFrame({"layer": layers * 4, "type": types * 4, "role": ["reviewed"] * 12})
    reviewed = np.ones(12, dtype=bool)
    same = sections.agreement_with_people(_Folds(corpus, {"layer": layers * 4, "type": types * 4}), reviewed)
    assert same == {"layer": pytest.approx(1.0), "type": pytest.approx(1.0)}
    shifted = {"layer": layers[1:] + layers[:1] + layers * 3, "type": types * 4}
    partly = sections.agreement_with_people(_Folds(corpus, shifted), reviewed)
    assert partly["layer"] == pytest.approx(cohen_kappa_score(corpus["layer"], shifted["layer"]))
    assert partly["layer"] < 1.0 and partly["type"] == pytest.approx(1.0)
