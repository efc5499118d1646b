"""The decision store: where it lives, its exact file format, append-only latest-wins, crash safety, reading."""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path

import pytest

import smgov_nlp
from smgov_nlp.errors import SmgovError
from smgov_nlp.review.decision import COLUMNS, Decision
from smgov_nlp.review.store import DecisionStore, default_data_dir, load_reviewed_examples
from smgov_nlp.text import text_hash

LEGACY_HEADER = "text_hash,text,lang,layer,type,reviewer,reviewed_at,model_version,suggested_layer,suggested_type,via"
HEADER = LEGACY_HEADER + ",decision,note,batch,idea_with"


def make(text: str, layer: str = "technology", type_: str = "risk", **kw) -> Decision:
    kw.setdefault("reviewer", "ana")
    kw.setdefault("reviewed_at", "2024-05-01T09:30:00+00:00")
    kw.setdefault("lang", "es")
    kw.setdefault("model_version", "m1")
    kw.setdefault("suggested_layer", "technology")
    kw.setdefault("suggested_type", "risk")
    return Decision.new(text, layer, type_, **kw)


def texts(store: DecisionStore) -> list[str]:
    return [d.text for d in store.latest().values()]


# --- where the store lives ---------------------------------------------------------------


def test_default_data_dir_is_under_cwd_not_the_package(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_data_dir() == tmp_path / "data" / "labeled"
    store = DecisionStore()
    assert store.path == tmp_path / "data" / "labeled" / "reviewed.csv"
    assert Path(smgov_nlp.__file__).parent not in store.path.parents


def test_data_dir_that_is_a_file_is_an_error_whose_hint_names_the_data_flag(tmp_path):
    (tmp_path / "x").write_text("hi")
    with pytest.raises(SmgovError, match="is a file, expected a folder") as error:
        DecisionStore(tmp_path / "x")
    assert "pass --data with a folder" in error.value.fix
    assert "--data-dir" not in str(error.value)


# --- the file format ---------------------------------------------------------------------


def test_append_writes_exact_columns_and_rows(tmp_path):
    store = DecisionStore(tmp_path)
    store.append([make('Texto con "comillas", coma\ny salto', lang="es")])
    lines = store.path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == HEADER
    assert list(COLUMNS) == HEADER.split(",")
    history = store.history()
    assert list(history.columns) == list(COLUMNS)
    assert history.loc[0, "text"] == 'Texto con "comillas", coma\ny salto'
    assert history.loc[0, "layer"] == "technology"
    assert history.loc[0, "via"] == "tui"


def test_file_bytes_are_the_established_format(tmp_path):
    """Byte for byte what smgov writes: UTF-8, no BOM, minimal quoting, LF line ends."""
    store = DecisionStore(tmp_path)
    a = make("Uso de redes")
    b = make('Dijo "ya", y\nse fue', "information_data", "benefit", via="xlsx", note="ojo, dudoso", batch="b1",
             idea_with=a.text_hash)
    store.append([a])
    store.append([b])
    assert store.path.read_bytes() == (
        f"{HEADER}\n"
        f"{a.text_hash},Uso de redes,es,technology,risk,ana,2024-05-01T09:30:00+00:00,m1,technology,risk,tui,"
        "accept,,,\n"
        f'{b.text_hash},"Dijo ""ya"", y\nse fue",es,information_data,benefit,ana,2024-05-01T09:30:00+00:00,m1,'
        f'technology,risk,xlsx,correct,"ojo, dudoso",b1,{a.text_hash}\n'
    ).encode()


def test_append_nothing_creates_nothing(tmp_path):
    store = DecisionStore(tmp_path / "new")
    store.append([])
    assert not store.path.exists()
    assert store.latest() == {}
    assert list(store.history().columns) == list(COLUMNS)
    assert len(store.history()) == 0


def test_append_to_an_empty_or_blank_file_writes_the_header(tmp_path):
    store = DecisionStore(tmp_path)
    for existing in (b"", b"\n  \n"):
        store.path.write_bytes(existing)
        assert store.latest() == {}
        store.append([make("uno")])
        assert store.path.read_text(encoding="utf-8").startswith(HEADER + "\n")
        assert texts(store) == ["uno"]


def test_append_rejects_what_is_not_a_decision(tmp_path):
    with pytest.raises(TypeError, match="expected Decision objects, got dict"):
        DecisionStore(tmp_path).append([{"text": "uno"}])


# --- files from before the decision, note, batch and idea_with columns ----------------------


def legacy_file(folder: Path) -> tuple[Path, list[str]]:
    """An 11-column reviewed.csv as smgov wrote it before: an accept, a correction, then an undo of the correction."""
    accept, fix = text_hash("Uso de redes"), text_hash("Falta de presupuesto")
    rows = [
        f"{accept},Uso de redes,es,technology,risk,ana,2024-05-01T09:30:00+00:00,m1,technology,risk,tui",
        f"{fix},Falta de presupuesto,es,general_context,risk,ana,2024-05-01T09:31:00+00:00,m1,technology,risk,xlsx",
        f"{fix},Falta de presupuesto,es,,,ana,2024-05-01T09:32:00+00:00,m1,technology,risk,tui",
        f"{fix},Falta de presupuesto,es,institutional_framework,risk,ana,2024-05-01T09:33:00+00:00,m1,"
        "technology,risk,tui",
    ]
    path = folder / "reviewed.csv"
    path.write_text(LEGACY_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path, rows


def test_an_eleven_column_file_reads_as_it_is_and_is_upgraded_on_the_next_append(tmp_path):
    path, rows = legacy_file(tmp_path)
    before = path.read_bytes()
    store = DecisionStore(tmp_path)
    latest = store.latest()
    assert [(d.text, d.layer, d.decision, d.note, d.batch, d.idea_with) for d in latest.values()] == [
        ("Uso de redes", "technology", "accept", "", "", ""),  # layer and type as suggested
        ("Falta de presupuesto", "institutional_framework", "correct", "", "", ""),
    ]
    assert list(store.history()["decision"]) == ["accept", "correct", "", "correct"]
    assert list(store.history().columns) == list(COLUMNS)
    assert load_reviewed_examples(tmp_path)["text"].tolist() == ["Uso de redes", "Falta de presupuesto"]
    assert path.read_bytes() == before  # reading never writes

    store.append([make("Hackeo", note="revisar")])  # the first append rewrites the file once, with the new header
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER
    assert lines[1:5] == [rows[0] + ",accept,,,", rows[1] + ",correct,,,", rows[2] + ",,,,", rows[3] + ",correct,,,"]
    assert lines[5].endswith(",tui,accept,revisar,,")
    inode, upgraded = path.stat().st_ino, path.read_bytes()
    store.append([make("Otra")])  # then appends in place again
    assert path.stat().st_ino == inode and path.read_bytes().startswith(upgraded)
    assert [d.text for d in DecisionStore(tmp_path).latest().values()] == [
        "Uso de redes", "Falta de presupuesto", "Hackeo", "Otra"]


# --- import batches and idea links -------------------------------------------------------


def test_remove_batch_removes_exactly_that_batch_and_the_previous_state_returns(tmp_path):
    store = DecisionStore(tmp_path)
    first = make("Uso de redes", "technology", "risk")
    store.append([first, make("Hackeo", batch="b1")])
    store.append([make("Uso de redes", "general_context", "risk", batch="b2"), make("Robo", batch="b2", via="xlsx")])
    store.append([make("Otra", batch="b3")])
    inode = store.path.stat().st_ino
    assert store.remove_batch("b2") == 2
    assert store.path.stat().st_ino != inode  # rewritten atomically
    assert list(store.history()["text"]) == ["Uso de redes", "Hackeo", "Otra"]
    assert store.latest()[first.text_hash] == first  # back to what it was before the batch
    assert [d.text for d in DecisionStore(tmp_path).latest().values()] == ["Uso de redes", "Hackeo", "Otra"]
    store.append([make("Después")])  # and appends go on
    assert len(store.history()) == 4

    with pytest.raises(SmgovError, match=r"no rows of batch 'b2' in .*; its batches, newest first: b3, b1") as error:
        store.remove_batch("b2")
    assert "batch id printed by smgov review --import" in error.value.fix
    with pytest.raises(SmgovError, match="it has no import batches"):
        DecisionStore(tmp_path / "empty").remove_batch("b1")


def test_idea_links_and_not_statements(tmp_path):
    store = DecisionStore(tmp_path)
    a, b = make("Robo de identidad"), make("Identity theft", idea_with=text_hash("Robo de identidad"))
    own = make("Hackeo", idea_with="own")
    heading = Decision.new("Otros comentarios", decision="not_statement", reviewer="ana", note="a heading")
    store.append([a, b, own, heading])
    assert store.idea_links() == {b.text_hash: a.text_hash, own.text_hash: "own"}
    assert store.latest()[heading.text_hash].is_statement is False
    assert load_reviewed_examples(tmp_path)["text"].tolist() == ["Robo de identidad", "Identity theft", "Hackeo"]
    store.append([make("Hackeo")])  # a later decision without a link: the grouping decides again
    assert store.idea_links() == {b.text_hash: a.text_hash}


# --- append-only, latest wins ------------------------------------------------------------


def test_latest_decision_wins_and_history_keeps_all(tmp_path):
    store = DecisionStore(tmp_path)
    first = make("Falta de presupuesto", "general_context", "risk")
    other = make("Mejor comunicación", "information_data", "benefit")
    second = make("  FALTA de presupuesto ", "institutional_framework", "strategy",
                  reviewed_at="2024-05-02T10:00:00+00:00")
    store.append([first, other])
    store.append([second])
    assert len(store.history()) == 3
    latest = store.latest()
    assert list(latest) == [other.text_hash, first.text_hash]
    assert latest[first.text_hash] == second
    assert latest[first.text_hash].layer == "institutional_framework"
    assert store.get(first.text_hash) == second
    assert len(store) == 2


def test_undo_to_undecided_and_back_to_previous(tmp_path):
    store = DecisionStore(tmp_path)
    first = make("Falta de presupuesto", "general_context", "risk")
    store.append([first])
    store.append([first.undecided(reviewer="luis")])
    assert store.latest() == {}
    assert store.get(first.text_hash) is None
    last_row = store.history().iloc[-1]
    assert (last_row["layer"], last_row["type"], last_row["reviewer"]) == ("", "", "luis")
    assert load_reviewed_examples(tmp_path).empty

    second = replace(first, layer="technology", type="benefit", reviewed_at="2024-05-03T00:00:00+00:00")
    store.append([second])
    store.append([replace(first, reviewed_at="2024-05-04T00:00:00+00:00")])  # undo restores the previous state
    latest = store.latest()[first.text_hash]
    assert (latest.layer, latest.type) == ("general_context", "risk")
    assert len(store.history()) == 4


def test_appending_never_rewrites_what_is_there(tmp_path):
    store = DecisionStore(tmp_path)
    store.append([make("uno")])
    before = store.path.read_bytes()
    inode = store.path.stat().st_ino
    store.append([make("dos"), make("tres")])
    after = store.path.read_bytes()
    assert after.startswith(before) and after.count(b"\n") == before.count(b"\n") + 2
    assert store.path.stat().st_ino == inode  # appended in place, not replaced


def test_append_after_a_read_does_not_read_the_file_again(tmp_path):
    """Appending costs the same however long the store is: it only looks at the end of the file."""
    store = DecisionStore(tmp_path)
    store.append([make(f"decisión {i}") for i in range(200)])
    assert len(store.latest()) == 200
    data = store.path.read_bytes()
    header_end = data.index(b"\n") + 1
    # scribble over the rows already read (same size): a store that re-read them would fail
    store.path.write_bytes(data[:header_end] + b"x" * (len(data) - header_end - 1) + b"\n")
    store.append([make("nueva")])
    assert store.get(text_hash("nueva")).text == "nueva"
    assert store.path.read_bytes().endswith(b",tui,accept,,,\n")


def test_reading_again_parses_only_new_rows_even_from_another_writer(tmp_path):
    mine, theirs = DecisionStore(tmp_path), DecisionStore(tmp_path)
    mine.append([make("uno")])
    assert texts(mine) == ["uno"]
    theirs.append([make("dos"), make("uno", "information_data", "benefit")])
    assert mine.get(text_hash("dos")).text == "dos"
    assert mine.latest()[text_hash("uno")].layer == "information_data"
    assert texts(mine) == ["dos", "uno"]


def test_a_replaced_file_is_read_again_from_the_start(tmp_path):
    store = DecisionStore(tmp_path)
    store.append([make("uno"), make("dos")])
    assert texts(store) == ["uno", "dos"]
    other = DecisionStore(tmp_path / "other")
    other.append([make("tres")])
    os.replace(other.path, store.path)  # e.g. restored from a backup
    assert texts(store) == ["tres"]


def test_load_reviewed_examples(tmp_path):
    store = DecisionStore(tmp_path)
    a = make("Falta de presupuesto", "general_context", "risk", lang="es")
    b = make("Faster answers to citizens", "technology", "benefit", lang="en")
    store.append([a, b, b.undecided()])
    examples = load_reviewed_examples(tmp_path)
    assert list(examples.columns) == ["text", "layer", "type", "lang", "text_hash"]
    assert examples.to_dict("records") == [
        {"text": "Falta de presupuesto", "layer": "general_context", "type": "risk", "lang": "es",
         "text_hash": a.text_hash},
    ]
    empty = load_reviewed_examples(tmp_path / "none")
    assert list(empty.columns) == ["text", "layer", "type", "lang", "text_hash"] and empty.empty


# --- failed and interrupted writes --------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "reviewed.csv")


def test_failing_row_leaves_old_file_intact(tmp_path, monkeypatch):
    store = DecisionStore(tmp_path)
    store.append([make("uno")])
    before = store.path.read_bytes()
    calls = []
    row = Decision.row

    def explode(decision):
        calls.append(decision.text)
        if len(calls) == 2:
            raise OSError("disk full")
        return row(decision)

    monkeypatch.setattr(Decision, "row", explode)
    with pytest.raises(OSError, match="disk full"):
        store.append([make("dos"), make("tres")])
    assert calls == ["dos", "tres"]
    assert store.path.read_bytes() == before
    assert _leftovers(tmp_path) == []
    assert texts(store) == ["uno"]


def test_failing_first_write_leaves_no_file(tmp_path, monkeypatch):
    def no_replace(src, dst):
        raise OSError("replace failed")

    monkeypatch.setattr("os.replace", no_replace)
    store = DecisionStore(tmp_path)
    with pytest.raises(OSError, match="replace failed"):
        store.append([make("uno")])
    assert not store.path.exists()
    assert _leftovers(tmp_path) == []


def test_append_after_file_without_trailing_newline(tmp_path):
    store = DecisionStore(tmp_path)
    store.append([make("uno")])
    store.path.write_bytes(store.path.read_bytes().rstrip(b"\n"))
    assert texts(DecisionStore(tmp_path)) == ["uno"]  # a row missing only its line end is whole
    store.append([make("dos")])
    assert texts(store) == ["uno", "dos"]
    assert texts(DecisionStore(tmp_path)) == ["uno", "dos"]


CUT_TEXT = 'Falta de "protocolo", sobre\ntodo en fines de semana'


@pytest.mark.parametrize("cut", [
    "mid-text",  # inside the quoted text, after its comma
    "after-newline",  # inside the quoted text, right after its line break: ends in a newline
    "mid-date",
    "mid-idea",  # 15 fields, but the idea_with hash is cut short
    "mid-character",  # inside the two bytes of "í"
])
def test_truncated_last_line_is_ignored_with_a_warning(tmp_path, caplog, cut):
    """A crash mid-write cuts the last row short: it is ignored, never an error, and the next append is fine."""
    store = DecisionStore(tmp_path)
    kept = make("Uno", "general_context", "risk")
    overwritten = make(CUT_TEXT, "general_context", "risk", idea_with="own")
    store.append([kept, overwritten])
    whole = store.path.read_bytes()
    update = make(CUT_TEXT + " í", "technology", "benefit", text_hash=overwritten.text_hash, idea_with=kept.text_hash)
    store.append([update])
    data = store.path.read_bytes()
    last_row = data[len(whole):]
    at = {"mid-text": last_row.index(b"protocolo") + 14, "after-newline": last_row.index(b"sobre\n") + 6,
          "mid-date": last_row.index(b"2024-05") + 7, "mid-idea": len(last_row) - 2,
          "mid-character": last_row.index("í".encode()) + 1}[cut]
    store.path.write_bytes(whole + last_row[:at])

    reader = DecisionStore(tmp_path)
    with caplog.at_level(logging.WARNING, logger="smgov_nlp.review.store"):
        latest = reader.latest()
    assert latest == {kept.text_hash: kept, overwritten.text_hash: overwritten}  # the cut update is not a decision
    assert "the last row is cut off" in caplog.text
    assert len(reader.history()) == 2

    caplog.clear()
    after = make("Dos", "technology", "strategy")
    writer = DecisionStore(tmp_path)
    with caplog.at_level(logging.WARNING, logger="smgov_nlp.review.store"):
        writer.append([after])
    assert writer.path.read_bytes().endswith(b"\n" + ",".join(after.row()).encode() + b"\n")
    assert "cut off" in caplog.text
    for fresh in (writer, DecisionStore(tmp_path)):
        assert list(fresh.latest().values()) == [kept, overwritten, after]  # the new row starts on a fresh line
        assert fresh.get(overwritten.text_hash) == overwritten
    assert list(DecisionStore(tmp_path).history()["text"]) == ["Uno", CUT_TEXT, "Dos"]
    DecisionStore(tmp_path).append([make("Tres")])  # and the file stays healthy
    assert [d.text for d in DecisionStore(tmp_path).latest().values()] == ["Uno", CUT_TEXT, "Dos", "Tres"]


def test_cut_row_warning_names_the_row_once_it_is_inside_the_file(tmp_path, caplog):
    store = DecisionStore(tmp_path)
    store.append([make("uno")])
    store.path.write_bytes(store.path.read_bytes() + b"abc,Falta de pre")
    store.append([make("dos")])
    with caplog.at_level(logging.WARNING, logger="smgov_nlp.review.store"):
        assert texts(DecisionStore(tmp_path)) == ["uno", "dos"]
    assert "row 3 has 2 fields, expected 15" in caplog.text


def test_wrong_header_is_an_error(tmp_path):
    (tmp_path / "reviewed.csv").write_text("text,label\nhola,risk\n", encoding="utf-8")
    store = DecisionStore(tmp_path)
    with pytest.raises(SmgovError, match=r"has columns \['text', 'label'\], expected \['text_hash'"):
        store.append([make("uno")])
    with pytest.raises(SmgovError, match="restore reviewed.csv from a backup"):
        store.latest()
    assert (tmp_path / "reviewed.csv").read_text(encoding="utf-8") == "text,label\nhola,risk\n"


def test_invalid_row_in_file_names_the_row(tmp_path):
    store = DecisionStore(tmp_path)
    store.append([make("uno")])
    with store.path.open("a", encoding="utf-8") as fh:
        fh.write(f"{text_hash('dos')},dos,es,tech,risk,ana,2024-05-01T00:00:00+00:00,m1,,,tui,correct,,,\n")
    with pytest.raises(SmgovError, match=r"row 3 of .*reviewed.csv.*layer 'tech' is not a valid id"):
        store.latest()
    with pytest.raises(SmgovError, match="row 3 of"):  # still, on the next read
        store.get(text_hash("uno"))


def test_a_file_that_is_not_utf8_is_an_error(tmp_path):
    store = DecisionStore(tmp_path)
    store.append([make("uno")])
    store.path.write_bytes(store.path.read_bytes() + make("Información").row()[0].encode() +
                           ",Informaci\xf3n,es,technology,risk,ana,2024-05-01T00:00:00+00:00,m1,,,tui,,,,\n".encode("latin-1"))
    with pytest.raises(SmgovError, match=r"cannot read .*reviewed.csv.* as a UTF-8 CSV \(row 3 is not UTF-8\)"):
        DecisionStore(tmp_path).latest()
