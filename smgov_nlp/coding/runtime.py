"""The scoring form of a trained classifier: plain numpy arrays, no scikit-learn.

A fitted :class:`~smgov_nlp.coding.classifier.StatementClassifier` is a few linear heads over
features it knows how to rebuild: the sentence embedding (re-encoded from the embedder's
name), the optional cue block (its lexicon frozen into word lists at training time, so
neither spaCy nor the lemma tables are loaded), and two fitted TF-IDF tables. ``smgov train`` exports
those as ``heads.npz`` (``allow_pickle=False``: arrays and strings only), and scoring
computes the very same probabilities from them without importing scikit-learn or scipy,
which would otherwise be most of ``smgov score``'s start-up time. A test checks that both
forms agree to 1e-6 on the shipped model.

The TF-IDF tables repeat what scikit-learn's ``TfidfVectorizer.transform`` does for the
settings :class:`~smgov_nlp.embeddings.lexical.LexicalVectorizer` uses (lower-case, accents stripped
by NFKD, ``(?u)\\b\\w\\w+\\b`` word 1–2-grams or whitespace-padded ``char_wb`` 3–5-grams,
sublinear tf × idf, L2 rows); :func:`export` refuses any other setting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from smgov_nlp.coding.lexicon import CueLexicon, cue_features, lemmatize
from smgov_nlp.embeddings.backends import MAX_CHARS, encode
from smgov_nlp.labels import HEADS
from smgov_nlp.specs import EmbedderSpec
from smgov_nlp.text import as_texts, strip_accents

FILE = "heads.npz"
FORMAT = 1
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_SPACES = re.compile(r"\s\s+")
_BATCH = 1000


@dataclass
class TfidfTable:
    """A fitted TF-IDF vocabulary: ``terms[i]`` has weight ``idf[i]``."""

    analyzer: str  # "word" or "char_wb"
    ngram_range: tuple[int, int]
    terms: np.ndarray
    idf: np.ndarray

    def __post_init__(self):
        self.index = {term: i for i, term in enumerate(self.terms.tolist())}
        self._word_columns: dict[str, np.ndarray] = {}  # char_wb: a word's n-grams depend on the word alone

    def _word_ngrams(self, tokens: list[str]) -> list[str]:
        low, high = self.ngram_range
        grams = list(tokens) if low == 1 else []
        for n in range(max(low, 2), min(high, len(tokens)) + 1):
            grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return grams

    def _char_ngrams(self, word: str) -> list[str]:
        word = f" {word} "
        grams = []
        for n in range(self.ngram_range[0], self.ngram_range[1] + 1):
            grams.extend(word[i : i + n] for i in range(max(1, len(word) - n + 1)))
            if len(word) <= n:  # a short word counts once
                break
        return grams

    def _columns(self, text: str) -> np.ndarray:
        """Vocabulary columns of every n-gram of ``text`` that is in the vocabulary, repeats included."""
        text = strip_accents(text.lower())
        index = self.index
        if self.analyzer == "word":
            return np.fromiter((j for j in map(index.get, self._word_ngrams(_TOKEN.findall(text))) if j is not None),
                               dtype=np.int64)
        memo = self._word_columns
        if len(memo) > 200_000:  # bounded: numbers and typos make new words forever
            memo.clear()
        parts = []
        for word in _SPACES.sub(" ", text).split():
            cols = memo.get(word)
            if cols is None:
                cols = memo[word] = np.fromiter(
                    (j for j in map(index.get, self._char_ngrams(word)) if j is not None), dtype=np.int64)
            parts.append(cols)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and L2-normalised sublinear tf-idf values of one text."""
        cols, counts = np.unique(self._columns(text), return_counts=True)
        if not len(cols):
            return cols, np.zeros(0)
        values = (np.log(counts) + 1.0) * self.idf[cols]
        return cols, values / np.linalg.norm(values)


