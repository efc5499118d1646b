"""Fixtures of the REFI-QDA tests: a small project written without the model, the examples' project with it,
the schemas, and a helper that codes a project as a person would in a QDA tool."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import xmlschema

from smgov_nlp.qda.codebook import PROJECT_NS, guid, label_code_guid
from smgov_nlp.qda.project import write_qda
from smgov_nlp.text import text_hash
from smgov_nlp.workflows.precode import read_notes

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SCHEMAS = HERE / "schemas"
QC = REPO / ".venv-qc" / "bin" / "qc"
EXAMPLES = [REPO / "data" / "examples" / name for name in ("mesa1_notas.txt", "mesa2_notes.md", "mesa3_notas.docx")]
NS = {"q": PROJECT_NS}
MODEL_VERSION = "stub@000000000000"

NOTES = """Taller de redes sociales

## Riesgos

- Falta presupuesto para las redes. Falta presupuesto para las redes.
- Los perfiles falsos se hacen pasar por la dependencia
  y engañan a la ciudadanía.

## Beneficios

- La ciudadanía recibe avisos rápidos
- Hay más transparencia en los trámites
"""
# text -> (layer, type) the stub "model" codes
LABELS = {
    "Falta presupuesto para las redes.": ("organizational_structure_processes", "risk"),
    "Los perfiles falsos se hacen pasar por la dependencia y engañan a la ciudadanía.": ("information_data", "risk"),
    "La ciudadanía recibe avisos rápidos": ("technology", "benefit"),
    "Hay más transparencia en los trámites": ("institutional_framework", "benefit"),
}


@pytest.fixture(scope="session")
def project_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMAS / "Project-mrt2019.xsd")


@pytest.fixture(scope="session")
def codebook_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMAS / "Codebook.xsd")


@dataclass
class Written:
    out: Path
    project: Path
    codebook: Path
    coded: pd.DataFrame
    notes: list[Path]


def coded_frame(paths: list[Path], labels: dict[str, tuple[str, str]] | None = None) -> pd.DataFrame:
    """precode's statement table for ``paths`` with fixed labels (no model): what write_qda reads."""
    statements, _ = read_notes(paths)
    labels = labels if labels is not None else LABELS
    coded = statements.copy()
    coded["layer"] = [labels.get(t, ("technology", "risk"))[0] for t in coded["text"]]
    coded["type"] = [labels.get(t, ("technology", "risk"))[1] for t in coded["text"]]
    for head in ("layer", "type"):
        coded[f"{head}_source"] = "model"
        coded[f"{head}_confidence"] = 0.8
    coded["needs_review"] = [i % 2 == 0 for i in range(len(coded))]
    coded["review_reason"] = ["layer uncertain: technology or information_data" if f else "" for f in coded["needs_review"]]
    coded["nearest_examples"] = [["t1-001: an example"] for _ in range(len(coded))]
    coded["text_hash"] = [text_hash(t) for t in coded["text"]]
    coded["decision"] = ""
    ideas = {t: f"I{i:03d}" for i, t in enumerate(dict.fromkeys(coded["text"].map(str.casefold)), start=1)}
    coded["idea_id"] = [ideas[t.casefold()] for t in coded["text"]]
    return coded


def ideas_frame(coded: pd.DataFrame) -> pd.DataFrame:
    first = coded.drop_duplicates("idea_id")
    return pd.DataFrame({"idea_id": first["idea_id"], "type": first["type"], "layer": first["layer"],
                         "mentions": [int((coded["idea_id"] == i).sum()) for i in first["idea_id"]], "groups": 1,
                         "idea_text": first["text"]})


def write_small(out: Path, notes: str = NOTES, name: str = "taller.md", coded: pd.DataFrame | None = None,
                reviewers: dict[str, str] | None = None) -> Written:
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    path.write_text(notes, encoding="utf-8")
    coded = coded_frame([path]) if coded is None else coded
    summary = write_qda(coded, ideas_frame(coded), [path], out, MODEL_VERSION, reviewers)
    return Written(out, summary.project, summary.codebook, coded, [path])


