"""``smgov review --import FILE.qdpx``: people's codings come back as their decisions; bad files fail cleanly."""

from __future__ import annotations

import sys
import zipfile

import pytest
from typer.testing import CliRunner

from qda.conftest import NOTES, coded_frame, layer_guid, recode, type_guid, write_small
from smgov_nlp.cli import app, main
from smgov_nlp.qda.codebook import guid
from smgov_nlp.qda.importing import import_qdpx
from smgov_nlp.review.decision import Decision
from smgov_nlp.review.store import DecisionStore

PERFILES = "Los perfiles falsos se hacen pasar por la dependencia y engañan a la ciudadanía."
AVISOS = "La ciudadanía recibe avisos rápidos"
TRANSPARENCIA = "Hay más transparencia en los trámites"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run_import(runner, qdpx, data, *extra):
    return runner.invoke(app, ["review", "--import", str(qdpx), "--data", str(data), *extra])


def test_a_persons_recoding_comes_back_as_their_decision(small, tmp_path, runner):
    coded = recode(small.project, tmp_path / "coded.qdpx", "Ana López",
                   [(PERFILES, layer_guid("technology")), (PERFILES, type_guid("risk")),
                    (AVISOS, layer_guid("technology")), (AVISOS, type_guid("benefit"))])
    result = run_import(runner, coded, tmp_path / "data")
    assert result.exit_code == 0, result.output
    assert "imported 2 decisions by Ana López (1 accepted, 1 corrected" in result.output
    assert "batch " in result.output
    latest = DecisionStore(tmp_path / "data").latest()
    by_text = {d.text: d for d in latest.values()}
    assert set(by_text) == {PERFILES, AVISOS}
    changed = by_text[PERFILES]
    assert (changed.layer, changed.type, changed.decision, changed.via, changed.reviewer) == \
        ("technology", "risk", "correct", "qdpx", "Ana López")
    assert (changed.suggested_layer, changed.suggested_type, changed.model_version) == \
        ("information_data", "risk", "stub@000000000000")
    assert by_text[AVISOS].decision == "accept"
    again = run_import(runner, coded, tmp_path / "data")  # a re-import records nothing new
    assert "imported 0 decisions" in again.output and "2 already recorded" in again.output


def test_a_layer_only_recode_keeps_the_models_type_and_says_so(small, tmp_path):
    coded = recode(small.project, tmp_path / "coded.qdpx", "Ana", [(TRANSPARENCIA, layer_guid("technology"))])
    result = import_qdpx(coded, data_dir=tmp_path / "data")
    assert (result.corrected, result.kept) == (1, 1)
    (decision,) = DecisionStore(tmp_path / "data").latest().values()
    assert (decision.layer, decision.type) == ("technology", "benefit")
    assert decision.note == "qdpx: layer recoded only; type kept as the model suggested"


def test_reviewer_overrides_the_user_name_and_dry_run_writes_nothing(small, tmp_path, runner):
    coded = recode(small.project, tmp_path / "coded.qdpx", "Ana", [(AVISOS, layer_guid("general_context"))])
    dry = run_import(runner, coded, tmp_path / "data", "--dry-run")
    assert dry.exit_code == 0 and "dry run: would import 1 decisions by Ana" in dry.output
    assert not (tmp_path / "data" / "reviewed.csv").exists()
    result = run_import(runner, coded, tmp_path / "data", "--reviewer", "Equipo 3")
    assert result.exit_code == 0
    (decision,) = DecisionStore(tmp_path / "data").latest().values()
    assert decision.reviewer == "Equipo 3"
    batch = result.output.split("batch ")[1].split()[0]
    undo = runner.invoke(app, ["review", "--undo-import", batch, "--data", str(tmp_path / "data")])
    assert undo.exit_code == 0 and not DecisionStore(tmp_path / "data").latest()


