"""An on-disk embedding cache keyed by embedder and text, with a size cap.

The cache is one SQLite file in ``$SMGOV_CACHE_DIR`` (default ``$XDG_CACHE_HOME/smgov``,
or ``~/.cache/smgov``). Vectors are stored as float16; when the file grows past
``$SMGOV_CACHE_MAX_MB`` (default 2048) the oldest entries are evicted. Set
``SMGOV_CACHE_DIR=off`` to disable it.

:meth:`EmbeddingCache.default` hands out one cache object per setting of those variables (read
on each call, so a changed environment takes effect at once), and each object keeps one SQLite
connection per thread and process instead of reopening the file for every batch.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_MAX_MB = 2048
_BATCH = 900  # below SQLite's default limit on bound parameters


def cache_dir() -> Path | None:
    """Where the cache lives, or ``None`` when ``SMGOV_CACHE_DIR=off``."""
    configured = os.environ.get("SMGOV_CACHE_DIR")
    if configured is not None and configured.lower() in {"off", "none", "0", ""}:
        return None
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "smgov"


def text_key(namespace: str, text: str) -> bytes:
    """16-byte key of ``text`` under an embedder's namespace."""
    return hashlib.blake2b(f"{namespace}\x00{text}".encode("utf-8", "surrogatepass"), digest_size=16).digest()


class EmbeddingCache:
    """Get and put float16 vectors by key; never raises on a broken or read-only cache.

    The SQLite connection opens on first use and stays open, one per thread and process (SQLite
    connections may not cross threads or a fork).
    """

    def __init__(self, directory: Path, max_mb: float | None = None):
        self.path = Path(directory) / "embeddings.sqlite"
        self.max_bytes = int((max_mb or float(os.environ.get("SMGOV_CACHE_MAX_MB", DEFAULT_MAX_MB))) * 2**20)
        self._local = threading.local()

    @classmethod
    def default(cls) -> EmbeddingCache | None:
        """The shared cache for the current ``$SMGOV_CACHE_DIR`` (and size cap), or ``None`` when it is off."""
        directory = cache_dir()
        if directory is None:
            return None
        return _shared(str(directory), os.environ.get("SMGOV_CACHE_MAX_MB"))

    @property
    def _conn(self) -> sqlite3.Connection | None:
        pid, conn = getattr(self._local, "conn", (None, None))
        return conn if pid == os.getpid() else None

    def _connect(self) -> sqlite3.Connection:
        conn = self._conn
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS emb (key BLOB PRIMARY KEY, vec BLOB NOT NULL)")
            self._local.conn = (os.getpid(), conn)
        return conn

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        try:
            conn = self._connect()
            for start in range(0, len(keys), _BATCH):
                batch = list(keys[start : start + _BATCH])
                marks = ",".join("?" * len(batch))
                for key, vec in conn.execute(f"SELECT key, vec FROM emb WHERE key IN ({marks})", batch):
                    found[key] = np.frombuffer(vec, dtype=np.float16)
        except sqlite3.Error as exc:
            log.warning("embedding cache at %s is unreadable (%s); embedding without it", self.path, exc)
        return found

    def put_many(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        rows = [(key, vec.astype(np.float16).tobytes()) for key, vec in zip(keys, vectors)]
        try:
            conn = self._connect()
            conn.execute("BEGIN")
            conn.executemany("INSERT OR REPLACE INTO emb (key, vec) VALUES (?, ?)", rows)
            conn.execute("COMMIT")
            self._evict(conn, row_bytes=len(rows[0][1]) + 40 if rows else 0)
        except sqlite3.Error as exc:
            log.warning("cannot write the embedding cache at %s (%s)", self.path, exc)

    def _evict(self, conn: sqlite3.Connection, row_bytes: int) -> None:
        """Drop the oldest rows once the file is over the cap, down to 80% of it."""
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        if not row_bytes or size <= self.max_bytes:
            return
        (count,) = conn.execute("SELECT COUNT(*) FROM emb").fetchone()
        keep = int(0.8 * self.max_bytes / row_bytes)
        if count > keep:
            conn.execute("DELETE FROM emb WHERE rowid IN (SELECT rowid FROM emb ORDER BY rowid LIMIT ?)", (count - keep,))
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("VACUUM")
            log.info("embedding cache over %d MB: evicted %d oldest entries", self.max_bytes >> 20, count - keep)

    def clear(self) -> None:
        self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        """Close this thread's connection (the next call reopens it)."""
        conn = self._conn
        self._local.conn = (None, None)
        if conn is not None:
            conn.close()


@lru_cache(maxsize=16)
def _shared(directory: str, max_mb: str | None) -> EmbeddingCache:
    return EmbeddingCache(Path(directory), float(max_mb) if max_mb else None)