@pytest.fixture
def small(tmp_path) -> Written:
    """A small project (one transcript, six statements, a repeated one) coded by a stub model."""
    return write_small(tmp_path / "out")


@pytest.fixture(scope="session")
def example(tmp_path_factory) -> Written:
    """``run_precode`` on the three example transcripts with the default model, once per session."""
    from smgov_nlp.workflows.precode import run_precode

    out = tmp_path_factory.mktemp("qda-example")
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    try:
        run_precode(EXAMPLES, out / "out", data_dir=out / "data")
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH") if previous is None else os.environ.update(SOURCE_DATE_EPOCH=previous)
    coded = pd.read_csv(out / "out" / "statements.csv", dtype=str, keep_default_na=False)
    return Written(out / "out", out / "out" / "project.qdpx", out / "out" / "codebook.qdc", coded, EXAMPLES)


def project_root(qdpx: Path) -> ET.Element:
    with zipfile.ZipFile(qdpx) as archive:
        return ET.fromstring(archive.read("project.qde"))


def source_texts(qdpx: Path) -> dict[str, str]:
    """Source name -> its plain text, read from the zip as a client would."""
    root = project_root(qdpx)
    with zipfile.ZipFile(qdpx) as archive:
        return {s.get("name"): archive.read("sources/" + s.get("plainTextPath").removeprefix("internal://"))
                .decode("utf-8") for s in root.iter(f"{{{PROJECT_NS}}}TextSource")}


def recode(qdpx: Path, out: Path, person: str, changes: Iterable[tuple[str, str | None]],
           extra_codes: dict[str, str] | None = None) -> Path:
    """A copy of ``qdpx`` where ``person`` (a new User) coded selections, as in a QDA tool.

    ``changes`` are ``(statement text, code guid)`` pairs (``None`` as text: every selection);
    ``extra_codes`` (guid -> name) are added to the codebook first."""
    ET.register_namespace("", PROJECT_NS)
    root = project_root(qdpx)
    q = f"{{{PROJECT_NS}}}"
    user = guid("test-user", person)
    if not any(u.get("name") == person for u in root.iter(f"{q}User")):
        ET.SubElement(root.find("q:Users", NS), f"{q}User", {"guid": user, "name": person})
    codes = root.find("q:CodeBook/q:Codes", NS)
    for code_guid, name in (extra_codes or {}).items():
        ET.SubElement(codes, f"{q}Code", {"guid": code_guid, "name": name, "isCodable": "true"})
    texts = source_texts(qdpx)
    for text, code_guid in changes:
        for source in root.iter(f"{q}TextSource"):
            for selection in source.iter(f"{q}PlainTextSelection"):
                span = texts[source.get("name")][int(selection.get("startPosition")):int(selection.get("endPosition"))]
                if text is None or " ".join(span.split()) == text:
                    coding = ET.Element(f"{q}Coding", {"guid": guid("test-coding", person, selection.get("guid"),
                                                                    code_guid), "creatingUser": user})
                    ET.SubElement(coding, f"{q}CodeRef", {"targetGUID": code_guid})
                    at = [i for i, child in enumerate(selection) if child.tag == f"{q}Coding"][-1] + 1
                    selection.insert(at, coding)
    with zipfile.ZipFile(qdpx) as archive, zipfile.ZipFile(out, "w") as copy:
        for name in archive.namelist():
            data = ET.tostring(root, encoding="utf-8", xml_declaration=True) if name == "project.qde" \
                else archive.read(name)
            copy.writestr(name, data)
    return out


def layer_guid(layer: str) -> str:
    return label_code_guid("layer", layer)


def type_guid(type_: str) -> str:
    return label_code_guid("type", type_)
