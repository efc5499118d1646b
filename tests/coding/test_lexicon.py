"""Lookup lemmas and the statement-type cue block (smgov_nlp.coding.lexicon)."""

from __future__ import annotations

import numpy as np

from smgov_nlp.coding.lexicon import (
    CUE_FEATURES,
    CUE_WORDS,
    CueLexicon,
    cue_features,
    default_cue_lexicon,
    lemma,
    lemmatize,
)
from smgov_nlp.lang import detect_lang
from smgov_nlp.text import strip_accents


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


def test_the_lexicon_is_built_once_per_process():
    assert default_cue_lexicon() is default_cue_lexicon()


# --- the frozen cue lexicon -----------------------------------------------------------------


def test_cue_lexicon_gives_the_features_the_lemma_tables_give():
    """The frozen word lists reproduce lemma lookups: Spanish and English statements, first words and all."""
    cue_sets = [frozenset(strip_accents(w) for w in words.split()) for words in CUE_WORDS.values()]
    texts = ["Permiten mejorar la comunicación", "Faltan recursos humanos", "Crearon un comité", "Deberían capacitar",
             "It enabled faster answers", "Lacking staff and budgets", "Developed a plan", "Trains the officials",
             "Mejoró la imagen del gobierno", "Riesgos de ataques informáticos", "Planes de capacitación", "x"]
    lexicon = default_cue_lexicon()
    got = cue_features(texts, lexicon=lexicon)
    for text, row in zip(texts, got):
        lang = detect_lang(text)
        words = [w.lower() for w in text.split()]
        for k, cues in enumerate(cue_sets):
            forms = {strip_accents(f) for w in words for f in (w, lemma(w, lang))}
            assert row[2 * k] == bool(forms & cues), (text, k)
            first = {strip_accents(words[0]), strip_accents(lemma(words[0], lang))}
            assert row[2 * k + 1] == bool(first & cues), (text, k)
    assert got[8, 2] == 1 and got[8, 3] == 1  # "Mejoró" is a form of "mejorar": a benefit cue, and the first word
    arrays = lexicon.to_arrays()
    assert CueLexicon.from_arrays(arrays) == lexicon
    np.testing.assert_array_equal(cue_features(texts, lexicon=CueLexicon.from_arrays(arrays)), got)
