"""Same answer on every machine: canonical tie-breaking in ideas and ``needs_review``.

Unit tests pin the tie rule of :mod:`smgov_nlp.ties`; the ``slow`` tests run the real model and
check that input order, file order, chunk size, cache state, thread count and float noise of the
size another CPU produces (1e-7 before the float16 rounding) change nothing in the output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

import smgov_nlp.embeddings.backends as encoders
import smgov_nlp.workflows.cluster as dedupe
from smgov_nlp.errors import SmgovError
from smgov_nlp.ideas.grouping import group_ideas
from smgov_nlp.ties import below, majority_lang, pick_representative, ranked_labels, source_datetime
from smgov_nlp.workflows import precode
from smgov_nlp.workflows.cluster import cluster_file
from smgov_nlp.workflows.precode import run_precode

PARAPHRASE_TEST = REPO / "data" / "dev" / "paraphrase_test.csv"
EXAMPLES = REPO / "data" / "examples"
TRANSCRIPTS = [EXAMPLES / "mesa1_notas.txt", EXAMPLES / "mesa2_notes.md", EXAMPLES / "mesa3_notas.docx"]


# --- the tie rule --------------------------------------------------------------------------------
def test_near_equal_similarities_tie_and_mentions_decide():
    # 0.80001 and 0.8 are within 1e-4: tied, so the member mentioned more often wins
    assert pick_representative([0.8, 0.80001], ["en", "en"], [3, 1], ["b", "a"], ["b", "a"]) == 0
    # equal mentions too: the normalised text decides, then the raw text
    assert pick_representative([0.8, 0.80001], ["en", "en"], [1, 1], ["b", "a"], ["b", "a"]) == 1
    assert pick_representative([0.8, 0.8], ["en", "en"], [1, 1], ["a", "a"], ["a.", "a"]) == 1
    # a real difference (more than 1e-4) is not a tie
    assert pick_representative([0.8, 0.81], ["en", "en"], [3, 1], ["b", "a"], ["b", "a"]) == 1


def test_the_chosen_language_comes_before_similarity():
    sims, langs = [0.9, 0.5, 0.7], ["en", "es", "es"]
    assert pick_representative(sims, langs, [1, 1, 1], ["x", "y", "z"], ["x", "y", "z"], "es") == 2
    assert pick_representative(sims, langs, [1, 1, 1], ["x", "y", "z"], ["x", "y", "z"], "en") == 0
    # no member in the chosen language: every member competes
    assert pick_representative([0.5, 0.9], ["es", "es"], [1, 1], ["a", "b"], ["a", "b"], "en") == 1


def test_majority_language_prefers_spanish_on_a_tie():
    assert majority_lang(["en", "en", "es"]) == "en"
    assert majority_lang(["en", "es"]) == "es"
    assert majority_lang(["en", "es", "und", "und"]) == "es"
    assert majority_lang(["und"]) is None


def test_threshold_comparisons_ignore_float_noise():
    threshold = 0.7
    assert below([0.69999999, 0.7000001, 0.6999], threshold).tolist() == [False, False, True]


def test_near_equal_probabilities_keep_the_label_order():
    proba = np.array([[0.4, 0.40000001, 0.2], [0.2, 0.3, 0.5]])
    assert ranked_labels(proba)[:, 0].tolist() == [0, 2]


def test_source_date_epoch_fixes_the_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert source_datetime().isoformat() == "2023-11-14T22:13:20+00:00"


def test_a_translation_pair_takes_the_chosen_language():
    texts = ["Identity theft", "Robo de identidad"]
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)  # exactly as close to the centre
    langs = ["en", "es"]
    auto = group_ideas(texts, vectors, 0.0, langs=langs)
    assert auto["idea_text"].tolist() == ["Robo de identidad"] * 2  # one each: Spanish wins the tie
    assert group_ideas(texts, vectors, 0.0, langs=langs, lang="en")["idea_text"].tolist() == ["Identity theft"] * 2
    # the language most members use, counting repeated statements
    three = group_ideas(texts + ["identity theft"], np.vstack([vectors, vectors[:1]]), 0.0, langs=langs + ["en"])
    assert set(three["idea_text"]) == {"Identity theft"}


def test_group_ideas_detects_languages_when_not_given():
    texts = ["Identity theft", "Robo de identidad de la dependencia"]
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    assert group_ideas(texts, vectors, 0.0, lang="en")["idea_text"].tolist() == ["Identity theft"] * 2
    assert group_ideas(texts, vectors, 0.0, lang="es")["idea_text"].tolist() == [texts[1]] * 2


def test_linkage_is_unmoved_by_noise_below_the_rounding():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(60, 16)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    texts = [f"s{k:02d}" for k in range(60)]
    reference = group_ideas(texts, base, 0.3)
    for seed in range(5):
        noisy = base + np.random.default_rng(seed).normal(scale=1e-9, size=base.shape).astype(np.float32)
        pd.testing.assert_frame_equal(group_ideas(texts, noisy, 0.3), reference)
        pd.testing.assert_frame_equal(group_ideas(texts, noisy, 0.3, exact_limit=10), group_ideas(texts, base, 0.3,
                                                                                                  exact_limit=10))


def test_an_unknown_lang_is_refused(tmp_path):
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": ["a"]}).to_csv(source, index=False)

    class NoModel:
        def dedupe_threshold(self, blocked=True):
            return 0.5

    with pytest.raises(SmgovError, match=r"--lang must be one of auto, es, en, found 'fr'"):
        cluster_file(source, tmp_path / "out.csv", NoModel(), lang="fr")


# --- the real model: every order, chunking, cache state and CPU gives the same ideas --------------
def _bilingual(tmp_path) -> pd.DataFrame:
    frame = pd.read_csv(PARAPHRASE_TEST, dtype=str, keep_default_na=False)
    frame.insert(0, "row", [str(k) for k in range(len(frame))])
    return frame


def _cluster(model, frame: pd.DataFrame, path, by: str | None = "type", **kwargs) -> pd.DataFrame:
    frame.to_csv(path, index=False)
    cluster_file(path, path.with_suffix(".out.csv"), model, by=by, **kwargs)
    out = pd.read_csv(path.with_suffix(".out.csv"), dtype=str, keep_default_na=False)
    return out.set_index("row").sort_index()


@pytest.mark.slow
@pytest.mark.parametrize("by", [None, "type"])
def test_cluster_is_the_same_in_any_order_and_chunking(default_model, tmp_path, monkeypatch, by):
    frame = _bilingual(tmp_path)
    reference = _cluster(default_model, frame, tmp_path / "a.csv", by)
    shuffled = _cluster(default_model, frame.sample(frac=1.0, random_state=3), tmp_path / "b.csv", by)
    pd.testing.assert_frame_equal(shuffled, reference)
    reversed_ = _cluster(default_model, frame.iloc[::-1], tmp_path / "c.csv", by)
    pd.testing.assert_frame_equal(reversed_, reference)
    for chunk in (1, 7):
        monkeypatch.setattr(dedupe, "EMBED_CHUNK", chunk)
        pd.testing.assert_frame_equal(_cluster(default_model, frame, tmp_path / f"chunk{chunk}.csv", by), reference)


@pytest.mark.slow
def test_cluster_is_the_same_with_the_cache_off_warm_and_with_cpu_noise(default_model, tmp_path, monkeypatch):
    frame = _bilingual(tmp_path)
    monkeypatch.setenv("SMGOV_CACHE_DIR", str(tmp_path / "cache"))
    cold = _cluster(default_model, frame, tmp_path / "cold.csv")
    warm = _cluster(default_model, frame.iloc[::-1], tmp_path / "warm.csv")
    pd.testing.assert_frame_equal(warm, cold)
    monkeypatch.setenv("SMGOV_CACHE_DIR", "off")
    pd.testing.assert_frame_equal(_cluster(default_model, frame, tmp_path / "off.csv"), cold)

    # another CPU: noise of about 1e-7 on every vector before its float16 rounding
    rng = np.random.default_rng(7)
    real_use, real_e5 = encoders.load_use, encoders.e5_encode

    class NoisyUSE:
        def encode(self, texts):
            vectors = np.asarray(real_use().encode(texts), dtype=np.float32)
            return vectors + rng.normal(scale=1e-7, size=vectors.shape).astype(np.float32)

    def noisy_e5(texts):
        vectors = np.asarray(real_e5(texts), dtype=np.float32)
        return vectors + rng.normal(scale=1e-7, size=vectors.shape).astype(np.float32)

    monkeypatch.setattr(encoders, "load_use", lambda threads=None: NoisyUSE())
    monkeypatch.setattr(encoders, "e5_encode", noisy_e5)
    for k in range(2):
        noisy = _cluster(default_model, frame.sample(frac=1.0, random_state=k), tmp_path / f"noisy{k}.csv")
        pd.testing.assert_frame_equal(noisy, cold)


@pytest.mark.slow
def test_cluster_lang_chooses_the_language_of_each_idea(default_model, tmp_path):
    frame = _bilingual(tmp_path)
    spanish = _cluster(default_model, frame, tmp_path / "es.csv", lang="es")
    english = _cluster(default_model, frame, tmp_path / "en.csv", lang="en")
    same = spanish.groupby("idea_id")["idea_id"].transform(lambda ids: english.loc[ids.index, "idea_id"].iloc[0])
    pd.testing.assert_series_equal(same, english["idea_id"])  # the same ideas (numbered by label), other labels
    assert english.groupby("idea_id").ngroups == spanish.groupby("idea_id").ngroups
    langs = frame.set_index("row")["lang"]
    text_lang = dict(zip(frame["text"], frame["lang"]))
    for out, code in ((spanish, "es"), (english, "en")):
        for _, members in out.groupby("idea_id"):
            if (langs[members.index] == code).any():
                assert text_lang[members["idea_text"].iloc[0]] == code


@pytest.mark.slow
def test_precode_tables_are_byte_identical_in_either_file_order(default_model, tmp_path, monkeypatch):
    monkeypatch.setattr(precode, "load_model", lambda model_dir=None: default_model)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    run_precode(TRANSCRIPTS, tmp_path / "forward", data_dir=tmp_path / "data")
    run_precode(TRANSCRIPTS[::-1], tmp_path / "backward", data_dir=tmp_path / "data")
    for name in ("tables.md", "tables.html"):
        assert (tmp_path / "forward" / name).read_bytes() == (tmp_path / "backward" / name).read_bytes()
    forward = pd.read_csv(tmp_path / "forward" / "statements.csv", dtype=str, keep_default_na=False)
    backward = pd.read_csv(tmp_path / "backward" / "statements.csv", dtype=str, keep_default_na=False)
    columns = ["text", "file", "line", "layer", "type", "needs_review"]
    key = ["file", "line", "text"]
    pd.testing.assert_frame_equal(forward[columns].sort_values(key).reset_index(drop=True),
                                  backward[columns].sort_values(key).reset_index(drop=True))


@pytest.mark.slow
def test_precode_lang_en_gives_english_tables(default_model, tmp_path, monkeypatch):
    monkeypatch.setattr(precode, "load_model", lambda model_dir=None: default_model)
    run_precode(TRANSCRIPTS, tmp_path / "en", data_dir=tmp_path / "data", lang="en")
    markdown = (tmp_path / "en" / "tables.md").read_text(encoding="utf-8")
    assert "Fake accounts impersonating the agency or the governor (identity theft) (3)" in markdown
    assert "Staff have not been trained to manage social media (3)" in markdown  # one bullet, two sentences: once
