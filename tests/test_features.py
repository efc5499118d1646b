"""Fast tests of StatementFeatures and its lexical / lemma / cue blocks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from smgov_nlp.coding import features as F
from smgov_nlp.coding.features import CUE_FEATURES, StatementFeatures, cue_features, lemmatize
from smgov_nlp.text import strip_accents

TEXTS = [
    "Falta de capacitación del personal en el uso de redes sociales",
    "Permiten una comunicación más directa con la ciudadanía",
    "Definir políticas de uso de redes sociales para los servidores públicos",
    "Lack of trust toward government agencies",
    "Allow feedback from citizens",
    "Agencies should establish a social media policy",
]


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


def test_spanish_lemmatisation():
    lemmas = lemmatize("Las instituciones permiten definir políticas", lang="es")
    assert lemmas[1:] == ["institución", "permitir", "definir", "político"]
    # language detected automatically
    assert "permitir" in lemmatize("Las redes sociales permiten una comunicación directa")
    assert strip_accents("regulación") == "regulacion"


def test_cue_features_mark_type_phrasing():
    cues = dict(zip(CUE_FEATURES, cue_features(["Falta de capacitación del personal"])[0]))
    assert cues["risk_any"] == 1 and cues["risk_first"] == 1
    cues = dict(zip(CUE_FEATURES, cue_features(["Permiten una comunicación más directa"])[0]))
    assert cues["benefit_first"] == 1  # inflected form matched through its lemma
    cues = dict(zip(CUE_FEATURES, cue_features(["Crear un comité de redes sociales"])[0]))
    assert cues["strategy_first"] == 1 and cues["first_es_infinitive"] == 1
    assert cue_features([""]).sum() == 0


def test_deterministic():
    a = StatementFeatures(embedder="tfidf", lexical_lemmas=True).fit(TEXTS).transform(TEXTS)
    F.lemma.cache_clear()
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


# --- the frozen cue lexicon -----------------------------------------------------------------


def test_cue_lexicon_gives_the_features_the_lemma_tables_give():
    """The frozen word lists reproduce lemma lookups: Spanish and English statements, first words and all."""
    from smgov_nlp.coding.lexicon import _CUE_SETS, CueLexicon, default_cue_lexicon, detect_lang, lemma

    texts = ["Permiten mejorar la comunicación", "Faltan recursos humanos", "Crearon un comité", "Deberían capacitar",
             "It enabled faster answers", "Lacking staff and budgets", "Developed a plan", "Trains the officials",
             "Mejoró la imagen del gobierno", "Riesgos de ataques informáticos", "Planes de capacitación", "x"]
    lexicon = default_cue_lexicon()
    got = cue_features(texts, lexicon=lexicon)
    for text, row in zip(texts, got):
        lang = detect_lang(text)
        words = [w.lower() for w in text.split()]
        for k, cues in enumerate(_CUE_SETS.values()):
            forms = {strip_accents(f) for w in words for f in (w, lemma(w, lang))}
            assert row[2 * k] == bool(forms & cues), (text, k)
            first = {strip_accents(words[0]), strip_accents(lemma(words[0], lang))}
            assert row[2 * k + 1] == bool(first & cues), (text, k)
    assert got[8, 2] == 1 and got[8, 3] == 1  # "Mejoró" is a form of "mejorar": a benefit cue, and the first word
    arrays = lexicon.to_arrays()
    assert CueLexicon.from_arrays(arrays) == lexicon
    np.testing.assert_array_equal(cue_features(texts, lexicon=CueLexicon.from_arrays(arrays)), got)
