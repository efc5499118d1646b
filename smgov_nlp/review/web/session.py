"""The state behind the browser review: the queue, what the store says of each statement, each tab's undo.

:class:`WebReview` knows nothing of HTTP: the app (:mod:`smgov_nlp.review.web.app`) hands it the
JSON body of a request and sends back what it returns. Every change is made under one lock and
appended to the :class:`~smgov_nlp.review.store.DecisionStore` at once, so two tabs never lose a
decision: the store is read again before each write, and an undo only takes back a decision that
is still the latest one for its statement.

Each tab names itself with a random id (``tab``) and has its own undo history; the position shown,
the keys pressed and the reviewer's name live in the browser.
"""

from __future__ import annotations

import math
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import pandas as pd

from smgov_nlp.labels import LAYER_KEYS, LAYER_TITLES, LAYERS, TYPE_KEYS, TYPE_TITLES, TYPES
from smgov_nlp.review.actions import ReviewSummary, Step, decision_for, record, restore_for, summarize
from smgov_nlp.review.decision import NOT_STATEMENT, OWN_IDEA, Decision, default_reviewer, new_batch_id
from smgov_nlp.review.queue import nearest_examples
from smgov_nlp.review.store import DecisionStore

VIA = "web"
MAX_TABS = 64  # undo histories kept; the oldest tab's is dropped beyond that
MAX_NOTE = 2000
MAX_REVIEWER = 80
_TAB = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TEXT_FIELDS = ("text_hash", "text", "lang", "layer", "type", "layer_runner_up", "type_runner_up", "review_reason",
                "matched_idea", "file", "line", "section", "group", "statement_id", "model_version")
_NUMBER_FIELDS = ("layer_confidence", "type_confidence", "layer_runner_up_confidence", "type_runner_up_confidence",
                  "error_risk")
_STATUS_FIELDS = ("decision", "layer", "type", "note", "idea_with", "reviewer", "via", "reviewed_at")


