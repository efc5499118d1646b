"""A review decision: one reviewer's layer and type for one statement, keyed by its text.

:class:`Decision` is one row of the decision store (:mod:`smgov_nlp.review.store`); its fields
are the store's :data:`COLUMNS`, in order.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from smgov_nlp.labels import check_label
from smgov_nlp.text import text_hash
from smgov_nlp.ties import source_datetime

_hash_of = text_hash  # Decision.new has a parameter called text_hash

COLUMNS: tuple[str, ...] = (
    "text_hash",
    "text",
    "lang",
    "layer",
    "type",
    "reviewer",
    "reviewed_at",
    "model_version",
    "suggested_layer",
    "suggested_type",
    "via",
)
VIAS: tuple[str, ...] = ("tui", "xlsx")


def default_reviewer() -> str:
    """The reviewer name recorded with a decision: ``$USER``, else ``reviewer``."""
    return os.environ.get("USER", "").strip() or "reviewer"


def utc_now() -> str:
    """The current time as ISO-8601 UTC, to the second: ``2024-05-01T09:30:00+00:00``
    (``SOURCE_DATE_EPOCH`` when that is set)."""
    return source_datetime().isoformat(timespec="seconds")


@dataclass(frozen=True)
class Decision:
    """One row of ``reviewed.csv``: a reviewer's layer and type for one statement.

    ``layer`` and ``type`` are both valid ids, or both empty: an empty row marks the
    statement undecided again (that is what undoing a first decision writes).
    """

    text_hash: str
    text: str
    lang: str
    layer: str
    type: str
    reviewer: str
    reviewed_at: str
    model_version: str
    suggested_layer: str
    suggested_type: str
    via: str

    def __post_init__(self) -> None:
        for name in COLUMNS:
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"Decision.{name} must be a str, got {type(getattr(self, name)).__name__}")
        if bool(self.layer) != bool(self.type):
            raise ValueError(f"layer and type must both be set or both be empty, got {self.layer!r} and {self.type!r}")
        if self.layer:
            check_label("layer", self.layer)
            check_label("type", self.type)
        if self.via not in VIAS:
            raise ValueError(f"via {self.via!r} is not one of {list(VIAS)}")
        if not self.text_hash:
            raise ValueError("text_hash is empty")

    @classmethod
    def new(
        cls,
        text: str,
        layer: str,
        type: str,  # noqa: A002 - the column is called type
        *,
        lang: str = "",
        reviewer: str | None = None,
        model_version: str = "",
        suggested_layer: str = "",
        suggested_type: str = "",
        via: str = "tui",
        text_hash: str | None = None,
        reviewed_at: str | None = None,
    ) -> Decision:
        """A decision made now, keyed by :func:`text_hash` of ``text`` unless a hash is given."""
        return cls(
            text_hash=text_hash or _hash_of(text),
            text=text,
            lang=lang,
            layer=layer,
            type=type,
            reviewer=reviewer if reviewer is not None else default_reviewer(),
            reviewed_at=reviewed_at or utc_now(),
            model_version=model_version,
            suggested_layer=suggested_layer,
            suggested_type=suggested_type,
            via=via,
        )

    @property
    def decided(self) -> bool:
        """False for a row that marks the statement undecided (empty layer and type)."""
        return bool(self.layer and self.type)

    def undecided(self, reviewer: str | None = None, via: str | None = None) -> Decision:
        """The row that takes this statement back to 'no decision', stamped now."""
        return replace(
            self,
            layer="",
            type="",
            reviewer=reviewer if reviewer is not None else self.reviewer,
            via=via or self.via,
            reviewed_at=utc_now(),
        )

    def row(self) -> list[str]:
        """The values in :data:`COLUMNS` order, as written to ``reviewed.csv``."""
        return [getattr(self, name) for name in COLUMNS]