def test_unknown_codes_are_listed_not_guessed(small, tmp_path, runner):
    costs = guid("test", "costs")
    coded = recode(small.project, tmp_path / "coded.qdpx", "Ana", [(AVISOS, costs)], extra_codes={costs: "Costs"})
    result = run_import(runner, coded, tmp_path / "data")
    assert result.exit_code == 0
    assert "1 codings use codes that are neither a layer nor a type nor an idea" in result.output
    assert "'Costs' (1)" in result.output
    assert not DecisionStore(tmp_path / "data").latest()


def test_codes_from_another_codebook_are_matched_by_name_in_either_language(small, tmp_path):
    mine = {guid("t", "1"): "TECNOLOGÍA", guid("t", "2"): "beneficios", guid("t", "3"): "Institutional Framework",
            guid("t", "4"): "Riesgo"}
    keys = list(mine)
    coded = recode(small.project, tmp_path / "coded.qdpx", "Ana",
                   [(AVISOS, keys[0]), (AVISOS, keys[1]), (PERFILES, keys[2]), (PERFILES, keys[3])],
                   extra_codes=mine)
    import_qdpx(coded, data_dir=tmp_path / "data")
    by_text = {d.text: (d.layer, d.type) for d in DecisionStore(tmp_path / "data").latest().values()}
    assert by_text == {AVISOS: ("technology", "benefit"), PERFILES: ("institutional_framework", "risk")}


def test_two_layers_from_one_person_are_reported_not_recorded(small, tmp_path):
    coded = recode(small.project, tmp_path / "coded.qdpx", "Ana",
                   [(AVISOS, layer_guid("technology")), (AVISOS, layer_guid("general_context"))])
    result = import_qdpx(coded, data_dir=tmp_path / "data")
    assert result.imported == 0 and "coded with 2 layers" in result.invalid[0]