class RequestError(Exception):
    """A request the review cannot carry out: ``status`` is the HTTP status, the message says why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class WebReview:
    """A loaded queue (:func:`~smgov_nlp.review.queue.load_queue` with ``keep_decided=True``) under review.

    ``reviewer`` fixes the name recorded with every decision (``--reviewer``); without it each request
    names its reviewer. ``context`` maps a ``statement_id`` to the lines around it
    (:func:`~smgov_nlp.review.context.transcript_context`), ``definitions`` a layer id to its definition.
    """

    def __init__(self, queue: pd.DataFrame, store: DecisionStore, reviewer: str | None = None,
                 context: dict[str, list[dict]] | None = None, definitions: dict[str, str] | None = None,
                 queue_name: str = "", clock: Callable[[], float] = time.monotonic, ideas: dict[str, str] | None = None):
        self.rows: list[dict] = queue.reset_index(drop=True).to_dict("records")
        self.store = store
        self.reviewer = reviewer.strip() if reviewer and reviewer.strip() else None
        self.session_token = secrets.token_urlsafe(32)  # sent back in a header with every change
        self.queue_name = queue_name
        self._definitions = definitions or {}
        self._context = context or {}
        self._ideas = ideas or {}  # idea id (case-folded) -> a member's text_hash: what "join an idea" links to
        self._index = {row["text_hash"]: i for i, row in enumerate(self.rows)}
        self._lock = threading.Lock()
        self._tabs: OrderedDict[str, list[list[Step]]] = OrderedDict()
        self._undone = 0
        self._clock = clock
        self._first_write: float | None = None
        decided = self.store.latest()
        self.already_decided = sum(row["text_hash"] in decided for row in self.rows)

    @property
    def undecided_at_start(self) -> int:
        return len(self.rows) - self.already_decided

    # --- reading

    def state(self) -> dict:
        """Everything the page needs to start: the statements, the labels and their keys, and :meth:`status`."""
        layers = [{"key": key, "id": layer, "title": LAYER_TITLES[layer], "definition": self._definitions.get(layer, "")}
                  for key, layer in LAYER_KEYS.items()]
        types = [{"key": key, "id": type_, "title": TYPE_TITLES[type_]} for key, type_ in TYPE_KEYS.items()]
        return {"session": self.session_token, "reviewer": self.reviewer, "suggested_reviewer": default_reviewer(),
                "queue": self.queue_name, "store": str(self.store.path), "layers": layers, "types": types,
                "ideas": self._ideas,
                "items": [self._item(row) for row in self.rows], **self.status()}

    def status(self) -> dict:
        """The latest decision on each statement (``None``: undecided), in queue order, and the progress."""
        with self._lock:
            return self._status()

    def _status(self) -> dict:
        latest = self.store.latest()
        status = [_status(latest.get(row["text_hash"])) for row in self.rows]
        reviewed = sum(entry is not None for entry in status)
        standing = sum(len(group) for stack in self._tabs.values() for group in stack)
        # decisions per minute since this server's first one, counted over a minute at least (no burst of 60/min)
        elapsed = self._clock() - self._first_write if self._first_write is not None else 0.0
        return {"status": status, "progress": {
            "total": len(self.rows), "reviewed": reviewed, "remaining": len(self.rows) - reviewed,
            "this_session": standing, "per_minute": round(standing * 60 / max(elapsed, 60.0), 1),
        }}

    def _item(self, row: dict) -> dict:
        item = {name: str(row.get(name, "") or "") for name in _TEXT_FIELDS}
        item.update({name: _number(row.get(name)) for name in _NUMBER_FIELDS})
        item["nearest_examples"] = nearest_examples(str(row.get("nearest_examples", "") or ""))
        item["context"] = self._context.get(item["statement_id"], []) if item["statement_id"] else []
        return item

    # --- changes

    def decide(self, body: dict) -> dict:
        """Record one decision: ``text_hash``, ``layer`` and ``type`` (or ``verdict`` ``not_statement``),
        optional ``note`` and ``idea_with`` (``own``, or the ``text_hash`` that :meth:`state`'s ``ideas`` gives
        for the idea to join). Returns the new :meth:`status` and the item's index."""
        tab, reviewer = self._tab(body), self._reviewer(body)
        index = self._row_index(body.get("text_hash"))
        row = self.rows[index]
        verdict = body.get("verdict") or None
        if verdict not in (None, NOT_STATEMENT):
            raise RequestError(f"verdict {verdict!r} is not 'not_statement' or empty")
        layer, type_ = ("", "") if verdict else (body.get("layer"), body.get("type"))
        if not verdict and (layer not in LAYERS or type_ not in TYPES):
            raise RequestError(f"expected a layer in {list(LAYERS)} and a type in {list(TYPES)}, "
                               f"got {layer!r} and {type_!r}")
        note = _text(body.get("note", ""), "note", MAX_NOTE)
        idea_with = body.get("idea_with") or ""
        if idea_with not in ("", OWN_IDEA) and (idea_with not in self._ideas.values() or idea_with == row["text_hash"]):
            raise RequestError(f"idea_with {idea_with!r} is not {OWN_IDEA!r}, empty or a member of another idea")
        decision = decision_for(row, layer, type_, verdict=verdict, note=note, idea_with=idea_with,
                                reviewer=reviewer, via=VIA)
        with self._lock:
            self._push(tab, record(self.store, [(index, decision)]))
            return {"index": index, **self._status()}

    def bulk_accept(self, body: dict) -> dict:
        """Accept the suggestion of every statement in ``text_hashes`` that is still undecided and has one,
        in one write and one batch (one undo takes it all back)."""
        tab, reviewer = self._tab(body), self._reviewer(body)
        hashes = body.get("text_hashes")
        if not isinstance(hashes, list) or not hashes:
            raise RequestError("expected text_hashes: a non-empty list of statements")
        indexes = sorted({self._row_index(value) for value in hashes})
        with self._lock:
            latest = self.store.latest()
            batch = new_batch_id()
            chosen, decided, unsuggested = [], 0, 0
            for index in indexes:
                row = self.rows[index]
                if row["text_hash"] in latest:
                    decided += 1
                elif not (row["layer"] and row["type"]):
                    unsuggested += 1
                else:
                    chosen.append((index, decision_for(row, row["layer"], row["type"], reviewer=reviewer, via=VIA,
                                                       batch=batch)))
            if chosen:
                self._push(tab, record(self.store, chosen))
            return {"accepted": len(chosen), "already_decided": decided, "no_suggestion": unsuggested,
                    "batch": batch if chosen else "", **self._status()}

    def undo(self, body: dict) -> dict:
        """Take back this tab's last decision (or bulk accept): each statement goes back to its state before,
        unless it was decided again since (in another tab), which is kept. Returns the index to show."""
        tab, reviewer = self._tab(body), self._reviewer(body)
        with self._lock:
            stack = self._tabs.get(tab)
            if not stack:
                raise RequestError("nothing to undo in this tab", 409)
            group = stack.pop()
            current = [self.store.get(step.decision.text_hash) for step in group]
            still = [step for step, now in zip(group, current) if now is not None and now.row() == step.decision.row()]
            if not still:
                raise RequestError("not undone: the statement was decided again since, in another tab", 409)
            self.store.append([restore_for(step, reviewer) for step in still])
            self._undone += 1
            return {"index": min(step.index for step in still), "undone": len(still),
                    "kept": len(group) - len(still), **self._status()}

    def summary(self) -> ReviewSummary:
        """What this server's sessions did, net of undo; ``total`` counts the statements undecided at the start."""
        with self._lock:
            steps = [step for stack in self._tabs.values() for group in stack for step in group]
            return summarize(steps, total=self.undecided_at_start, undone=self._undone, store_path=self.store.path,
                             already_decided=self.already_decided)

    # --- helpers

    def _push(self, tab: str, steps: list[Step]) -> None:
        if self._first_write is None:
            self._first_write = self._clock()
        self._tabs.setdefault(tab, []).append(steps)
        self._tabs.move_to_end(tab)
        while len(self._tabs) > MAX_TABS:
            self._tabs.popitem(last=False)

    def _tab(self, body: dict) -> str:
        tab = body.get("tab")
        if not isinstance(tab, str) or not _TAB.fullmatch(tab):
            raise RequestError("expected tab: the id of the browser tab (letters, digits, - and _)")
        return tab

    def _reviewer(self, body: dict) -> str:
        if self.reviewer:
            return self.reviewer
        name = _text(body.get("reviewer", ""), "reviewer", MAX_REVIEWER)
        if not name:
            raise RequestError("expected reviewer: the name recorded with each decision")
        return name

    def _row_index(self, value: object) -> int:
        if not isinstance(value, str) or value not in self._index:
            raise RequestError(f"no statement {str(value)[:70]!r} in this queue", 404)
        return self._index[value]


def _text(value: object, name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise RequestError(f"{name} must be text")
    value = value.strip()
    if len(value) > limit:
        raise RequestError(f"{name} is longer than {limit} characters")
    if name == "reviewer" and _CONTROL.search(value):
        raise RequestError("reviewer has control characters")
    return value


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return round(number, 4) if math.isfinite(number) else None


def _status(decision: Decision | None) -> dict | None:
    return None if decision is None else {name: getattr(decision, name) for name in _STATUS_FIELDS}

