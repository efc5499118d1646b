"""The terminal review: keys, undo, resuming, and running it from ``run_review``."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from review.conftest import S1, S2, S3, S5, S6
from smgov_nlp.errors import SmgovError
from smgov_nlp.review.decision import Decision
from smgov_nlp.review.queue import load_queue
from smgov_nlp.review.store import DecisionStore
from smgov_nlp.review.tui import ReviewApp, ReviewSummary, run_review
from smgov_nlp.text import text_hash


class _Terminal(io.StringIO):
    """A stand-in for a terminal's stdin/stdout."""

    def isatty(self) -> bool:
        return True


def pretend_terminal(monkeypatch) -> None:
    """Make stdin and stdout look like a terminal (inside the test: pytest resets sys.stdout between phases)."""
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr("sys.stdout", _Terminal())


def latest_labels(data_dir: Path) -> dict[str, tuple[str, str]]:
    return {d.text: (d.layer, d.type) for d in DecisionStore(data_dir).latest().values()}


def texts(app: ReviewApp, widget: str) -> str:
    return str(app.query_one(f"#{widget}").content)


# --- the terminal flow -------------------------------------------------------------------


def test_terminal_flow_accept_change_skip_undo_quit_and_resume(queue_csv, data_dir):
    store = DecisionStore(data_dir)
    app = ReviewApp(load_queue(queue_csv, data_dir), store, reviewer="ana")

    async def first_session():
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert texts(app, "text") == S2
            assert "taller.txt" in texts(app, "meta") and "line 2" in texts(app, "meta")
            assert "0.30  1. General context" in texts(app, "suggestion")
            assert "runner-up 0.25 2. Institutional framework" in texts(app, "suggestion")
            assert "No hay recursos" in texts(app, "examples")
            help_line = texts(app, "help")
            for hint in ("a save shown", "1-6 layer", "r/b/s type", "x not a statement", "n note", "m own idea",
                         "space skip", "u undo", "q quit"):
                assert hint in help_line

            await pilot.press("a")  # S2: accept the suggestion
            assert texts(app, "text") == S5
            await pilot.press("3")  # S5: change the layer; nothing saved until the type is confirmed
            assert texts(app, "text") == S5
            assert "[changed]" in texts(app, "choice")
            assert len(store.history()) == 1
            await pilot.press("a")
            assert texts(app, "text") == S3
            await pilot.press("s", "a")  # S3: change the type
            assert texts(app, "text") == S6
            await pilot.press("4", "r")  # S6: both heads set -> saved and next
            assert texts(app, "text") == S1
            await pilot.press("space")  # S1: skip
            assert texts(app, "text") == "Queue finished."
            await pilot.press("u")  # undo S6: back to it, marked undecided
            assert texts(app, "text") == S6
            assert "[suggested]" in texts(app, "choice")
            await pilot.press("q")

    asyncio.run(first_session())
    assert app.return_value == ReviewSummary(
        total=5, accepted=1, corrected=2, skipped=1, undone=1, store_path=data_dir / "reviewed.csv",
    )
    assert app.return_value.remaining == 2
    history = store.history()
    assert list(history["text"]) == [S2, S5, S3, S6, S6]
    assert list(history["layer"]) == [
        "general_context", "interorganizational_collaboration", "interorganizational_collaboration",
        "organizational_structure_processes", "",
    ]
    assert list(history["type"]) == ["risk", "benefit", "strategy", "risk", ""]
    assert list(history["suggested_layer"]) == [
        "general_context", "information_data", "interorganizational_collaboration", "institutional_framework",
        "institutional_framework",
    ]
    assert list(history["suggested_type"]) == ["risk", "benefit", "benefit", "strategy", "strategy"]
    assert set(history["via"]) == {"tui"}
    assert set(history["reviewer"]) == {"ana"}
    assert set(history["model_version"]) == {"smgov-0.1-test"}
    assert list(history["lang"]) == ["es", "es", "es", "es", "es"]
    assert latest_labels(data_dir) == {
        S2: ("general_context", "risk"),
        S5: ("interorganizational_collaboration", "benefit"),
        S3: ("interorganizational_collaboration", "strategy"),
    }

    # second run resumes with what is left, most uncertain first
    queue = load_queue(queue_csv, data_dir)
    assert list(queue["text"]) == [S6, S1]
    second = ReviewApp(queue, store, reviewer="luis")

    async def second_session():
        async with second.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert texts(second, "text") == S6
            await pilot.press("b", "a", "a", "q")

    asyncio.run(second_session())
    assert second.return_value.accepted == 1 and second.return_value.corrected == 1
    assert second.return_value.already_decided == 3
    labels = latest_labels(data_dir)
    assert labels[S6] == ("institutional_framework", "benefit")
    assert labels[S1] == ("technology", "benefit")
    assert len(labels) == 5
    assert len(load_queue(queue_csv, data_dir)) == 0


