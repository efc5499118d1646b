"""``smgov review --import FILE.qdpx``: people's codings in a REFI-QDA project become review decisions.

Every statement a person (a ``User`` other than the model) coded with a layer or a type becomes that
person's decision in ``reviewed.csv`` (``via='qdpx'``, one batch, as the spreadsheet import):
``accept`` when it is the model's suggestion, else ``correct``. A person who recoded only the layer
keeps the model's type (and the other way round); the decision's ``note`` says so. The reviewer is
the ``User`` name unless ``reviewer`` is given. Codes that are neither a layer nor a type nor an idea
are listed, never guessed; a person's codings on selections that match no statement are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from smgov_nlp.errors import SmgovError
from smgov_nlp.labels import HEADS
from smgov_nlp.qda.codebook import MODEL_USER_PREFIX
from smgov_nlp.qda.reader import read_qdpx
from smgov_nlp.qda.units import Unit, Units, coded_units, is_model
from smgov_nlp.review.decision import ACCEPT, CORRECT, Decision, new_batch_id
from smgov_nlp.review.store import DecisionStore

KEPT_NOTE = "qdpx: {coded} recoded only; {kept} kept as the model suggested"


@dataclass(frozen=True)
class QdpxImportResult:
    """What :func:`import_qdpx` recorded (or, on a dry run, would record)."""

    accepted: int = 0
    corrected: int = 0
    kept: int = 0  # decisions where one head was recoded and the other kept from the model
    people: tuple[str, ...] = ()  # the reviewers recorded
    invalid: list[str] = field(default_factory=list)  # statements left out, and why
    unknown_codes: dict[str, int] = field(default_factory=dict)  # code name -> codings by people
    unmatched: int = 0  # people's selections that match no statement
    unmatched_examples: list[str] = field(default_factory=list)
    idea_codings: int = 0  # people's codings with idea codes: not imported
    already_recorded: int = 0
    batch: str = ""
    dry_run: bool = False
    store_path: Path | None = None

    @property
    def imported(self) -> int:
        return self.accepted + self.corrected


def import_qdpx(path: str | Path, data_dir: Path | str | None = None, reviewer: str | None = None,
                dry_run: bool = False) -> QdpxImportResult:
    """Record every person's layer and type codings in the project at ``path`` as one batch (``via='qdpx'``)."""
    path = Path(path)
    if path.suffix.lower() != ".qdpx":
        raise SmgovError(f"cannot import {path.name!r} as a QDA project: expected a file ending in .qdpx",
                         "export the project from your QDA tool as REFI-QDA (.qdpx)")
    units = coded_units(read_qdpx(path))
    store = DecisionStore(data_dir)
    previous = _latest_per_reviewer(store)
    batch = "" if dry_run else new_batch_id()
    decisions: list[Decision] = []
    invalid: list[str] = []
    counts = {ACCEPT: 0, CORRECT: 0, "kept": 0, "already": 0}
    model_version = units.model_users[0][len(MODEL_USER_PREFIX):] if units.model_users else ""
    for unit in units.units:
        for coder in sorted(c for c in unit.labels if not is_model(c)):
            name = (reviewer or coder).strip() or coder
            try:
                decision = _decision(unit, units, coder, name, model_version, batch)
            except ValueError as exc:
                invalid.append(f"{coder} on {unit.text[:60]!r} ({unit.source}): {exc}")
                continue
            if decision is None:
                continue
            old = previous.get((decision.text_hash, name))
            if old is not None and (old.layer, old.type) == (decision.layer, decision.type):  # e.g. exported from it
                counts["already"] += 1
                continue
            decisions.append(decision)
            counts[decision.decision] += 1
            counts["kept"] += bool(decision.note)
    if not dry_run:
        store.append(decisions)
    return QdpxImportResult(
        accepted=counts[ACCEPT], corrected=counts[CORRECT], kept=counts["kept"],
        people=tuple(sorted({d.reviewer for d in decisions})), invalid=invalid, unknown_codes=units.unknown_codes,
        unmatched=units.unmatched, unmatched_examples=units.unmatched_examples, idea_codings=units.idea_codings,
        already_recorded=counts["already"],
        batch=batch if decisions else "", dry_run=dry_run, store_path=store.path,
    )


def _decision(unit: Unit, units: Units, coder: str, reviewer: str, model_version: str, batch: str) -> Decision | None:
    """The decision ``coder``'s codings on ``unit`` record; ``None`` without a layer or type; ``ValueError`` if ambiguous."""
    labels = unit.labels[coder]
    chosen: dict[str, str] = {}
    for head in HEADS:
        found = labels.get(head, [])
        if len(found) > 1:
            raise ValueError(f"coded with {len(found)} {head}s ({', '.join(found)}); keep one")
        if found:
            chosen[head] = found[0]
    if not chosen:
        return None
    suggested = {head: units.model_label(unit, head) for head in HEADS}
    missing = [head for head in HEADS if head not in chosen]
    for head in missing:
        if not suggested[head]:
            raise ValueError(f"no {head}: code a {head} too (the model suggested none here)")
        chosen[head] = suggested[head]
    note = KEPT_NOTE.format(coded=" and ".join(h for h in HEADS if h not in missing), kept=" and ".join(missing)) \
        if missing else ""
    return Decision.new(
        unit.text, chosen["layer"], chosen["type"], text_hash=unit.key, reviewer=reviewer,
        model_version=model_version, suggested_layer=suggested["layer"], suggested_type=suggested["type"],
        via="qdpx", note=note, batch=batch,
    )


def _latest_per_reviewer(store: DecisionStore) -> dict[tuple[str, str], Decision]:
    """``(text_hash, reviewer)`` -> that reviewer's latest decision: what a re-import would repeat."""
    history = store.history()
    latest: dict[tuple[str, str], Decision] = {}
    for row in history.to_dict("records"):
        decision = Decision(**row)
        latest[(decision.text_hash, decision.reviewer)] = decision
    return latest
