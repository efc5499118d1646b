"""Settings parsed once: EmbedderSpec and DedupeSettings (smgov_nlp.specs)."""

from __future__ import annotations

import pickle

import pytest

from smgov_nlp.errors import SmgovError
from smgov_nlp.specs import DedupeSettings, EmbedderPart, EmbedderSpec


@pytest.mark.parametrize("text, canonical", [
    ("use", "use"), ("", "use"), (None, "use"), (" use + e5 * 3 ", "use+e5*3"), ("use+e5*3.0", "use+e5*3"),
    ("e5*1", "e5"), ("tfidf*0.5", "tfidf*0.5"), ("st:/m/x*2.5+use", "st:/m/x*2.5+use"), ("use*1.2345678", "use*1.2345678"),
])
def test_parse_and_canonical_spelling(text, canonical):
    spec = EmbedderSpec.parse(text)
    assert str(spec) == canonical
    assert EmbedderSpec.parse(str(spec)) == spec  # the spelling reads back as the same spec
    assert EmbedderSpec.parse(spec) is spec


def test_one_weighting_one_spec():
    named = EmbedderSpec.parse("use+e5*3")
    assert EmbedderSpec.parse("use+e5").with_weights((1, 3)) == named
    assert named.names == ("use", "e5") and named.weights == (1.0, 3.0)
    assert named.parts == (EmbedderPart("use"), EmbedderPart("e5", 3.0))
    assert str(named.unweighted) == "use+e5" and named.is_weighted and not named.unweighted.is_weighted
    assert len(named) == 2 and hash(named) == hash(EmbedderSpec.parse("use + e5*3"))
    assert pickle.loads(pickle.dumps(named)) == named


def test_dense_and_lexical():
    assert EmbedderSpec.parse("use+e5+st:/m").is_dense
    assert not EmbedderSpec.parse("use+tfidf").is_dense
    assert EmbedderSpec.parse("st:/m/x").parts[0].st_model == "/m/x"
    assert EmbedderSpec.parse("use").parts[0].st_model is None


@pytest.mark.parametrize("text", ["bert", "st:", "USE", "use+bert", "openai:text-embedding-3", "use+", "  "])
def test_unknown_names_say_what_is_expected(text):
    with pytest.raises(SmgovError, match=r"unknown embedder .*expected 'use', 'e5', 'tfidf'.*; pass --embedder use"):
        EmbedderSpec.parse(text)


@pytest.mark.parametrize("text", ["e5*", "e5*x", "e5*0", "e5*-1", "use*nan", "use*inf", "bert*x+use"])
def test_bad_weights_say_what_to_write(text):
    with pytest.raises(SmgovError, match=r"an embedder weight must be a positive number, found '.*'; write a weighted "
                                         r"part like e5\*3"):
        EmbedderSpec.parse(text)


def test_specs_are_frozen_and_validated():
    spec = EmbedderSpec.parse("use")
    with pytest.raises(AttributeError):
        spec.parts = ()
    with pytest.raises(SmgovError, match="needs one or more EmbedderPart"):
        EmbedderSpec(())
    with pytest.raises(SmgovError, match="weight must be a positive number"):
        EmbedderPart("use", 0)
    with pytest.raises(SmgovError, match="must be a string, found int 3"):
        EmbedderSpec.parse(3)
    with pytest.raises(SmgovError, match="3 weights for the 2 parts"):
        EmbedderSpec.parse("use+e5").with_weights((1, 2, 3))


def test_dedupe_settings():
    assert DedupeSettings.from_config({}) == DedupeSettings(0.5, 0.5, 0.6)
    settings = DedupeSettings.from_config({"dedupe": {"threshold": 0.675, "threshold_no_by": 0.75, "embedder": "use"}})
    assert (settings.threshold_for(True), settings.threshold_for(False), settings.type_weight) == (0.675, 0.75, 0.6)
    for bad in ({"threshold": 1.5}, {"threshold_no_by": "x"}, {"type_weight": -1}):
        with pytest.raises(SmgovError, match="found .*; fix 'dedupe' in the model's config.json"):
            DedupeSettings.from_config({"dedupe": bad})
