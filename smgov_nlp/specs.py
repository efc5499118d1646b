"""Settings parsed once and passed around as frozen values: the embedder spec and the dedupe settings.

An embedder is named on the command line as ``use``, ``e5``, ``tfidf``, ``st:<model>`` or a ``+`` of
them, each part optionally weighted (``use+e5*3``: the e5 block scaled by 3 before the blocks are
joined; with a regularised linear model on top, a heavier block is penalised less).
:meth:`EmbedderSpec.parse` reads that text once; everything downstream (the encoders, the
scikit-learn embedders, the idea space, training) takes the :class:`EmbedderSpec`, and
``str(spec)`` gives the canonical spelling back (``"use + e5 * 3"`` -> ``"use+e5*3"``).

Nothing here imports scikit-learn, so scoring can use it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import ClassVar

from smgov_nlp.errors import SmgovError
from smgov_nlp.ideas.vectors import TYPE_WEIGHT

DEFAULT_EMBEDDER = "use"
DENSE_ENCODERS = ("use", "e5")  # besides st:<model>
LEXICAL_ENCODERS = ("tfidf",)
_KNOWN = ("expected 'use', 'e5', 'tfidf', 'st:<local model path or package>' or a '+' of them"
          " (a part may be weighted, as in 'use+e5*3')")


class UnknownEmbedderError(SmgovError):
    """An embedder name names no encoder this version knows."""


def _number(value: float) -> str:
    """The shortest spelling of ``value`` that reads back as the same float (3.0 -> ``3``)."""
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


def _weight(value, found: str) -> float:
    try:
        weight = float(value)
    except (TypeError, ValueError):
        weight = math.nan
    if not math.isfinite(weight) or weight <= 0:
        raise SmgovError(f"an embedder weight must be a positive number, found {found!r}",
                         "write a weighted part like e5*3 (for example --embedder 'use+e5*3')")
    return weight


def split_part(text: str) -> tuple[str, float]:
    """The name and weight of one ``+``-separated part as written: ``"e5*3"`` -> ``("e5", 3.0)``; names unchecked."""
    name, star, weight = text.strip().partition("*")
    return name.strip(), (_weight(weight, text.strip()) if star else 1.0)


@dataclass(frozen=True)
class EmbedderPart:
    """One encoder of an embedder and the weight its block is scaled by."""

    name: str
    weight: float = 1.0

    def __post_init__(self):
        if not (self.name in DENSE_ENCODERS or self.name in LEXICAL_ENCODERS
                or (self.name.startswith("st:") and len(self.name) > 3)):
            raise UnknownEmbedderError(f"unknown embedder {self.name!r}; {_KNOWN}", "pass --embedder use")
        object.__setattr__(self, "weight", _weight(self.weight, f"{self.name}*{self.weight}"))

    @property
    def is_dense(self) -> bool:
        """A sentence encoder (``use``, ``e5``, ``st:…``), as opposed to the fitted lexical ``tfidf``."""
        return self.name not in LEXICAL_ENCODERS

    @property
    def st_model(self) -> str | None:
        """The sentence-transformers model (folder or package) of an ``st:`` part, else None."""
        return self.name[3:] if self.name.startswith("st:") else None

    def __str__(self) -> str:
        return self.name if self.weight == 1.0 else f"{self.name}*{_number(self.weight)}"


@dataclass(frozen=True)
class EmbedderSpec:
    """A parsed embedder name: its parts, in order, each with a weight.

    >>> spec = EmbedderSpec.parse("use + e5 * 3")
    >>> str(spec), spec.names, spec.weights, spec.is_dense
    ('use+e5*3', ('use', 'e5'), (1.0, 3.0), True)
    >>> EmbedderSpec.parse("use+e5").with_weights((1, 3)) == spec
    True
    """

    parts: tuple[EmbedderPart, ...]
    DEFAULT: ClassVar[str] = DEFAULT_EMBEDDER

    def __post_init__(self):
        parts = tuple(self.parts)
        if not parts or not all(isinstance(p, EmbedderPart) for p in parts):
            raise SmgovError(f"an embedder needs one or more EmbedderPart, found {self.parts!r}",
                             "build it with EmbedderSpec.parse('use+e5*3')")
        object.__setattr__(self, "parts", parts)

    @classmethod
    def parse(cls, value: EmbedderSpec | str | None = None) -> EmbedderSpec:
        """Read an embedder name (``None`` or ``""``: the default ``use``); a spec is returned as it is.

        Weights are checked before names, so ``use+bert*x`` reports the bad weight first.
        """
        if isinstance(value, EmbedderSpec):
            return value
        if value is not None and not isinstance(value, str):
            raise SmgovError(f"an embedder name must be a string, found {type(value).__name__} {value!r}",
                             "pass a name like 'use' or 'use+e5*3'")
        text = (value or DEFAULT_EMBEDDER).strip()
        pairs = [split_part(raw) for raw in text.split("+")]
        if any(not name for name, _ in pairs):
            raise UnknownEmbedderError(f"unknown embedder {text!r}: an empty part; {_KNOWN}", "pass --embedder use")
        return cls(tuple(EmbedderPart(name, weight) for name, weight in pairs))

    def with_weights(self, weights: Iterable[float]) -> EmbedderSpec:
        """The same encoders with these weights (missing ones are 1)."""
        weights = list(weights)
        if len(weights) > len(self.parts):
            raise SmgovError(f"{len(weights)} weights for the {len(self.parts)} parts of {str(self)!r}",
                             "give at most one weight per part")
        weights += [1.0] * (len(self.parts) - len(weights))
        return replace(self, parts=tuple(EmbedderPart(p.name, w) for p, w in zip(self.parts, weights)))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parts)

    @property
    def weights(self) -> tuple[float, ...]:
        return tuple(p.weight for p in self.parts)

    @property
    def unweighted(self) -> EmbedderSpec:
        """The same encoders, every weight 1 (``use+e5*3`` -> ``use+e5``)."""
        return self.with_weights(())

    @property
    def is_dense(self) -> bool:
        """Every part is a sentence encoder, so the vectors need no fitting (and scoring needs no scikit-learn)."""
        return all(p.is_dense for p in self.parts)

    @property
    def is_weighted(self) -> bool:
        """Some part has a weight other than 1 (``use+e5*3``)."""
        return any(p.weight != 1.0 for p in self.parts)

    def __len__(self) -> int:
        return len(self.parts)

    def __str__(self) -> str:
        return "+".join(str(p) for p in self.parts)


@dataclass(frozen=True)
class DedupeSettings:
    """How duplicate ideas are grouped: the similarity thresholds (within a ``--by`` block, and over
    everything) and the weight of the type probabilities added to the vectors when not blocked."""

    threshold: float = 0.5
    threshold_no_by: float = 0.5
    type_weight: float = TYPE_WEIGHT

    def __post_init__(self):
        for name, low, high in (("threshold", 0.0, 1.0), ("threshold_no_by", 0.0, 1.0), ("type_weight", 0.0, math.inf)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                expected = "a number from 0 to 1" if high == 1.0 else "a number of 0 or more"
                raise SmgovError(f"the dedupe {name} must be {expected}, found {value!r}",
                                 "fix 'dedupe' in the model's config.json, or retrain with 'smgov train'")
            object.__setattr__(self, name, float(value))

    @classmethod
    def from_config(cls, config: Mapping) -> DedupeSettings:
        """The settings in a model's ``config.json`` (its ``dedupe`` entry; defaults for what is missing)."""
        settings = config.get("dedupe") or {}
        return cls(settings.get("threshold", 0.5), settings.get("threshold_no_by", 0.5),
                   settings.get("type_weight", TYPE_WEIGHT))

    def threshold_for(self, blocked: bool) -> float:
        """The threshold within blocks (``--by``) or over everything."""
        return self.threshold if blocked else self.threshold_no_by
