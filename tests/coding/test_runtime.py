from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, FakeEmbedder
from sklearn.feature_extraction.text import TfidfVectorizer

from smgov_nlp.coding import runtime
from smgov_nlp.coding.classifier import StatementClassifier
from smgov_nlp.coding.features import StatementFeatures
from smgov_nlp.coding.head import CalibratedHead
from smgov_nlp.embeddings.backends import encode
from smgov_nlp.labels import HEADS

ODD_TEXTS = ["", "a", "  ", "Ñandú é ü   x\t\ty", "x" * 5000, "1 2 3 !!", "Robo de identidad", "identity theft",
             "Falta de capacitación; ¿quién modera?", "e-gobierno / e-government", "ÀÉÎÕÜ çñ ß ﬁ", "word " * 700]


@pytest.mark.parametrize("analyzer,ngram_range", [("word", (1, 2)), ("char_wb", (3, 5)), ("word", (1, 1)),
                                                  ("char_wb", (2, 4)), ("word", (2, 3))])
def test_tfidf_table_matches_scikit_learn(labeled_table, analyzer, ngram_range):
    corpus = labeled_table["text"].tolist()
    fitted = TfidfVectorizer(analyzer=analyzer, ngram_range=ngram_range, sublinear_tf=True, strip_accents="unicode",
                             min_df=1).fit(corpus + ODD_TEXTS)
    terms = np.empty(len(fitted.vocabulary_), dtype=object)
    for term, j in fitted.vocabulary_.items():
        terms[j] = term
    table = runtime.TfidfTable(analyzer, ngram_range, terms.astype(str), fitted.idf_)
    expected = fitted.transform(corpus + ODD_TEXTS).toarray()
    for i, text in enumerate(corpus + ODD_TEXTS):
        row = np.zeros(len(terms))
        cols, values = table.row(text)
        row[cols] = values
        np.testing.assert_allclose(row, expected[i], atol=1e-12, err_msg=repr(text[:40]))


@pytest.mark.parametrize("params", [{}, {"cue_weight": 3.0}, {"lexical_weight": 0.0}, {"lexical_weight": 1.5, "C": 0.5}])
def test_exported_heads_give_the_classifier_s_probabilities(labeled_table, tmp_path, params):
    texts = labeled_table["text"].tolist()
    embedder = FakeEmbedder()
    classifier = StatementClassifier(embedder="use", cv=3, **params).fit(
        texts, labeled_table[["layer", "type"]], groups=labeled_table["group"].to_numpy(),
        embeddings=embedder.transform(texts))
    runtime.save(runtime.export(classifier), tmp_path / runtime.FILE)
    loaded = runtime.load(tmp_path / runtime.FILE)
    queries = texts + ODD_TEXTS
    vectors = embedder.transform(queries)
    expected = classifier.predict_proba(queries, embeddings=vectors)
    got = loaded.predict_proba(queries, embeddings=vectors)
    for head in expected:
        np.testing.assert_allclose(got[head], expected[head], atol=1e-6, err_msg=head)


def test_lemmatised_lexical_block_is_exported_too(labeled_table):
    """A classifier assembled from its parts: lemma features and one fitted head per head."""
    texts = labeled_table["text"].tolist()
    vectors = FakeEmbedder().transform(texts + ODD_TEXTS)
    classifier = StatementClassifier(embedder="use", cv=3)
    classifier.features_ = StatementFeatures(embedder="use", lexical_weight=1.0, cue_weight=0.0,
                                             lexical_lemmas=True).fit(texts)
    features = classifier.features_.transform(texts, embeddings=vectors[: len(texts)])
    classifier.heads_ = {head: CalibratedHead(cv=3).fit(features, labeled_table[head].to_numpy(),
                                                        groups=labeled_table["group"].to_numpy()) for head in HEADS}
    loaded = runtime.from_arrays(runtime.export(classifier))
    assert loaded.lexical_lemmas
    for head, proba in classifier.predict_proba(texts + ODD_TEXTS, embeddings=vectors).items():
        np.testing.assert_allclose(loaded.predict_proba(texts + ODD_TEXTS, embeddings=vectors)[head], proba, atol=1e-9)


def test_a_weighted_two_encoder_classifier_embeds_alike_in_training_and_at_run_time(labeled_table, tmp_path):
    """``use+e5*3`` for real: the sklearn side (make_embedder) and the runtime side (encoders.encode) must
    build the same weighted vectors, or the exported heads would score different features. A further
    ``part_weight`` is folded into the heads' coefficients, so the export needs nothing more."""
    texts = labeled_table["text"].tolist()
    classifier = StatementClassifier(embedder="use+e5*3", cv=3, part_weight=2.0).fit(
        texts, labeled_table[["layer", "type"]], groups=labeled_table["group"].to_numpy())
    assert classifier.features_.transform(texts[:2]).shape[1] > 512 + 384
    np.testing.assert_allclose(encode("use+e5*3", texts[:3])[:, 512:], 3 * encode("e5", texts[:3]), rtol=1e-6)
    runtime.save(runtime.export(classifier), tmp_path / runtime.FILE)
    loaded = runtime.load(tmp_path / runtime.FILE)
    assert str(loaded.embedder) == "use+e5*3" and classifier.part_weights_ == {"layer": 2.0, "type": 2.0}
    queries = texts[:5] + ODD_TEXTS
    expected = classifier.predict_proba(queries)
    got = loaded.predict_proba(queries)
    for head in expected:
        np.testing.assert_allclose(got[head], expected[head], atol=1e-6, err_msg=head)


def test_lexical_embedders_are_not_exported(labeled_table):
    texts = labeled_table["text"].tolist()
    classifier = StatementClassifier(embedder="tfidf", cv=3).fit(
        texts, labeled_table[["layer", "type"]], groups=labeled_table["group"].to_numpy())
    assert runtime.export(classifier) is None


@pytest.mark.slow
def test_shipped_heads_match_the_shipped_classifier(default_model):
    real = pd.read_csv(REPO / "data/dev/real_text.csv")["text"].tolist()
    texts = real + ODD_TEXTS
    vectors = default_model.embed(texts)
    got = default_model.runtime.predict_proba(texts, embeddings=vectors)
    expected = default_model.classifier.predict_proba(texts, embeddings=vectors)
    for head in expected:
        np.testing.assert_allclose(got[head], expected[head], atol=1e-6, err_msg=head)


def test_scoring_imports_neither_scikit_learn_nor_scipy(tmp_path):
    """Start-up time: scoring runs on heads.npz, so neither heavy library is imported."""
    (tmp_path / "in.txt").write_text("Robo de identidad\nIdentity theft\n", encoding="utf-8")
    code = ("import sys\nfrom smgov_nlp.cli import main\nsys.argv = ['smgov', '--quiet', 'score', 'in.txt', '--out', 'out.csv']\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy', 'joblib', 'torch', 'spacy'))\n"
            "print('HEAVY', heavy)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stdout, done.stdout[-2000:]
    assert (tmp_path / "out.csv").exists()