def test_selections_matching_no_statement_are_counted_and_reported(small, tmp_path, runner):
    coded = recode(small.project, tmp_path / "coded.qdpx", "Ana", [(AVISOS, layer_guid("technology"))])
    with zipfile.ZipFile(coded) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    qde = files["project.qde"].decode("utf-8")
    # a person's selection of the title line, which is no statement (no description: made in the tool)
    extra = (f'<PlainTextSelection guid="{guid("t", "sel")}" startPosition="0" endPosition="6">'
             f'<Coding guid="{guid("t", "c")}" creatingUser="{guid("test-user", "Ana")}">'
             f'<CodeRef targetGUID="{layer_guid("technology")}"/></Coding></PlainTextSelection></TextSource>')
    files["project.qde"] = qde.replace("</TextSource>", extra, 1).encode("utf-8")
    with zipfile.ZipFile(coded, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    result = run_import(runner, coded, tmp_path / "data")
    assert result.exit_code == 0, result.output
    assert "1 coded selections match no statement" in result.output and "'Taller'" in result.output
    assert "imported 1 decisions" in result.output


def test_a_project_coded_by_hand_elsewhere_becomes_training_rows(tmp_path):
    """No smgov selection in it: each selection's text is the statement."""
    from smgov_nlp.review.store import load_reviewed_examples

    text = "Los datos personales se filtran\nHay que capacitar al personal\n"
    user, source = guid("u", "x"), guid("s", "x")
    qde = (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="NVivo">'
           f'<Users><User guid="{user}" name="María"/></Users><CodeBook><Codes>'
           f'<Code guid="{guid("c", "1")}" name="Información y datos" isCodable="true"/>'
           f'<Code guid="{guid("c", "2")}" name="Riesgos" isCodable="true"/></Codes></CodeBook><Sources>'
           f'<TextSource guid="{source}" name="t.txt" plainTextPath="internal://{source}.txt">'
           f'<PlainTextSelection guid="{guid("s", "1")}" startPosition="0" endPosition="31">'
           f'<Coding guid="{guid("k", "1")}" creatingUser="{user}"><CodeRef targetGUID="{guid("c", "1")}"/></Coding>'
           f'<Coding guid="{guid("k", "2")}" creatingUser="{user}"><CodeRef targetGUID="{guid("c", "2")}"/></Coding>'
           f'</PlainTextSelection></TextSource></Sources></Project>')
    path = tmp_path / "hand.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr(f"sources/{source}.txt", text)
    result = import_qdpx(path, data_dir=tmp_path / "data")
    assert (result.corrected, result.people) == (1, ("María",))
    examples = load_reviewed_examples(tmp_path / "data")
    assert examples[["text", "layer", "type"]].values.tolist() == [
        ["Los datos personales se filtran", "information_data", "risk"]]


# --- bad input: one line, non-zero exit, reviewed.csv untouched ----------------------------------


def broken(tmp_path, kind: str, small) -> object:
    path = tmp_path / f"{kind}.qdpx"
    if kind == "not-a-zip":
        path.write_text("hello", encoding="utf-8")
        return path
    with zipfile.ZipFile(small.project) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    if kind == "no-qde":
        files.pop("project.qde")
    elif kind == "bad-xml":
        files["project.qde"] = files["project.qde"][:-40]
    elif kind == "missing-source":
        files = {name: data for name, data in files.items() if not name.startswith("sources/")}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(("kind", "message"), [
    ("not-a-zip", "it is not a zip file"), ("no-qde", "has no project.qde"),
    ("bad-xml", "project.qde is not valid XML"), ("missing-source", "which is not in the zip"),
])
def test_a_bad_qdpx_is_a_one_line_error_and_leaves_reviewed_csv_untouched(small, tmp_path, kind, message,
                                                                          monkeypatch, capsys):
    data = tmp_path / "data"
    data.mkdir()
    store = data / "reviewed.csv"
    recode(small.project, tmp_path / "ok.qdpx", "Ana", [(AVISOS, layer_guid("technology"))])
    import_qdpx(tmp_path / "ok.qdpx", data_dir=data)
    before = store.read_bytes()
    code, err = run_main(["review", "--import", str(broken(tmp_path, kind, small)), "--data", str(data)],
                         monkeypatch, capsys)
    assert code != 0
    assert message in err and err.startswith("error: ")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert store.read_bytes() == before


def run_main(args, monkeypatch, capsys) -> tuple[int, str]:
    """The console script in-process: its exit code and stderr."""
    monkeypatch.setattr(sys, "argv", ["smgov", *args])
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("SMGOV_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_:
        main()
    return exit_.value.code, capsys.readouterr().err


def test_decisions_exported_from_reviewed_csv_are_not_recorded_again(tmp_path):
    """A decision exported as the reviewer's coding comes back as the same decision: nothing new is recorded."""
    data = tmp_path / "data"
    DecisionStore(data).append([Decision.new(AVISOS, "technology", "benefit", reviewer="Ana",
                                             suggested_layer="general_context", suggested_type="benefit")])
    notes = tmp_path / "src" / "taller.md"
    notes.parent.mkdir()
    notes.write_text(NOTES, encoding="utf-8")
    coded = coded_frame([notes])
    decided = coded["text"] == AVISOS
    coded.loc[decided, ["layer_source", "type_source"]] = ["human", "human"]
    written = write_small(tmp_path / "out", coded=coded, reviewers={d: "Ana" for d in coded.loc[decided, "text_hash"]})
    result = import_qdpx(written.project, data_dir=data)
    assert (result.imported, result.already_recorded) == (0, 1)


def test_idea_codings_by_people_are_counted_not_imported(small, tmp_path, runner):
    from smgov_nlp.qda.codebook import idea_code_guid

    ideas = small.coded.drop_duplicates("idea_id")
    idea = idea_code_guid(ideas["idea_id"].iloc[1], ideas["text"].iloc[1])
    coded = recode(small.project, tmp_path / "coded.qdpx", "Ana", [(AVISOS, idea)])
    result = run_import(runner, coded, tmp_path / "data")
    assert result.exit_code == 0
    assert "1 codings with idea codes are not imported" in result.output
    assert "imported 0 decisions" in result.output and "neither a layer" not in result.output
