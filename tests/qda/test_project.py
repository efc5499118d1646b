"""The REFI-QDA export: valid against the schemas, every statement coded on its exact span, imported by qc."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import zipfile

import pytest

from qda.conftest import (
    NOTES,
    NS,
    QC,
    Written,
    coded_frame,
    layer_guid,
    project_root,
    source_texts,
    type_guid,
    write_small,
)
from smgov_nlp.labels import LAYERS, TYPES
from smgov_nlp.qda.codebook import PROJECT_NS, label_of_code, layer_name
from smgov_nlp.qda.project import write_qda
from smgov_nlp.qda.spans import same_text

Q = f"{{{PROJECT_NS}}}"


def selections(written: Written) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """(source name, span text, description, [(user name, code guid)]) of every selection."""
    root = project_root(written.project)
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{Q}User")}
    texts = source_texts(written.project)
    found = []
    for source in root.iter(f"{Q}TextSource"):
        for s in source.iter(f"{Q}PlainTextSelection"):
            span = texts[source.get("name")][int(s.get("startPosition")):int(s.get("endPosition"))]
            codings = [(users[c.get("creatingUser")], c.find("q:CodeRef", NS).get("targetGUID"))
                       for c in s.iter(f"{Q}Coding")]
            found.append((source.get("name"), span, s.find("q:Description", NS).text, codings))
    return found


def test_the_small_project_and_codebook_validate(small, project_schema, codebook_schema):
    with zipfile.ZipFile(small.project) as archive:
        project_schema.validate(archive.read("project.qde").decode("utf-8"))
        names = archive.namelist()
    codebook_schema.validate(str(small.codebook))
    assert names[0] == "project.qde" and len(names) == 2 and names[1].startswith("sources/")


def test_sources_are_plain_utf8_with_lf_and_named_by_their_guid(small):
    root = project_root(small.project)
    (source,) = root.iter(f"{Q}TextSource")
    path = source.get("plainTextPath")
    assert path == f"internal://{source.get('guid')}.txt" and source.get("name") == "taller.md"
    with zipfile.ZipFile(small.project) as archive:
        data = archive.read("sources/" + path.removeprefix("internal://"))
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data
    assert data.decode("utf-8") == small.notes[0].read_text(encoding="utf-8")


def test_every_statement_is_coded_with_layer_type_and_idea_by_the_model(small):
    found = selections(small)
    assert [" ".join(span.split()) for _, span, _, _ in found] == small.coded["text"].tolist()
    for (_, _, description, codings), row in zip(found, small.coded.to_dict("records")):
        assert f"text_hash: {row['text_hash']}" in description
        assert f"needs_review: {str(row['needs_review']).lower()}" in description
        assert "nearest coded examples: t1-001: an example" in description
        assert "confidence 0.800" in description
        assert [user for user, _ in codings] == ["smgov-nlp stub@000000000000"] * 3
        assert codings[0][1] == layer_guid(row["layer"]) and codings[1][1] == type_guid(row["type"])
    assert "review_reason: layer uncertain" in found[0][2]


def test_the_project_sets_what_importers_require(small):
    root = project_root(small.project)
    model = root.find("q:Users/q:User", NS)
    assert root.get("origin", "").startswith("smgov-nlp") and root.get("creatingUserGUID") == model.get("guid")
    for element in [*root.iter(f"{Q}PlainTextSelection"), *root.iter(f"{Q}Coding"), *root.iter(f"{Q}TextSource")]:
        assert element.get("creatingUser") == model.get("guid") and element.get("creationDateTime")


def test_the_codebook_names_layers_after_the_paper_with_ids_and_definitions(small):
    root = project_root(small.project)
    top = {c.get("name"): c for c in root.find("q:CodeBook/q:Codes", NS)}
    assert list(top) == ["Layer", "Type", "Ideas"]
    layers = top["Layer"].findall("q:Code", NS)
    assert [c.get("name") for c in layers] == [layer_name(layer) for layer in LAYERS]
    assert layers[3].get("name") == "Organizational structure and processes"
    description = layers[3].find("q:Description", NS).text
    assert description.startswith("id: organizational_structure_processes\n") and "hierarchical" in description
    assert [c.get("name") for c in top["Type"].findall("q:Code", NS)] == ["Risk", "Benefit", "Strategy"]
    ideas = top["Ideas"].findall("q:Code", NS)
    assert len(ideas) == 4 and "idea: I001" in ideas[0].find("q:Description", NS).text
    assert "mentions: 2" in ideas[0].find("q:Description", NS).text  # the repeated statement


def test_same_input_gives_a_byte_identical_project(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = write_small(tmp_path / "a").project.read_bytes()
    second = write_small(tmp_path / "b").project.read_bytes()
    assert first == second
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000001")
    assert write_small(tmp_path / "c").project.read_bytes() != first  # the date is in it


def test_a_decision_a_person_made_is_coded_by_that_person(tmp_path):
    notes = tmp_path / "out" / "taller.md"
    notes.parent.mkdir()
    notes.write_text(NOTES, encoding="utf-8")
    coded = coded_frame([notes])
    decided = coded["text"] == "Hay más transparencia en los trámites"
    coded.loc[decided, ["layer", "layer_source", "type_source"]] = ["technology", "human", "human"]
    written = write_small(tmp_path / "out", coded=coded, reviewers={coded.loc[decided, "text_hash"].iloc[0]: "Ana"})
    found = {" ".join(span.split()): codings for _, span, _, codings in selections(written)}
    assert found["Hay más transparencia en los trámites"][:2] == [("Ana", layer_guid("technology")),
                                                                  ("Ana", type_guid("benefit"))]
    assert found["Hay más transparencia en los trámites"][2][0].startswith("smgov-nlp ")  # the idea: the model's
    assert found["La ciudadanía recibe avisos rápidos"][0][0].startswith("smgov-nlp ")


def test_codes_are_recognised_by_id_or_by_name_in_either_language():
    assert label_of_code("Anything", "id: information_data\nwhatever") == ("layer", "information_data")
    assert label_of_code("Información y datos", "") == ("layer", "information_data")
    assert label_of_code("INFORMACION Y DATOS", "") == ("layer", "information_data")
    assert label_of_code("Riesgos", "") == ("type", "risk")
    assert label_of_code("Strategic components", "") == ("type", "strategy")
    assert label_of_code("Ideas", "") is None and label_of_code("Costs", "no id here") is None


# --- the examples, with the real model ---------------------------------------------------------


@pytest.mark.slow
def test_the_examples_project_and_codebook_validate(example, project_schema, codebook_schema):
    with zipfile.ZipFile(example.project) as archive:
        project_schema.validate(archive.read("project.qde").decode("utf-8"))
    codebook_schema.validate(str(example.codebook))


@pytest.mark.slow
def test_every_statement_of_the_examples_is_coded_on_its_exact_span(example):
    found = selections(example)
    assert len(found) == len(example.coded) == 89
    for (source, span, description, codings), row in zip(found, example.coded.to_dict("records")):
        assert source == row["file"]
        assert same_text(span, row["text"]), (span, row["text"])
        assert f"statement: {row['statement_id']}" in description
        assert len(codings) == 3 and codings[0][1] == layer_guid(row["layer"])
        assert codings[1][1] == type_guid(row["type"]) and row["type"] in TYPES
        assert codings[0][0].startswith("smgov-nlp default@")


@pytest.mark.slow
def test_qc_imports_the_examples_project_with_its_codings(example, tmp_path):
    if not QC.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{QC} is missing; make test installs it")
        pytest.skip(f"qc is not installed at {QC}; run make test (or make .venv-qc/bin/qc)")
    folder = tmp_path / "qc"
    folder.mkdir()
    done = subprocess.run([str(QC), "init", "--import", str(example.project)], cwd=folder, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONBREAKPOINT": "0"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in (folder / "corpus").iterdir()) == ["mesa1_notas.txt", "mesa2_notes.txt",
                                                                     "mesa3_notas.txt"]
    with sqlite3.connect(folder / "qualitative_coding.sqlite3") as db:
        coders = [name for (name,) in db.execute("select name from coder")]
        coded = db.execute("select d.document_id, cl.line, c.name from coded_line cl "
                           "join coded_line_location_association a on a.coded_line_id = cl.id "
                           "join location l on l.id = a.location_id join document_index d on d.id = l.document_index_id "
                           "join code c on c.name = cl.code_id").fetchall()
    assert coders == ["smgov-nlp default@9c0df854781f"] or (len(coders) == 1 and coders[0].startswith("smgov-nlp "))
    texts = source_texts(example.project)
    expected = set()
    root = project_root(example.project)
    names = {c.get("guid"): c.get("name") for c in root.iter(f"{Q}Code")}
    for source in root.iter(f"{Q}TextSource"):
        document = source.get("name").rsplit(".", 1)[0] + ".txt"
        for s in source.iter(f"{Q}PlainTextSelection"):
            line = texts[source.get("name")].count("\n", 0, int(s.get("startPosition")))
            for c in s.iter(f"{Q}Coding"):
                expected.add((document, line, names[c.find("q:CodeRef", NS).get("targetGUID")]))
    assert set(coded) == expected  # every coding, on its statement's line
    assert {name for _, _, name in coded} >= {layer_name(layer) for layer in ("institutional_framework",)} | {"Risk"}


@pytest.mark.slow
def test_precoding_the_examples_again_gives_a_byte_identical_project(example, tmp_path, monkeypatch):
    from smgov_nlp.workflows.precode import run_precode

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # as the example fixture
    run_precode(example.notes, tmp_path / "again", data_dir=tmp_path / "data")
    assert (tmp_path / "again" / "project.qdpx").read_bytes() == example.project.read_bytes()
    assert (tmp_path / "again" / "codebook.qdc").read_bytes() == example.codebook.read_bytes()


def test_identities_do_not_depend_on_the_order_of_the_files(tmp_path):
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    first.write_text(NOTES, encoding="utf-8")
    second.write_text("## Benefits\n\n- Citizens get faster answers\n", encoding="utf-8")

    def guids(paths, out):
        written = write_qda(coded_frame(paths), None, paths, out, "stub@0")
        root = project_root(written.project)
        return {s.get("name"): (s.get("guid"), sorted(x.get("guid") for x in s.iter(f"{Q}PlainTextSelection")))
                for s in root.iter(f"{Q}TextSource")}

    assert guids([first, second], tmp_path / "one") == guids([second, first], tmp_path / "two")