@dataclass
class LinearHead:
    classes: np.ndarray
    coef: np.ndarray  # (n_classes or 1, n_features)
    intercept: np.ndarray
    temperature: float


class RuntimeClassifier:
    """Scores statements like the :class:`StatementClassifier` it was exported from.

    Offers the two methods scoring uses: :meth:`embed` and :meth:`predict_proba`.
    """

    def __init__(self, embedder: EmbedderSpec, max_chars: int, cue_weight: float, lexical_weight: float,
                 tables: list[TfidfTable], heads: dict[str, LinearHead], lexical_lemmas: bool = False,
                 cue_lexicon=None):
        self.embedder = embedder
        self.cue_lexicon = cue_lexicon
        self.lexical_lemmas = lexical_lemmas
        self.max_chars = max_chars
        self.cue_weight = cue_weight
        self.lexical_weight = lexical_weight
        self.tables = tables
        self.heads = heads

    def embed(self, texts) -> np.ndarray:
        return encode(self.embedder, as_texts(texts), self.max_chars)

    def predict_proba(self, texts, embeddings: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Calibrated probabilities per head, columns in the order of ``labels.HEADS``."""
        texts = as_texts(texts)
        dense = self.embed(texts) if embeddings is None else np.asarray(embeddings, dtype=np.float32)
        if self.cue_weight > 0:
            dense = np.hstack([dense, cue_features(texts, self.max_chars, self.cue_lexicon) * np.float32(self.cue_weight)])
        logits = {head: dense.astype(np.float64) @ h.coef[:, : dense.shape[1]].T + h.intercept
                  for head, h in self.heads.items()}
        if self.tables:
            for start in range(0, len(texts), _BATCH):
                self._add_lexical(texts[start : start + _BATCH], dense.shape[1], logits, start)
        out = {}
        for head, h in self.heads.items():
            z = logits[head]
            if h.coef.shape[0] == 1:  # binary: sklearn's one score, as two symmetric logits
                z = np.column_stack([-z[:, 0], z[:, 0]]) / 2
            out[head] = align_columns(softmax(z / h.temperature), h.classes.tolist(), HEADS[head])
        return out

    def _add_lexical(self, texts: list[str], offset: int, logits: dict[str, np.ndarray], start: int) -> None:
        """Add the lexical block's contribution (one sparse row per text) to ``logits`` in place."""
        rows, cols, vals = [], [], []
        for i, text in enumerate(texts):
            text = text[: self.max_chars]
            sources = {"word": " ".join(lemmatize(text)) if self.lexical_lemmas else text, "char_wb": text}
            parts, shift = [], offset
            for table in self.tables:
                c, v = table.row(sources[table.analyzer])
                parts.append((c + shift, v))
                shift += len(table.terms)
            c = np.concatenate([p[0] for p in parts])
            v = np.concatenate([p[1] for p in parts])
            if len(v):
                v = v / np.linalg.norm(v) * self.lexical_weight
            rows.append(np.full(len(c), i))
            cols.append(c)
            vals.append(v)
        rows, cols, vals = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
        for head, h in self.heads.items():
            contributions = h.coef[:, cols] * vals
            for k in range(h.coef.shape[0]):
                logits[head][start : start + len(texts), k] += np.bincount(rows, contributions[k], minlength=len(texts))


def softmax(z: np.ndarray, axis: int = 1) -> np.ndarray:
    """Row-wise softmax."""
    z = np.exp(z - z.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def log_likelihood(logits: np.ndarray, truth: np.ndarray) -> float:
    """Mean log-softmax probability of the ``truth`` column indices."""
    z = logits - logits.max(axis=1, keepdims=True)
    log_proba = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(log_proba[np.arange(len(truth)), truth].mean())


def align_columns(proba: np.ndarray, model_classes, classes) -> np.ndarray:
    """Reorder (and zero-fill) probability columns to ``classes``."""
    out = np.zeros((proba.shape[0], len(classes)))
    index = {c: i for i, c in enumerate(classes)}
    for j, c in enumerate(model_classes):
        out[:, index[c]] = proba[:, j]
    return out


def export(classifier) -> dict[str, np.ndarray] | None:
    """The arrays of ``heads.npz`` for a fitted StatementClassifier, or ``None`` if its features can't be rebuilt."""
    features = classifier.features_
    spec = EmbedderSpec.parse(features.embedder)
    if not spec.is_dense:
        return None
    arrays: dict[str, np.ndarray] = {
        "format": np.array(FORMAT), "embedder": np.array(str(spec)),
        "max_chars": np.array(features.max_chars), "cue_weight": np.array(float(features.cue_weight)),
        "lexical_weight": np.array(float(features.lexical_weight if features.lexical_ is not None else 0.0)),
        "lexical_lemmas": np.array(bool(features.lexical_lemmas)),
    }
    if features.cue_weight > 0:
        arrays.update(features.cue_lexicon_.to_arrays())
    if features.lexical_ is not None:
        for name, vectorizer in (("word", features.lexical_.word_), ("char", features.lexical_.char_)):
            settings = vectorizer.get_params()
            expected = {"lowercase": True, "strip_accents": "unicode", "sublinear_tf": True, "norm": "l2",
                        "use_idf": True, "binary": False, "stop_words": None, "preprocessor": None, "tokenizer": None,
                        "token_pattern": _TOKEN.pattern, "analyzer": "word" if name == "word" else "char_wb"}
            if any(settings.get(k) != v for k, v in expected.items()):
                return None
            terms = np.empty(len(vectorizer.vocabulary_), dtype=object)
            for term, j in vectorizer.vocabulary_.items():
                terms[j] = term
            arrays[f"{name}_terms"] = terms.astype(str)
            arrays[f"{name}_idf"] = vectorizer.idf_
            arrays[f"{name}_ngram_range"] = np.array(settings["ngram_range"])
    for head, model in classifier.heads_.items():
        estimator = model.estimator_
        arrays[f"{head}_classes"] = np.asarray(model.classes_).astype(str)
        arrays[f"{head}_coef"] = estimator.coef_
        arrays[f"{head}_intercept"] = estimator.intercept_
        arrays[f"{head}_temperature"] = np.array(model.temperature_)
    return arrays


def from_arrays(arrays) -> RuntimeClassifier:
    if int(arrays["format"]) != FORMAT:
        raise ValueError(f"heads format {int(arrays['format'])}, expected {FORMAT}")
    tables = []
    if float(arrays["lexical_weight"]) > 0:
        tables = [TfidfTable("word" if name == "word" else "char_wb", tuple(int(x) for x in arrays[f"{name}_ngram_range"]),
                             arrays[f"{name}_terms"], arrays[f"{name}_idf"]) for name in ("word", "char")]
    heads = {head: LinearHead(arrays[f"{head}_classes"], arrays[f"{head}_coef"], arrays[f"{head}_intercept"],
                              float(arrays[f"{head}_temperature"])) for head in HEADS}
    lexicon = None
    if float(arrays["cue_weight"]) > 0:
        lexicon = CueLexicon.from_arrays(arrays)
    return RuntimeClassifier(EmbedderSpec.parse(str(arrays["embedder"])), int(arrays["max_chars"]), float(arrays["cue_weight"]),
                             float(arrays["lexical_weight"]), tables, heads, bool(arrays["lexical_lemmas"]), lexicon)


def save(arrays: dict[str, np.ndarray], path: str | Path) -> None:
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)


def load(path: str | Path) -> RuntimeClassifier:
    with np.load(path, allow_pickle=False) as arrays:
        return from_arrays({key: arrays[key] for key in arrays.files})


__all__ = ["FILE", "MAX_CHARS", "RuntimeClassifier", "TfidfTable", "export", "from_arrays", "load", "save"]
