"""``segment_file`` / ``segment_text``: whole notes files in, statements out (sections, preamble, items, groups)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from conftest import REPO

import smgov_nlp.workflows.precode as precode
from smgov_nlp.transcripts.segment import MetadataLine, Statement, segment_file, segment_notes, segment_text

SPANISH_NOTES = """\
Taller: Redes sociales en el gobierno
Secretaría: Secretaría de Finanzas
Fecha: 12 de marzo de 2012
Mesa 2

1. ¿Cuáles son los principales riesgos?
- Falta de personal capacitado para manejar las cuentas oficiales.
- Críticas de los ciudadanos. No hay protocolo para responder.
  sobre todo en fines de semana
* Costo vs. beneficio no es claro (3)

2. ¿Qué beneficios ven?
1) Mayor cercanía con la ciudadanía
2) Difusión rápida de alertas, p. ej. lluvias, etc. en tiempo real.

**Estrategias**
• Capacitar al personal
a) Lineamientos claros para publicar

Otros comentarios:
- Ninguno por ahora
"""

ENGLISH_MD = """\
# Workshop notes: social media in government

Facilitator: J. Smith
Group: B

## Perceived risks
* Loss of control over the message when posts go viral.
* Staff spend too much time answering comments
  during weekends and holidays.

## What are the main benefits?
* Faster communication with citizens, e.g. during emergencies.

## Strategic components
* Write a social media policy. Train the staff who manage the accounts.

