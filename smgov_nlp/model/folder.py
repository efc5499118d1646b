"""A trained model is a folder; this module trains, saves and loads one.

Folder layout::

    config.json        embedder, label ids, thresholds, package version, training-data hash
    classifier.joblib  the fitted StatementClassifier (encoder rebuilt from its name, never pickled)
    heads.npz          the same heads as plain arrays, which scoring uses without scikit-learn (see runtime.py)
    examples.csv       the hand-coded examples shown as reasons (id, text, layer, type, lang)
    examples.npy       their embeddings, float16
    idea_space.joblib  the metric duplicate-idea grouping uses (see dedupe.py)
    metrics.json       grouped cross-validation figures measured while training
    README.md          a short model card
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from smgov_nlp import __version__
from smgov_nlp.coding import runtime
from smgov_nlp.coding.novelty import NoveltyBank
from smgov_nlp.coding.review_policy import ReviewPolicy
from smgov_nlp.errors import SmgovError
from smgov_nlp.ideas.vectors import idea_vectors
from smgov_nlp.io.writers import atomic_open, atomic_path
from smgov_nlp.labels import HEADS
from smgov_nlp.specs import DedupeSettings
from smgov_nlp.ties import rounded

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
NEAREST_FLOOR = 0.4  # nearest coded examples shown as context must be at least this similar (cosine, classifier space)
FILES = ("config.json", "classifier.joblib", "examples.csv", "examples.npy", "idea_space.joblib")
REQUIRED = ("config.json", "examples.csv", "examples.npy", "idea_space.joblib")  # + heads.npz or classifier.joblib


def default_model_dir() -> Path:
    """The model shipped inside the package (``models/default`` in the source tree)."""
    return Path(str(resources.files("smgov_nlp.models") / "default"))


@dataclass
class Model:
    """A loaded model: the classifier, its example bank and its config.

    Scoring goes through :meth:`embed` and :meth:`predict_proba`, which use the numpy-only
    ``heads.npz`` when the folder has one; the scikit-learn classifier is then unpickled
    only if something asks for :attr:`classifier`.
    """

    _classifier: object
    examples: pd.DataFrame
    example_vectors: np.ndarray
    config: dict
    _idea_space: object = None
    path: Path | None = None
    _norms: np.ndarray | None = field(default=None, repr=False)
    runtime: object = None
    novelty: NoveltyBank | None = None  # coded wordings, for how new a statement is (None: a model from before)

    @property
    def review_policy(self) -> ReviewPolicy | None:
        """The novelty-aware review policy from ``config.json`` (``None``: a model from before it existed,
        which flags statements with the per-head ``thresholds``)."""
        data = self.config.get("review_policy")
        return ReviewPolicy.from_config(data) if data else None

    @property
    def classifier(self):
        """The fitted :class:`~smgov_nlp.coding.classifier.StatementClassifier` (unpickled on first use)."""
        if self._classifier is None and self.path is not None:
            self._classifier = _load_classifier(self.path)
        return self._classifier

    @property
    def scorer(self):
        """What scores statements: the numpy-only heads if present, else the classifier."""
        return self.runtime if self.runtime is not None else self.classifier

    def predict_proba(self, texts: list[str], embeddings: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Calibrated probabilities per head, columns in the order of ``labels.HEADS``."""
        return self.scorer.predict_proba(texts, embeddings=embeddings)

    @property
    def idea_space(self):
        """The duplicate-idea metric, loaded on first use (scoring never needs it)."""
        if self._idea_space is None and self.path is not None:
            import joblib

            self._idea_space = joblib.load(self.path / "idea_space.joblib")
        return self._idea_space

    @property
    def thresholds(self) -> dict[str, float]:
        return self.config["thresholds"]

    @property
    def dedupe(self) -> DedupeSettings:
        """The duplicate-idea settings of ``config.json`` (defaults for what it lacks)."""
        return DedupeSettings.from_config(self.config)

    def dedupe_threshold(self, blocked: bool = True) -> float:
        """The tuned duplicate-idea threshold: within blocks (``--by``) or over everything."""
        return self.dedupe.threshold_for(blocked)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Sentence embeddings of ``texts`` (cached on disk)."""
        return self.scorer.embed(texts)

    def idea_vectors(self, texts: list[str], embeddings: np.ndarray | None = None, blocked: bool = True) -> np.ndarray:
        """Vectors whose dot products are the duplicate-idea similarities (see dedupe.py).

        ``blocked`` means statements are grouped within blocks (``--by``), so the type is not added.
        """
        return space_vectors(self.idea_space, self, texts, embeddings, None if blocked else self.dedupe.type_weight)

    @property
    def version(self) -> str:
        return f"{self.config.get('name', 'model')}@{self.config['data_hash'][:12]}"

    def nearest(self, vectors: np.ndarray, k: int = 3) -> np.ndarray:
        """Indices of the ``k`` most cosine-similar examples for each row of ``vectors``."""
        if len(vectors) == 0:
            return np.zeros((0, k), dtype=int)
        return self._ranked(vectors, k)[0]

    def close_examples(self, vectors: np.ndarray, k: int = 3, floor: float = NEAREST_FLOOR) -> list[list[int]]:
        """Like :meth:`nearest`, keeping only examples whose cosine similarity reaches ``floor``
        (an unrelated example is worse than none: it suggests a reading the statement does not have)."""
        if len(vectors) == 0:
            return []
        order, sims = self._ranked(vectors, k)
        return [[int(j) for j, sim in zip(row, row_sims) if sim >= floor] for row, row_sims in zip(order, sims)]

    def _ranked(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if self._norms is None:
            bank = self.example_vectors.astype(np.float32)
            self._norms = bank / np.maximum(np.linalg.norm(bank, axis=1, keepdims=True), 1e-12)
        queries = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        sims = rounded(queries @ self._norms.T)
        k = min(k, sims.shape[1])
        # rounded, then a stable sort: near-equal examples keep the bank's order, whatever the CPU
        order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        return order, np.take_along_axis(sims, order, axis=1)


def space_vectors(space, scorer, texts: list[str], embeddings: np.ndarray | None = None,
                  type_weight: float | None = None) -> np.ndarray:
    """Duplicate-idea vectors of ``texts`` in ``space``, with ``scorer``'s type probabilities × ``type_weight``
    added (``None``: not added, as within ``--by`` blocks).

    ``scorer`` embeds and scores statements (a :class:`Model` or a fitted classifier); its embeddings
    are used when the space has no encoders of its own (models trained before it had them).
    """
    if getattr(space, "embedder", None):
        projected = space.transform(space.embed(texts))
    else:
        embeddings = scorer.embed(texts) if embeddings is None else embeddings
        projected = space.transform(embeddings)
    if type_weight is None:
        return idea_vectors(projected, None)
    type_proba = scorer.predict_proba(texts, embeddings=embeddings)["type"]
    return idea_vectors(projected, type_proba, type_weight)


def load_model(path: str | Path | None = None) -> Model:
    """Load a model folder (the shipped default when ``path`` is None)."""
    folder = Path(path) if path is not None else default_model_dir()
    if not folder.is_dir():
        raise SmgovError(f"model folder {str(folder)!r} does not exist",
                         "pass --model with a folder made by 'smgov train', or omit --model for the default")
    missing = [name for name in REQUIRED if not (folder / name).exists()]
    if not (folder / runtime.FILE).exists() and not (folder / "classifier.joblib").exists():
        missing.append("classifier.joblib")
    if missing:
        raise SmgovError(f"{str(folder)!r} is not a smgov model folder: missing {', '.join(missing)}",
                         "pass --model with a folder made by 'smgov train', or omit --model for the default")
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SmgovError(f"config.json in {str(folder)!r} is not valid JSON ({exc})", "retrain with 'smgov train'") from exc
    if not isinstance(config, dict):
        raise SmgovError(f"config.json in {str(folder)!r} is not a model config", "retrain with 'smgov train'")
    if config.get("format_version") != FORMAT_VERSION or config.get("labels") != {h: list(v) for h, v in HEADS.items()}:
        raise SmgovError(f"{str(folder)!r} was made by an incompatible smgov version or with other label ids",
                         "retrain it with 'smgov train'")
    scorer, classifier = None, None
    if (folder / runtime.FILE).exists():
        try:
            scorer = runtime.load(folder / runtime.FILE)
        except Exception as exc:  # a truncated or foreign file can fail in many ways
            raise SmgovError(f"cannot load {runtime.FILE} in {str(folder)!r} ({type(exc).__name__}: {exc})",
                             "retrain it with 'smgov train' using this smgov version") from exc
    else:
        classifier = _load_classifier(folder)
    examples = pd.read_csv(folder / "examples.csv", dtype=str, keep_default_na=False)
    vectors = np.load(folder / "examples.npy")
    return Model(classifier, examples, vectors, config, path=folder, runtime=scorer, novelty=NoveltyBank.load(folder))


def _load_classifier(folder: Path):
    import joblib

    try:
        return joblib.load(folder / "classifier.joblib")
    except Exception as exc:  # unpickling can fail in many ways
        raise SmgovError(f"cannot load the classifier in {str(folder)!r} ({type(exc).__name__}: {exc})",
                         "retrain it with 'smgov train' using this smgov version") from exc


def save_model(model: Model, folder: str | Path, metrics: dict, card: str) -> Path:
    """Write every file of a model folder atomically (each file replaced only when complete)."""
    import joblib

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(folder / "classifier.joblib") as tmp:
        joblib.dump(model.classifier, tmp, compress=3)
    arrays = runtime.export(model.classifier)
    if arrays is not None:
        with atomic_path(folder / runtime.FILE) as tmp:
            runtime.save(arrays, tmp)
    else:  # features this version cannot rebuild without scikit-learn: score with the classifier
        (folder / runtime.FILE).unlink(missing_ok=True)
    with atomic_path(folder / "idea_space.joblib") as tmp:
        joblib.dump(model.idea_space, tmp, compress=3)
    with atomic_path(folder / "examples.npy") as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, model.example_vectors.astype(np.float16))
    with atomic_open(folder / "examples.csv") as fh:
        model.examples.to_csv(fh, index=False, lineterminator="\n")
    for name, payload in (("metrics.json", metrics), ("config.json", model.config)):
        with atomic_open(folder / name) as fh:
            fh.write(json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    if model.novelty is not None:
        model.novelty.save(folder)
    with atomic_open(folder / "README.md") as fh:
        fh.write(card)
    return folder


def package_version() -> str:
    return __version__
