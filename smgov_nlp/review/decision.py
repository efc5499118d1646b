"""A review decision: one reviewer's verdict on one statement, keyed by its text.

:class:`Decision` is one row of the decision store (:mod:`smgov_nlp.review.store`); its fields
are the store's :data:`COLUMNS`, in order. The verdict (``decision``) is ``accept`` (the suggested
layer and type), ``correct`` (another layer and/or type) or ``not_statement`` (a heading or aside,
not a statement: no layer or type). A row with no verdict marks the statement undecided again.
Files written before the verdict existed have :data:`LEGACY_COLUMNS`; :meth:`Decision.from_fields`
reads both.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace

from smgov_nlp.labels import check_label
from smgov_nlp.text import text_hash
from smgov_nlp.ties import source_datetime

_hash_of = text_hash  # Decision.new has a parameter called text_hash

LEGACY_COLUMNS: tuple[str, ...] = (
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
COLUMNS: tuple[str, ...] = (*LEGACY_COLUMNS, "decision", "note", "batch", "idea_with")
VIAS: tuple[str, ...] = ("tui", "xlsx", "qdpx", "web")
ACCEPT, CORRECT, NOT_STATEMENT = "accept", "correct", "not_statement"
DECISIONS: tuple[str, ...] = (ACCEPT, CORRECT, NOT_STATEMENT)
OWN_IDEA = "own"  # idea_with: the statement is an idea of its own
_HEX64 = re.compile(r"[0-9a-f]{64}")


def default_reviewer() -> str:
    """The reviewer name recorded with a decision: ``$USER``, else ``reviewer``."""
    return os.environ.get("USER", "").strip() or "reviewer"


def utc_now() -> str:
    """The current time as ISO-8601 UTC, to the second: ``2024-05-01T09:30:00+00:00``
    (``SOURCE_DATE_EPOCH`` when that is set)."""
    return source_datetime().isoformat(timespec="seconds")


def new_batch_id() -> str:
    """A fresh id for one import's rows: its UTC time and a random part, ``20240501-093000-3f9a``."""
    return f"{source_datetime():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


@dataclass(frozen=True)
class Decision:
    """One row of ``reviewed.csv``: a reviewer's verdict on one statement.

    ``decision`` is ``accept`` or ``correct`` with a valid ``layer`` and ``type``, ``not_statement``
    with both empty, or empty (as are layer, type, note and idea_with): a row that marks the statement
    undecided again (what undoing a first decision writes). A row with a layer and no verdict, as
    files before the verdict hold, gets the one :func:`inferred_decision` gives. ``note`` is the reviewer's free text; ``batch`` the id of
    the import that wrote the row (empty for the terminal review); ``idea_with`` says which idea the
    statement belongs to when a person fixed it: the ``text_hash`` of a statement to group it with,
    ``own`` for an idea of its own, or empty (leave it to the grouping).
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
    decision: str = ""
    note: str = ""
    batch: str = ""
    idea_with: str = ""

    def __post_init__(self) -> None:
        for name in COLUMNS:
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"Decision.{name} must be a str, got {type(getattr(self, name)).__name__}")
        if bool(self.layer) != bool(self.type):
            raise ValueError(f"layer and type must both be set or both be empty, got {self.layer!r} and {self.type!r}")
        if self.layer:
            check_label("layer", self.layer)
            check_label("type", self.type)
        if not self.decision and self.layer:  # a row written before the verdict existed
            object.__setattr__(self, "decision", inferred_decision(self.layer, self.type, self.suggested_layer,
                                                                   self.suggested_type))
        if self.decision and self.decision not in DECISIONS:
            raise ValueError(f"decision {self.decision!r} is not one of {list(DECISIONS)}")
        if self.decision in (ACCEPT, CORRECT) and not self.layer:
            raise ValueError(f"decision {self.decision!r} needs a layer and a type")
        if self.decision == NOT_STATEMENT and self.layer:
            raise ValueError(f"decision 'not_statement' has no layer or type, got {self.layer!r} and {self.type!r}")
        if not self.decision and (self.note or self.idea_with):
            raise ValueError("an undecided row has no note or idea_with")
        if self.idea_with and self.idea_with != OWN_IDEA and not _HEX64.fullmatch(self.idea_with):
            raise ValueError(f"idea_with {self.idea_with!r} is not {OWN_IDEA!r} or the text_hash of a statement")
        if self.via not in VIAS:
            raise ValueError(f"via {self.via!r} is not one of {list(VIAS)}")
        if not self.text_hash:
            raise ValueError("text_hash is empty")

    @classmethod
    def new(
        cls,
        text: str,
        layer: str = "",
        type: str = "",  # noqa: A002 - the column is called type
        *,
        lang: str = "",
        reviewer: str | None = None,
        model_version: str = "",
        suggested_layer: str = "",
        suggested_type: str = "",
        via: str = "tui",
        text_hash: str | None = None,
        reviewed_at: str | None = None,
        decision: str | None = None,
        note: str = "",
        batch: str = "",
        idea_with: str = "",
    ) -> Decision:
        """A decision made now, keyed by :func:`text_hash` of ``text`` unless a hash is given.

        Without ``decision`` it is ``accept`` when layer and type are the suggested ones, else
        ``correct``. ``decision="not_statement"`` takes empty ``layer`` and ``type``.
        """
        if decision is None:
            decision = inferred_decision(layer, type, suggested_layer, suggested_type)
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
            decision=decision,
            note=note,
            batch=batch,
            idea_with=idea_with,
        )

    @classmethod
    def from_fields(cls, columns: Sequence[str], fields: Sequence[str]) -> Decision:
        """The decision a stored row holds, under the header ``columns`` (:data:`COLUMNS` or
        :data:`LEGACY_COLUMNS`, whose verdict is inferred as in :meth:`new`)."""
        return cls(**dict(zip(columns, fields)))

    @property
    def decided(self) -> bool:
        """False for a row that marks the statement undecided (no verdict)."""
        return bool(self.decision)

    @property
    def is_statement(self) -> bool:
        """False when a person said this is not a statement."""
        return self.decision != NOT_STATEMENT

    def undecided(self, reviewer: str | None = None, via: str | None = None) -> Decision:
        """The row that takes this statement back to 'no decision', stamped now."""
        return replace(
            self,
            layer="",
            type="",
            decision="",
            note="",
            batch="",
            idea_with="",
            reviewer=reviewer if reviewer is not None else self.reviewer,
            via=via or self.via,
            reviewed_at=utc_now(),
        )

    def row(self) -> list[str]:
        """The values in :data:`COLUMNS` order, as written to ``reviewed.csv``."""
        return [getattr(self, name) for name in COLUMNS]


def inferred_decision(layer: str, type: str, suggested_layer: str, suggested_type: str) -> str:  # noqa: A002
    """``accept`` when ``layer``/``type`` are the suggestion, ``correct`` when they differ, empty when unset."""
    if not (layer or type):
        return ""
    return ACCEPT if (layer, type) == (suggested_layer, suggested_type) else CORRECT