def test_not_a_statement_note_and_own_idea_keys(queue_csv, data_dir):
    store = DecisionStore(data_dir)
    app = ReviewApp(load_queue(queue_csv, data_dir), store, reviewer="ana")

    async def session():
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.press("n")  # S2: a note, typed in its own box (keys there are text, not commands)
            await pilot.pause()
            await pilot.press(*"a 1 x", "enter")
            await pilot.pause()
            assert "note   a 1 x" in texts(app, "choice")
            assert texts(app, "text") == S2 and len(store.history()) == 0
            await pilot.press("x")  # S2 is a heading: saved as not a statement, note kept
            assert texts(app, "text") == S5
            await pilot.press("m")  # S5: an idea of its own
            assert "an idea of its own" in texts(app, "choice")
            await pilot.press("n", "escape", "a")  # a note opened and cancelled, then saved as shown
            assert texts(app, "text") == S3
            await pilot.press("m", "m", "a", "q")  # m twice: no idea link

    asyncio.run(session())
    assert app.return_value.not_statement == 1 and app.return_value.accepted == 2 and app.return_value.decided == 3
    history = store.history()
    assert history[["text", "decision", "layer", "type", "note", "idea_with", "batch", "via"]].values.tolist() == [
        [S2, "not_statement", "", "", "a 1 x", "", "", "tui"],
        [S5, "accept", "information_data", "benefit", "", "own", "", "tui"],
        [S3, "accept", "interorganizational_collaboration", "benefit", "", "", "", "tui"],
    ]
    assert store.idea_links() == {text_hash(S5): "own"}
    assert list(load_queue(queue_csv, data_dir)["text"]) == [S6, S1]  # not a statement leaves the queue


def test_join_key_moves_a_statement_into_an_idea_named_by_its_id(queue_csv, data_dir):
    """``i`` + an idea id links the statement to a member of that idea; the id may come from statements.csv
    beside the queue (an idea whose statements were all confident is not in the queue). Unknown ids warn."""
    import pandas as pd

    confident = "Una idea segura que no está en la cola"
    queue = pd.read_csv(queue_csv).assign(idea_id=lambda f: [f"I{i:03d}" for i in range(1, len(f) + 1)])
    queue.to_csv(queue_csv, index=False)
    pd.DataFrame({"idea_id": ["I900", *queue["idea_id"]], "text": [confident, *queue["text"]]}).to_csv(
        queue_csv.with_name("statements.csv"), index=False)
    store = DecisionStore(data_dir)
    loaded = load_queue(queue_csv, data_dir)
    from smgov_nlp.review.queue import idea_members

    ideas = idea_members(loaded, queue_csv)
    assert ideas["i900"] == text_hash(confident)
    app = ReviewApp(loaded, store, reviewer="ana", ideas=ideas)
    first, second = loaded["text"][0], loaded["text"][1]
    join_second = loaded["idea_id"][1]

    async def session():
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.press("i", *"nope", "enter")  # an unknown id: nothing pending, a warning
            await pilot.pause()
            assert "joins idea" not in texts(app, "choice")
            await pilot.press("i", *join_second.lower(), "enter")
            await pilot.pause()
            assert f"joins idea {join_second.lower()}" in texts(app, "choice")
            await pilot.press("a")
            await pilot.press("i", *"I900", "enter", "a", "q")  # into an idea that only statements.csv knows

    asyncio.run(session())
    links = store.idea_links()
    assert links == {text_hash(first): text_hash(second), text_hash(second): text_hash(confident)}