## Notes
* The group ran out of time
"""

EXAMPLES = REPO / "data" / "examples"


def rows(statements: list[Statement]) -> list[tuple]:
    return [(s.line, s.type, s.section, s.text) for s in statements]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_spanish_txt_sections_items_and_sentences(tmp_path):
    statements = segment_file(write(tmp_path, "mesa_notas.txt", SPANISH_NOTES))
    risk, benefit = "¿Cuáles son los principales riesgos?", "¿Qué beneficios ven?"
    assert rows(statements) == [
        (7, "risk", risk, "Falta de personal capacitado para manejar las cuentas oficiales."),
        (8, "risk", risk, "Críticas de los ciudadanos."),
        (8, "risk", risk, "No hay protocolo para responder. sobre todo en fines de semana"),
        (10, "risk", risk, "Costo vs. beneficio no es claro (3)"),
        (13, "benefit", benefit, "Mayor cercanía con la ciudadanía"),
        (14, "benefit", benefit, "Difusión rápida de alertas, p. ej. lluvias, etc. en tiempo real."),
        (17, "strategy", "Estrategias", "Capacitar al personal"),
        (18, "strategy", "Estrategias", "Lineamientos claros para publicar"),
        (21, None, "Otros comentarios", "Ninguno por ahora"),
    ]
    assert {s.group for s in statements} == {"2"}
    assert {s.file for s in statements} == {"mesa_notas.txt"}
    assert statements[0].lang == "es"
    assert not any("Secretaría" in s.text or "Fecha" in s.text for s in statements)


def test_english_md_with_hash_headings(tmp_path):
    statements = segment_file(write(tmp_path, "mesa2_notes.md", ENGLISH_MD))
    assert rows(statements) == [
        (7, "risk", "Perceived risks", "Loss of control over the message when posts go viral."),
        (8, "risk", "Perceived risks", "Staff spend too much time answering comments during weekends and holidays."),
        (12, "benefit", "What are the main benefits?", "Faster communication with citizens, e.g. during emergencies."),
        (15, "strategy", "Strategic components", "Write a social media policy."),
        (15, "strategy", "Strategic components", "Train the staff who manage the accounts."),
    ]  # "The group ran out of time" (line 18) is a remark about the workshop: metadata, not a statement
    assert {s.group for s in statements} == {"B"}
    assert {s.lang for s in statements} == {"en"}


def test_unknown_heading_items_are_coded_with_a_model_type(tmp_path, monkeypatch):
    """Finding 5: "Otros comentarios:" (and "Other comments" alone before bullets) is a heading, not a strategy."""
    notes = ("Estrategias\n- Capacitar al personal\n\nOtros comentarios:\n- El portal es lento\n\n"
             "Other comments\n- Citizens like the videos\n")
    path = write(tmp_path, "mesa.txt", notes)
    assert [(s.type, s.section, s.text) for s in segment_file(path)] == [
        ("strategy", "Estrategias", "Capacitar al personal"),
        (None, "Otros comentarios", "El portal es lento"),
        (None, "Other comments", "Citizens like the videos"),
    ]

    def predict(model, texts, runner_up=False, k=3, **policy):  # the model calls both "benefit"
        return pd.DataFrame({
            "lang": "es", "layer": "technology", "layer_confidence": 0.9, "type": "benefit",
            "type_confidence": 0.9, "needs_review": False, "review_reason": "", "matched_idea": "", "error_risk": 0.1,
            "nearest_examples": [[] for _ in texts],
            "layer_runner_up": "information_data", "layer_runner_up_confidence": 0.1,
            "type_runner_up": "risk", "type_runner_up_confidence": 0.1}, index=range(len(texts)))

    monkeypatch.setattr(precode, "predict_statements", predict)
    stub = SimpleNamespace(thresholds={"layer": 0.5, "type": 0.5}, version="stub@0")
    coded = precode.code_statements(precode.segment_files([path]), stub, data_dir=tmp_path)
    assert coded[["type", "type_source"]].values.tolist() == [
        ["strategy", "section"], ["benefit", "model"], ["benefit", "model"]]


def test_segment_notes_keeps_title_preamble_and_metadata_lines(tmp_path):
    notes = segment_notes(write(tmp_path, "mesa_notas.txt", SPANISH_NOTES))
    assert notes.statements == segment_file(tmp_path / "mesa_notas.txt")
    assert [(m.kind, m.line, m.text) for m in notes.metadata] == [
        ("title", 1, "Taller: Redes sociales en el gobierno"),
        ("preamble", 2, "Secretaría: Secretaría de Finanzas"),
        ("preamble", 3, "Fecha: 12 de marzo de 2012"),
        ("preamble", 4, "Mesa 2"),
    ]
    english = segment_notes(write(tmp_path, "mesa2_notes.md", ENGLISH_MD))
    assert english.metadata[-1] == MetadataLine("The group ran out of time", "remark", "mesa2_notes.md", 18)


def test_segment_text_matches_segment_file(tmp_path):
    from_file = segment_file(write(tmp_path, "mesa_notas.txt", SPANISH_NOTES))
    assert segment_text(SPANISH_NOTES, file="mesa_notas.txt") == from_file


def test_statement_is_frozen():
    statement = segment_text("Riesgos\n- a b c\n")[0]
    with pytest.raises(AttributeError):
        statement.text = "x"  # type: ignore[misc]


def test_no_statements_is_a_warning_not_an_error(caplog):
    assert segment_text("Riesgos:\n\n", file="vacio.txt") == []
    assert "vacio.txt: no statements found" in caplog.text


def test_example_notes():
    """The three example files of data/examples: sections found, preamble dropped, groups read."""
    names = ("mesa1_notas.txt", "mesa2_notes.md", "mesa3_notas.docx")
    by_file = {name: segment_file(EXAMPLES / name) for name in names}
    summary = {
        name: (len(st), [sum(s.type == t for s in st) for t in ("risk", "benefit", "strategy", None)],
               {s.group for s in st}, {s.lang for s in st})
        for name, st in by_file.items()
    }
    assert summary == {
        "mesa1_notas.txt": (33, [12, 11, 10, 0], {"1"}, {"es"}),
        "mesa2_notes.md": (30, [10, 10, 10, 0], {"2"}, {"en"}),
        "mesa3_notas.docx": (26, [9, 8, 9, 0], {"3"}, {"es"}),
    }
    mesa1, mesa2, mesa3 = by_file.values()
    assert (mesa1[0].line, mesa1[0].section, mesa1[0].text) == (
        7, "¿Cuáles son los principales riesgos?",
        "Robo de identidad: que alguien abra una cuenta falsa a nombre de la Secretaría")
    assert [(s.line, s.text) for s in mesa1 if s.line == 9] == [
        (9, "Falta de capacitación del personal que opera las cuentas."),
        (9, "Nadie en el área ha tomado un curso sobre redes sociales.")]
    assert (mesa1[-1].line, mesa1[-1].type, mesa1[-1].section) == (43, "strategy", "Lineamientos estratégicos")
    assert [(s.line, s.lang, s.text) for s in mesa2 if s.line == 22] == [
        (22, "en", "Greater transparency."), (22, "en", "Citizens can follow what the agency does day to day.")]
    assert (mesa3[0].line, mesa3[0].section, mesa3[0].text) == (
        5, "Riesgos percibidos", "Suplantación de identidad con perfiles falsos")
    assert (mesa3[6].line, mesa3[6].text) == (11, "Presupuesto limitado para el proyecto")  # "• " typed by hand
    preamble = ("Taller", "Workshop", "Secretari", "Fecha", "Date", "Rapporteur", "Mesa", "Group")
    assert not [s.text for st in by_file.values() for s in st if s.text.startswith(preamble)]
