"""Review in the terminal: one statement at a time, the suggestion pre-selected, one key per choice.

Terminal keys (:class:`ReviewApp`):

* ``a`` saves what is shown (the suggestion, or your changes to it) and moves on;
* ``1``-``6`` set the layer and ``r``/``b``/``s`` the type. Setting one head keeps the
  suggestion for the other and waits, so both can be corrected; once both heads
  have been set by key the decision is saved and the next statement shown. A
  one-head correction is therefore two keys (``3`` then ``a``);
* ``x`` saves "not a statement" (a heading or an aside: it leaves the ideas, the tables and
  the queue) and moves on;
* ``n`` opens a note, ``m`` toggles "an idea of its own" and ``i`` moves the statement into
  another idea (type its id, e.g. ``I003``); all three are saved with the decision;
* space skips (nothing is written), ``u`` undoes the last decision of this session
  (it goes back to that statement and appends its previous state to the store),
  ``q`` quits.

Every decision is appended to the store the moment it is made. This is the only module
that imports ``textual``, so exporting or importing a spreadsheet never loads it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from smgov_nlp.errors import SmgovError
from smgov_nlp.labels import LAYER_KEYS, LAYER_TITLES, TYPE_KEYS, TYPE_TITLES, TYPES
from smgov_nlp.review.actions import ReviewSummary, Step, decision_for, record, restore_for, summarize
from smgov_nlp.review.decision import NOT_STATEMENT, OWN_IDEA, default_reviewer
from smgov_nlp.review.queue import PROVENANCE, idea_members, load_queue, nearest_examples
from smgov_nlp.review.store import DecisionStore

_KEY_OF_TYPE = {type_: key for key, type_ in TYPE_KEYS.items()}
_STATEMENT_ACTIONS = {"set_layer", "set_type", "accept", "not_statement", "note", "own_idea", "join_idea", "skip"}


def _fmt_conf(value: float) -> str:
    return "  —  " if value is None or value != value else f"{value:.2f}"


def _layer_name(layer: str) -> str:
    return LAYER_TITLES.get(layer, layer) if layer else "(none)"


def _type_name(type_: str) -> str:
    return f"{type_} ({_KEY_OF_TYPE[type_]}) — {TYPE_TITLES[type_]}" if type_ in TYPE_TITLES else (type_ or "(none)")


HELP_KEYS = (
    "a save shown & next · 1-6 layer · r/b/s type (both set → saved & next) · x not a statement · "
    "n note · m own idea · i join an idea · space skip · u undo · q quit"
)
HELP_LEGEND = "  ".join(f"{key} {LAYER_TITLES[layer].split('. ', 1)[1]}" for key, layer in LAYER_KEYS.items())


class NoteScreen(ModalScreen[str | None]):
    """One line of text (the note, or the id of an idea to join): Enter keeps it, Escape leaves it as it was."""

    CSS = "NoteScreen { align: center middle; } #note { width: 80%; border: round $accent; }"
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, note: str, placeholder: str = "a note for this statement (Enter saves, Escape cancels)"):
        super().__init__()
        self.note = note
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        yield Input(self.note, placeholder=self.placeholder, id="note")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())


class ReviewApp(App[ReviewSummary]):
    """Review a loaded queue (:func:`load_queue`) one statement at a time; decisions go to ``store``."""

    TITLE = "smgov review"
    CSS = """
    #progress { height: 1; padding: 0 1; background: $primary-background; }
    #body { height: 1fr; padding: 1 2; }
    #text { text-style: bold; margin-bottom: 1; }
    #meta { color: $text-muted; margin-bottom: 1; }
    #suggestion { margin-bottom: 1; }
    #choice { border: round $accent; padding: 0 1; margin-bottom: 1; height: auto; }
    #examples { color: $text-muted; }
    #help { height: auto; padding: 0 1; background: $boost; }
    """
    BINDINGS = [
        Binding("a", "accept", "Save shown"),
        *[
            Binding(key, f"set_layer('{key}')", f"layer {key}", show=True,
                    group=Binding.Group("Layer", compact=True))
            for key in LAYER_KEYS
        ],
        *[
            Binding(key, f"set_type('{key}')", TYPES[i], show=True, group=Binding.Group("Type", compact=True))
            for i, key in enumerate(TYPE_KEYS)
        ],
        Binding("x", "not_statement", "Not a statement"),
        Binding("n", "note", "Note"),
        Binding("m", "own_idea", "Own idea"),
        Binding("i", "join_idea", "Join idea"),
        Binding("space", "skip", "Skip"),
        Binding("u", "undo", "Undo"),
        Binding("q", "quit_review", "Quit"),
    ]

    def __init__(self, queue: pd.DataFrame, store: DecisionStore, reviewer: str | None = None,
                 ideas: dict[str, str] | None = None):
        super().__init__()
        self.ideas = ideas if ideas is not None else idea_members(queue)  # idea id -> a member's text_hash
        self.queue = queue.reset_index(drop=True)
        self.rows: list[dict] = self.queue.to_dict("records")
        self.store = store
        self.reviewer = reviewer or default_reviewer()
        self.position = 0
        self.error: SmgovError | None = None
        self._steps: list[Step] = []
        self._skipped: set[int] = set()
        self._undone = 0
        self._pending: dict[str, str] = {}  # layer, type, note and idea_with of the statement shown
        self._touched: set[str] = set()

    # layout

    def compose(self) -> ComposeResult:
        yield Static(id="progress", markup=False)
        with VerticalScroll(id="body"):
            yield Static(id="text", markup=False)
            yield Static(id="meta", markup=False)
            yield Static(id="suggestion", markup=False)
            yield Static(id="choice", markup=False)
            yield Static(id="examples", markup=False)
        yield Static(Content(HELP_KEYS + "\n" + HELP_LEGEND), id="help", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._show()

    @property
    def done(self) -> bool:
        return self.position >= len(self.rows)

    @property
    def current(self) -> dict | None:
        return None if self.done else self.rows[self.position]

    def summary(self) -> ReviewSummary:
        decided = {step.index for step in self._steps}
        return summarize(self._steps, total=len(self.rows), skipped=len(self._skipped - decided), undone=self._undone,
                         store_path=self.store.path, already_decided=int(self.queue.attrs.get("already_decided", 0)))

    def _show(self) -> None:
        self.refresh_bindings()  # statement keys go off once the queue is finished
        summary = self.summary()
        progress = f"{min(self.position + 1, len(self.rows))} of {len(self.rows)} · most uncertain first · " \
                   f"saved {summary.decided} · skipped {summary.skipped} · reviewer {self.reviewer}"
        self.query_one("#progress", Static).update(Content(progress))
        row = self.current
        if row is None:
            self.query_one("#text", Static).update(Content("Queue finished."))
            self.query_one("#meta", Static).update(Content(
                f"{summary.decided} saved to {self.store.path}, {summary.skipped} skipped. "
                "Press u to undo the last decision or q to quit."
            ))
            for name in ("suggestion", "choice", "examples"):
                self.query_one(f"#{name}", Static).update("")
            return
        self._pending = {"layer": row["layer"], "type": row["type"], "note": "", "idea_with": "", "idea": ""}
        self._touched = set()
        self.query_one("#text", Static).update(Content(row["text"]))
        meta = [f"lang {row['lang'] or 'und'}"]
        meta += [f"{name} {row[name]}" for name in PROVENANCE if str(row.get(name, "")).strip()]
        if row.get("model_version"):
            meta.append(f"model {row['model_version']}")
        self.query_one("#meta", Static).update(Content(" · ".join(meta)))
        self.query_one("#suggestion", Static).update(self._suggestion(row))
        self._show_choice()
        examples = nearest_examples(row.get("nearest_examples", ""))
        self.query_one("#examples", Static).update(
            Content("Nearest hand-coded examples:\n" + "\n".join(f"  • {e}" for e in examples)) if examples
            else Content("No nearest examples in the queue.")
        )

    def _suggestion(self, row: dict) -> Content:
        def line(head: str, value: str, conf: float, runner: str, runner_conf: float) -> str:
            name = _layer_name if head == "layer" else _type_name
            text = f"Suggested {head:<5} {_fmt_conf(conf)}  {name(value)}"
            if runner:
                text += f"   runner-up {_fmt_conf(runner_conf)} {name(runner)}"
            return text

        return Content("\n".join([
            line("layer", row["layer"], row["layer_confidence"], row["layer_runner_up"],
                 row["layer_runner_up_confidence"]),
            line("type", row["type"], row["type_confidence"], row["type_runner_up"],
                 row["type_runner_up_confidence"]),
        ]))

    def _show_choice(self) -> None:
        row = self.current
        if row is None:
            return
        parts: list[str | tuple[str, str]] = ["Your decision"]
        for head, name in (("layer", _layer_name), ("type", _type_name)):
            value = self._pending[head]
            mark = "changed" if value != row[head] else ("set" if head in self._touched else "suggested")
            style = "bold underline" if mark == "changed" else ("bold" if mark == "set" else "")
            parts += [f"\n  {head:<5}  ", (name(value), style), f"  [{mark}]"]
        if self._pending["idea_with"] == OWN_IDEA:
            parts += ["\n  idea   ", ("an idea of its own", "bold"), "  [m to undo]"]
        elif self._pending["idea_with"]:
            parts += ["\n  idea   ", (f"joins idea {self._pending['idea']}", "bold"), "  [i, then Enter on an empty line, to undo]"]
        if self._pending["note"]:
            parts += ["\n  note   ", self._pending["note"]]
        self.query_one("#choice", Static).update(Content.assemble(*parts))

    # actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that act on a statement are off (shown dimmed) once the queue is finished."""
        return None if self.done and action in _STATEMENT_ACTIONS else True

    def action_set_layer(self, key: str) -> None:
        self._set("layer", LAYER_KEYS[key])

    def action_set_type(self, key: str) -> None:
        self._set("type", TYPE_KEYS[key])

    def _set(self, head: str, value: str) -> None:
        self._pending[head] = value
        self._touched.add(head)
        if self._touched == {"layer", "type"}:
            self._save()
        else:
            self._show_choice()

    def action_accept(self) -> None:
        missing = [head for head in ("layer", "type") if not self._pending[head]]
        if missing:
            keys = "1-6" if missing[0] == "layer" else "r/b/s"
            self.notify(f"no suggested {missing[0]} for this statement: press {keys} to set it", severity="warning")
            return
        self._save()

    def action_not_statement(self) -> None:
        self._save(NOT_STATEMENT)

    def action_own_idea(self) -> None:
        self._pending["idea_with"] = "" if self._pending["idea_with"] == OWN_IDEA else OWN_IDEA
        self._show_choice()

    def action_join_idea(self) -> None:
        position = self.position

        def keep(typed: str | None) -> None:
            if typed is None or position != self.position:
                return
            row = self.rows[position]
            target = self.ideas.get(typed.casefold(), "")
            if typed and (not target or target == row["text_hash"]):
                known = "it is this statement's own idea" if typed.casefold() == str(row.get("idea_id", "")).casefold() \
                    else "no statement of the queue or of statements.csv beside it has that idea id"
                self.notify(f"cannot join idea {typed!r}: {known}", severity="warning")
                return
            self._pending["idea_with"], self._pending["idea"] = (target, typed) if typed else ("", "")
            self._show_choice()

        self.push_screen(NoteScreen(self._pending["idea"], "id of the idea this statement belongs to, e.g. I003 "
                                                          "(Enter keeps, empty clears, Escape cancels)"), keep)

    def action_note(self) -> None:
        position = self.position

        def keep(note: str | None) -> None:
            if note is not None and position == self.position:
                self._pending["note"] = note
                self._show_choice()

        self.push_screen(NoteScreen(self._pending["note"]), keep)

    def _save(self, verdict: str | None = None) -> None:
        decision = decision_for(self.rows[self.position], self._pending["layer"], self._pending["type"],
                                verdict=verdict, note=self._pending["note"], idea_with=self._pending["idea_with"],
                                reviewer=self.reviewer, via="tui")
        try:
            self._steps += record(self.store, [(self.position, decision)])  # reads only rows appended since
        except (SmgovError, OSError) as exc:
            self._fail(exc)
            return
        self.position += 1
        self._show()

    def action_skip(self) -> None:
        self._skipped.add(self.position)
        self.position += 1
        self._show()

    def action_undo(self) -> None:
        if not self._steps:
            self.notify("nothing to undo in this session", severity="warning")
            return
        step = self._steps[-1]
        try:
            self.store.append([restore_for(step, self.reviewer)])
        except (SmgovError, OSError) as exc:
            self._fail(exc)
            return
        self._steps.pop()
        self._undone += 1
        self.position = step.index
        self._skipped.discard(step.index)
        self._show()
        self.notify("undone: this statement is back to its previous state")

    def action_quit_review(self) -> None:
        self.exit(self.summary())

    def _fail(self, exc: Exception) -> None:
        self.error = exc if isinstance(exc, SmgovError) else SmgovError(
            f"cannot write {str(self.store.path)!r} ({exc})", "check the folder is writable and has space"
        )
        self.exit(self.summary(), return_code=1)


def _has_terminal() -> bool:
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout))


def run_review(
    queue_path: str | Path, data_dir: Path | str | None = None, reviewer: str | None = None
) -> ReviewSummary:
    """Review ``queue_path`` in the terminal; every decision is appended to the store at once.

    Returns a summary with ``nothing_to_review=True`` (without opening the screen) when
    every statement of the queue is blank or already decided. Raises :class:`SmgovError`
    for a bad queue, or when stdin/stdout is not a terminal.
    """
    store = DecisionStore(data_dir)
    queue = load_queue(queue_path, store.data_dir)
    if queue.empty:
        return ReviewSummary(
            store_path=store.path, nothing_to_review=True, already_decided=queue.attrs.get("already_decided", 0)
        )
    if not _has_terminal():
        raise SmgovError(
            "no terminal to review in (stdin or stdout is not a TTY)",
            "run smgov review in a terminal, or use --export review.xlsx to review in a spreadsheet",
        )
    app = ReviewApp(queue, store, reviewer, ideas=idea_members(queue, queue_path))
    app.run()
    if app.error is not None:
        raise app.error
    return app.summary()
