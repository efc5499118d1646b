"""Fast tests of StatementFeatures and its lexical / lemma / cue blocks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from smgov_nlp.coding.features import CUE_FEATURES, CUE_WEIGHT, StatementFeatures
from smgov_nlp.coding.lexicon import cue_features, lemma

TEXTS = [
    "Falta de capacitación del personal en el uso de redes sociales",
    "Permiten una comunicación más directa con la ciudadanía",
    "Definir políticas de uso de redes sociales para los servidores públicos",
    "Lack of trust toward government agencies",
    "Allow feedback from citizens",
    "Agencies should establish a social media policy",
]


def test_defaults_are_the_classifier_s():
    from smgov_nlp.coding.classifier import StatementClassifier

    features, classifier = StatementFeatures().get_params(), StatementClassifier().get_params()
    assert features["lexical_weight"] == classifier["lexical_weight"] == 1.0
    assert features["cue_weight"] == CUE_WEIGHT and features["embedder"] == classifier["embedder"] == "use"


def test_clone_keeps_params_and_no_state():
    f = StatementFeatures(embedder="tfidf", lexical_weight=0.7, cue_weight=2.0, lexical_lemmas=True, max_chars=500)
    g = clone(f)
    assert g.get_params() == f.get_params()
    assert not any(k.endswith("_") for k in vars(g))
    fitted = clone(f).fit(TEXTS)
    assert g.get_params() == clone(fitted).get_params()
    assert not hasattr(clone(fitted), "embedder_")


def test_shapes_and_blocks():
    f = StatementFeatures(embedder="tfidf", lexical_weight=1.5, cue_weight=3.0).fit(TEXTS)
    dense = f.embed(TEXTS)
    X = f.transform(TEXTS)
    assert sp.issparse(X) and X.shape[0] == len(TEXTS)
    n_lex = f.lexical_.transform(TEXTS).shape[1]
    assert X.shape[1] == dense.shape[1] + len(CUE_FEATURES) + n_lex
    cues = X[:, dense.shape[1]: dense.shape[1] + len(CUE_FEATURES)].toarray()
    np.testing.assert_allclose(cues, 3.0 * cue_features(TEXTS))
    # given embeddings are used as the dense block
    fake = np.ones((len(TEXTS), 4), dtype=np.float32)
    assert f.transform(TEXTS, embeddings=fake).shape[1] == 4 + len(CUE_FEATURES) + n_lex


def test_weights_zero_drop_blocks():
    f = StatementFeatures(embedder="tfidf", lexical_weight=0.0, cue_weight=0.0).fit(TEXTS)
    X = f.transform(TEXTS)
    assert isinstance(X, np.ndarray)
    assert X.shape == f.embed(TEXTS).shape


def test_deterministic():
    a = StatementFeatures(embedder="tfidf", lexical_lemmas=True).fit(TEXTS).transform(TEXTS)
    lemma.cache_clear()
    b = StatementFeatures(embedder="tfidf", lexical_lemmas=True).fit(TEXTS).transform(TEXTS)
    assert (a != b).nnz == 0


def test_spacy_not_imported_at_module_import():
    import subprocess
    import sys

    code = "import sys, smgov_nlp.coding.features; print('spacy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


@pytest.mark.slow
def test_default_use_features():
    f = StatementFeatures().fit(TEXTS[:3])
    X = f.transform(TEXTS[:3])
    assert f.embed(TEXTS[:3]).shape == (3, 512)
    assert X.shape[0] == 3 and X.shape[1] > 512 + len(CUE_FEATURES)
