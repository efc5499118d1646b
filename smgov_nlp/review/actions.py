"""What a review key does to the store, shared by the terminal review and the browser review.

A decision on a queue row becomes a :class:`~smgov_nlp.review.decision.Decision` through
:func:`decision_for`; :func:`record` appends it and remembers the statement's previous state in a
:class:`Step`, which :func:`restore_for` turns back into the row that undoes it. :class:`ReviewSummary`
is what one session did, counted from its steps by :func:`summarize`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from smgov_nlp.review.decision import ACCEPT, CORRECT, NOT_STATEMENT, Decision, utc_now
from smgov_nlp.review.store import DecisionStore


@dataclass(frozen=True)
class ReviewSummary:
    """What one review session did. Counts are net of undo."""

    total: int = 0  # statements in the queue at the start of the session
    accepted: int = 0  # saved as suggested
    corrected: int = 0  # saved with a changed layer and/or type
    not_statement: int = 0  # saved as "not a statement"
    skipped: int = 0  # skipped and not decided later in the session
    undone: int = 0  # undo presses that took a decision back
    store_path: Path | None = None
    nothing_to_review: bool = False  # the queue was empty or already fully decided
    already_decided: int = 0  # statements of the queue decided before this session

    @property
    def decided(self) -> int:
        return self.accepted + self.corrected + self.not_statement

    @property
    def remaining(self) -> int:
        """Statements of the queue still without a decision."""
        return self.total - self.decided


@dataclass(frozen=True)
class Step:
    """One decision a session wrote, with what the store held for the statement before it."""

    index: int  # position in the queue
    previous: Decision | None  # the store's latest decision before this one (None: undecided)
    decision: Decision


def decision_for(row: dict, layer: str, type_: str, *, reviewer: str, via: str, verdict: str | None = None,
                 note: str = "", idea_with: str = "", batch: str = "") -> Decision:
    """The decision on queue ``row`` (a record of :func:`~smgov_nlp.review.queue.load_queue`).

    ``verdict`` ``not_statement`` drops the layer, type and idea; otherwise the verdict is ``accept``
    when ``layer``/``type`` are the row's suggestion and ``correct`` when they differ.
    """
    labelled = verdict != NOT_STATEMENT
    return Decision.new(
        row["text"],
        layer if labelled else "",
        type_ if labelled else "",
        decision=verdict,
        note=note,
        idea_with=idea_with if labelled else "",
        text_hash=row["text_hash"],
        lang=row["lang"],
        reviewer=reviewer,
        model_version=row["model_version"],
        suggested_layer=row["layer"],
        suggested_type=row["type"],
        via=via,
        batch=batch,
    )


def record(store: DecisionStore, decisions: list[tuple[int, Decision]]) -> list[Step]:
    """Append ``(queue index, decision)`` pairs in one write; return their steps, for undo."""
    steps = [Step(index, store.get(decision.text_hash), decision) for index, decision in decisions]
    store.append([step.decision for step in steps])
    return steps


def restore_for(step: Step, reviewer: str) -> Decision:
    """The row that takes ``step``'s statement back to its previous state, stamped now."""
    if step.previous is not None:
        return replace(step.previous, reviewed_at=utc_now())
    return step.decision.undecided(reviewer=reviewer)


def summarize(steps: Iterable[Step], *, total: int, skipped: int = 0, undone: int = 0,
              store_path: Path | None = None, already_decided: int = 0) -> ReviewSummary:
    """The :class:`ReviewSummary` of a session whose standing (not undone) decisions are ``steps``."""
    kinds = [step.decision.decision for step in steps]
    return ReviewSummary(
        total=total,
        accepted=kinds.count(ACCEPT),
        corrected=kinds.count(CORRECT),
        not_statement=kinds.count(NOT_STATEMENT),
        skipped=skipped,
        undone=undone,
        store_path=store_path,
        already_decided=already_decided,
    )
