from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from smgov_nlp.embeddings.cache import DEFAULT_MAX_MB, EmbeddingCache, cache_dir, text_key


def vectors(n: int, dim: int = 512, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)


def row_count(cache: EmbeddingCache) -> int:
    return cache._connect().execute("SELECT COUNT(*) FROM emb").fetchone()[0]


# --- where the cache lives ----------------------------------------------------------------


def test_cache_dir_from_env(tmp_path, monkeypatch):
    monkeypatch.setenv("SMGOV_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    assert EmbeddingCache.default().path == tmp_path / "c" / "embeddings.sqlite"


def test_cache_dir_defaults_to_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.delenv("SMGOV_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "smgov"


def test_cache_dir_defaults_to_home_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("SMGOV_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == tmp_path / ".cache" / "smgov"


@pytest.mark.parametrize("value", ["off", "OFF", "none", "0", ""])
def test_cache_can_be_turned_off(monkeypatch, value):
    monkeypatch.setenv("SMGOV_CACHE_DIR", value)
    assert cache_dir() is None
    assert EmbeddingCache.default() is None


def test_tests_never_use_the_home_cache():
    assert Path.home() / ".cache" not in cache_dir().parents


# --- keys and round trips -----------------------------------------------------------------


def test_text_key():
    key = text_key("use-m3:0.2.1", "Robo de identidad")
    assert isinstance(key, bytes) and len(key) == 16
    assert key == text_key("use-m3:0.2.1", "Robo de identidad")
    assert key != text_key("use-m3:0.2.2", "Robo de identidad")
    assert key != text_key("use-m3:0.2.1", "Robo de identidad ")
    assert len(text_key("ns", "\ud800 lone surrogate")) == 16  # does not raise


def test_put_get_roundtrip_is_float16(tmp_path):
    cache = EmbeddingCache(tmp_path)
    vecs = vectors(3)
    keys = [text_key("ns", t) for t in ("a", "b", "c")]
    cache.put_many(keys, vecs)
    found = cache.get_many(keys + [text_key("ns", "missing")])
    assert set(found) == set(keys)
    for key, vec in zip(keys, vecs):
        assert found[key].dtype == np.float16
        np.testing.assert_array_equal(found[key], vec.astype(np.float16))
    cache.close()
    # a new connection (a new process) sees the same vectors
    again = EmbeddingCache(tmp_path).get_many(keys)
    np.testing.assert_array_equal(again[keys[1]], vecs[1].astype(np.float16))


def test_put_replaces_an_existing_key(tmp_path):
    cache = EmbeddingCache(tmp_path)
    key = text_key("ns", "a")
    cache.put_many([key], vectors(1, seed=1))
    cache.put_many([key], vectors(1, seed=2))
    np.testing.assert_array_equal(cache.get_many([key])[key], vectors(1, seed=2)[0].astype(np.float16))
    assert row_count(cache) == 1


def test_namespaces_are_separate(tmp_path):
    cache = EmbeddingCache(tmp_path)
    cache.put_many([text_key("use", "hola")], vectors(1))
    assert cache.get_many([text_key("st:minilm", "hola")]) == {}
    assert list(cache.get_many([text_key("use", "hola")])) == [text_key("use", "hola")]


def test_many_keys_beyond_the_sqlite_parameter_limit(tmp_path):
    cache = EmbeddingCache(tmp_path)
    keys = [text_key("ns", str(i)) for i in range(2500)]
    cache.put_many(keys, vectors(2500, dim=8))
    assert len(cache.get_many(keys)) == 2500


def test_empty_put_and_get(tmp_path):
    cache = EmbeddingCache(tmp_path)
    cache.put_many([], np.zeros((0, 8), dtype=np.float32))
    assert cache.get_many([]) == {}


# --- the size cap -------------------------------------------------------------------------


def test_default_cap(monkeypatch, tmp_path):
    monkeypatch.delenv("SMGOV_CACHE_MAX_MB", raising=False)
    assert EmbeddingCache(tmp_path).max_bytes == DEFAULT_MAX_MB * 2**20
    monkeypatch.setenv("SMGOV_CACHE_MAX_MB", "1.5")
    assert EmbeddingCache(tmp_path).max_bytes == int(1.5 * 2**20)
    assert EmbeddingCache(tmp_path, max_mb=3).max_bytes == 3 * 2**20  # the argument wins


def fill_in_two_runs(directory: Path, keys, vecs, **kwargs) -> EmbeddingCache:
    """Two runs, as two scoring processes would do: each opens, writes and closes the cache."""
    half = len(keys) // 2
    first = EmbeddingCache(directory, **kwargs)
    first.put_many(keys[:half], vecs[:half])
    first.close()
    second = EmbeddingCache(directory, **kwargs)
    second.put_many(keys[half:], vecs[half:])
    return second


def check_evicted_oldest(cache: EmbeddingCache, keys) -> None:
    row_bytes = 512 * 2 + 40
    keep = int(0.8 * cache.max_bytes / row_bytes)
    assert row_count(cache) == keep
    found = cache.get_many(keys)
    assert set(found) == set(keys[-keep:])  # the newest survive, the oldest go


def test_eviction_under_a_tiny_cap_from_the_constructor(tmp_path, caplog):
    keys = [text_key("ns", str(i)) for i in range(1000)]
    with caplog.at_level(logging.INFO, logger="smgov_nlp.embeddings.cache"):
        cache = fill_in_two_runs(tmp_path, keys, vectors(1000), max_mb=0.1)
    check_evicted_oldest(cache, keys)
    assert "evicted" in caplog.text
    cache.close()
    assert Path(cache.path).stat().st_size < 0.2 * 2**20


def test_eviction_under_a_tiny_cap_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SMGOV_CACHE_MAX_MB", "0.1")
    keys = [text_key("ns", str(i)) for i in range(1000)]
    cache = fill_in_two_runs(tmp_path, keys, vectors(1000))
    check_evicted_oldest(cache, keys)


def test_eviction_within_one_write(tmp_path):
    keys = [text_key("ns", str(i)) for i in range(1000)]
    cache = EmbeddingCache(tmp_path, max_mb=0.1)
    cache.put_many(keys, vectors(1000))
    check_evicted_oldest(cache, keys)


def test_under_the_cap_nothing_is_evicted(tmp_path):
    keys = [text_key("ns", str(i)) for i in range(1000)]
    cache = fill_in_two_runs(tmp_path, keys, vectors(1000), max_mb=50)
    assert row_count(cache) == 1000


# --- a broken cache never breaks embedding -------------------------------------------------


def test_corrupt_cache_file_is_ignored_with_a_warning(tmp_path, caplog):
    (tmp_path / "embeddings.sqlite").write_bytes(b"this is not a database" * 100)
    cache = EmbeddingCache(tmp_path)
    with caplog.at_level(logging.WARNING, logger="smgov_nlp.embeddings.cache"):
        assert cache.get_many([text_key("ns", "a")]) == {}
        cache.put_many([text_key("ns", "a")], vectors(1))
    assert "unreadable" in caplog.text or "cannot write" in caplog.text


def test_clear_removes_the_files(tmp_path):
    cache = EmbeddingCache(tmp_path)
    cache.put_many([text_key("ns", "a")], vectors(1))
    cache.clear()
    assert list(tmp_path.iterdir()) == []