def test_each_decision_is_appended_in_place(queue_csv, data_dir):
    store = DecisionStore(data_dir)
    store.append([Decision.new("Una decisión anterior", "technology", "risk", reviewer="otro")])
    before, inode = store.path.read_bytes(), store.path.stat().st_ino
    app = ReviewApp(load_queue(queue_csv, data_dir), store, reviewer="ana")
    sizes = []

    async def session():
        async with app.run_test() as pilot:
            for _ in range(3):
                await pilot.press("a")
                sizes.append(store.path.stat().st_size)
            await pilot.press("q")

    asyncio.run(session())
    after = store.path.read_bytes()
    assert after.startswith(before) and store.path.stat().st_ino == inode  # never rewritten
    assert sizes == sorted(sizes) and len(set(sizes)) == 3  # written the moment each decision is made
    assert after.count(b"\n") == before.count(b"\n") + 3


def test_undo_restores_a_previous_decision(queue_csv, data_dir):
    store = DecisionStore(data_dir)
    app = ReviewApp(load_queue(queue_csv, data_dir), store, reviewer="ana")
    # someone else decided S2 after the queue was loaded
    store.append([Decision.new(S2, "technology", "strategy", reviewer="otro")])

    async def session():
        async with app.run_test() as pilot:
            await pilot.press("a", "u", "q")

    asyncio.run(session())
    history = store.history()
    assert list(history["layer"]) == ["technology", "general_context", "technology"]
    assert list(history["reviewer"]) == ["otro", "ana", "otro"]
    assert latest_labels(data_dir) == {S2: ("technology", "strategy")}
    assert app.return_value.decided == 0 and app.return_value.undone == 1


def test_no_suggestion_needs_both_keys_and_undo_with_nothing(tmp_path, data_dir):
    path = tmp_path / "q.csv"
    path.write_text("text\nSolo texto sin sugerencia\n", encoding="utf-8")
    store = DecisionStore(data_dir)
    app = ReviewApp(load_queue(path, data_dir), store, reviewer="ana")

    async def session():
        async with app.run_test() as pilot:
            await pilot.press("u", "a")  # nothing to undo; nothing to accept
            assert not store.path.exists()
            assert texts(app, "text") == "Solo texto sin sugerencia"
            await pilot.press("1", "r", "q")

    asyncio.run(session())
    assert latest_labels(data_dir) == {"Solo texto sin sugerencia": ("general_context", "risk")}
    assert app.return_value.corrected == 1


def test_run_review_without_a_terminal(queue_csv, data_dir, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(SmgovError) as info:
        run_review(queue_csv, data_dir)
    assert str(info.value) == (
        "no terminal to review in (stdin or stdout is not a TTY); "
        "run smgov review in a terminal, or use --export review.xlsx to review in a spreadsheet"
    )
    assert not (data_dir / "reviewed.csv").exists()


def test_run_review_with_nothing_to_review(tmp_path, data_dir, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal needed when there is nothing to do
    path = tmp_path / "q.csv"
    path.write_text("text\n\nya decidido\n", encoding="utf-8")
    DecisionStore(data_dir).append([Decision.new("Ya decidido", "technology", "risk", reviewer="ana")])
    summary = run_review(path, data_dir)
    assert summary == ReviewSummary(store_path=data_dir / "reviewed.csv", nothing_to_review=True, already_decided=1)
    assert summary.decided == 0


def test_run_review_runs_the_app_and_uses_user_as_reviewer(queue_csv, data_dir, monkeypatch):
    pretend_terminal(monkeypatch)
    monkeypatch.setenv("USER", "carmen")

    def fake_run(self):
        async def drive():
            async with self.run_test() as pilot:
                await pilot.press("a", "q")

        asyncio.run(drive())

    monkeypatch.setattr(ReviewApp, "run", fake_run)
    summary = run_review(queue_csv, data_dir)
    assert (summary.total, summary.accepted, summary.corrected, summary.remaining) == (5, 1, 0, 4)
    assert list(DecisionStore(data_dir).history()["reviewer"]) == ["carmen"]


def test_run_review_surfaces_a_failed_write(queue_csv, data_dir, monkeypatch):
    pretend_terminal(monkeypatch)

    def broken_append(self, decisions):
        raise OSError("disk full")

    def fake_run(self):
        async def drive():
            async with self.run_test() as pilot:
                await pilot.press("a")

        asyncio.run(drive())

    monkeypatch.setattr(DecisionStore, "append", broken_append)
    monkeypatch.setattr(ReviewApp, "run", fake_run)
    with pytest.raises(SmgovError, match=r"cannot write .*reviewed.csv.* \(disk full\)"):
        run_review(queue_csv, data_dir, reviewer="ana")
