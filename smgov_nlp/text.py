"""Small text helpers every part of the package shares.

- :func:`as_texts`: statements as a list of strings (missing values become ``""``);
- :func:`strip_accents`: combining marks removed after NFKD (``"regulación"`` → ``"regulacion"``),
  what scikit-learn's ``strip_accents="unicode"`` does, with a fast path for ASCII;
- :func:`normalize_text` and :func:`text_hash`: the form statements are matched in across review,
  import and precode.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")


def as_texts(X) -> list[str]:
    """Statements as a list of strings (missing values become ``""``)."""
    if isinstance(X, str):
        raise TypeError("expected a list of statements, found a single string; wrap it in a list")
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:
        X = X.iloc[:, 0]
    return ["" if t is None or (isinstance(t, float) and t != t) else str(t) for t in X]


def strip_accents(text: str) -> str:
    """``text`` without combining marks (``"regulación"`` → ``"regulacion"``)."""
    if text.isascii():
        return text
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def normalize_text(text: str) -> str:
    """NFC-normalise, collapse whitespace and casefold: the form statements are matched in."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text or "")).strip().casefold()


def text_hash(text: str) -> str:
    """SHA-256 hex digest of :func:`normalize_text`; review, import and precode all match on it."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()
