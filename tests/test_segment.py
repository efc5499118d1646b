"""Tests for smgov_nlp.transcripts.segment: sections, preamble, items, sentences, groups and readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from smgov_nlp.errors import SmgovError
from smgov_nlp.transcripts.segment import Statement, section_type, segment_file, segment_text, split_sentences

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


def rows(statements: list[Statement]) -> list[tuple]:
    return [(s.line, s.type, s.section, s.text) for s in statements]


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
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
        (18, None, "Notes", "The group ran out of time"),
    ]
    assert {s.group for s in statements} == {"B"}
    assert {s.lang for s in statements} == {"en"}


def test_docx_heading_styles_and_list_bullets(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph("Relatoría del taller", style="Title")  # 1
    document.add_paragraph("Grupo: 3")  # 2
    document.add_heading("Riesgos", level=1)  # 3
    document.add_paragraph("Suplantación de cuentas oficiales", style="List Bullet")  # 4
    document.add_paragraph("Mensajes sin revisión. Errores ortográficos.", style="List Bullet")  # 5
    document.add_heading("Ventajas", level=1)  # 6
    document.add_paragraph("Retroalimentación inmediata", style="List Number")  # 7
    bold = document.add_paragraph()  # 8
    bold.add_run("Recomendaciones").bold = True
    document.add_paragraph("Crear un manual de estilo")  # 9
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Riesgos"  # 10
    table.cell(0, 1).text = "Beneficios"  # 11
    table.cell(1, 0).text = "Acoso en línea"  # 12
    table.cell(1, 1).text = "Menos costos de difusión\nMás alcance"  # 13, with a soft line break
    path = tmp_path / "mesa3_notas.docx"
    document.save(str(path))

    statements = segment_file(path)
    assert rows(statements) == [
        (4, "risk", "Riesgos", "Suplantación de cuentas oficiales"),
        (5, "risk", "Riesgos", "Mensajes sin revisión."),
        (5, "risk", "Riesgos", "Errores ortográficos."),
        (7, "benefit", "Ventajas", "Retroalimentación inmediata"),
        (9, "strategy", "Recomendaciones", "Crear un manual de estilo"),
        (12, "risk", "Riesgos", "Acoso en línea"),
        (13, "benefit", "Beneficios", "Menos costos de difusión"),
        (13, "benefit", "Beneficios", "Más alcance"),
    ]
    assert {s.group for s in statements} == {"3"}


def test_not_a_docx(tmp_path):
    path = write(tmp_path, "notes.docx", "just text, not a zip")
    with pytest.raises(SmgovError, match="not a valid .docx"):
        segment_file(path)


def test_csv_export_with_type_and_group_columns(tmp_path):
    csv = (
        "text,type,group\n"
        "Falta de presupuesto. No hay personal.,riesgo,Mesa A\n"
        "Better reach,benefit,\n"
        ",risk,Mesa A\n"
        "Plan de contenidos,Estrategias,Mesa B\n"
        "Sin tipo,,\n"
    )
    statements = segment_file(write(tmp_path, "export.csv", csv))
    assert [(s.line, s.type, s.group, s.text) for s in statements] == [
        (2, "risk", "Mesa A", "Falta de presupuesto."),
        (2, "risk", "Mesa A", "No hay personal."),
        (3, "benefit", "export", "Better reach"),
        (5, "strategy", "Mesa B", "Plan de contenidos"),
        (6, None, "export", "Sin tipo"),
    ]
    assert statements[0].section == "riesgo"
    assert segment_file(tmp_path / "export.csv", group="G1")[0].group == "G1"


def test_xlsx_export_with_section_column(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Section", "Text"])
    sheet.append(["¿Qué ventajas tiene?", "Comunicación directa"])
    sheet.append(["Lineamientos estratégicos", "- Publicar a diario\n- Medir resultados"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    statements = segment_file(path)
    assert [(s.line, s.type, s.section, s.text) for s in statements] == [
        (2, "benefit", "¿Qué ventajas tiene?", "Comunicación directa"),
        (3, "strategy", "Lineamientos estratégicos", "Publicar a diario"),
        (3, "strategy", "Lineamientos estratégicos", "Medir resultados"),
    ]


def test_missing_text_column_lists_columns(tmp_path):
    path = write(tmp_path, "bad.csv", "comentario,tipo\nalgo,riesgo\n")
    with pytest.raises(SmgovError) as info:
        segment_file(path)
    assert "expected a column 'text' in bad.csv, found ['comentario', 'tipo']" in str(info.value)


def test_empty_file_is_an_error(tmp_path):
    with pytest.raises(SmgovError, match="is empty"):
        segment_file(write(tmp_path, "vacio.txt", ""))
    with pytest.raises(SmgovError, match="is empty"):
        segment_file(write(tmp_path, "vacio.docx", ""))


def test_unknown_extension_is_an_error(tmp_path):
    with pytest.raises(SmgovError, match="expected one of"):
        segment_file(write(tmp_path, "notes.pdf", "%PDF"))


def test_latin1_txt(tmp_path):
    text = "Riesgos\n- Pérdida de información sensible\n\nBeneficios\n- Participación ciudadana\n"
    statements = segment_file(write(tmp_path, "latin.txt", text, encoding="latin-1"))
    assert rows(statements) == [
        (2, "risk", "Riesgos", "Pérdida de información sensible"),
        (5, "benefit", "Beneficios", "Participación ciudadana"),
    ]


def test_utf8_bom_and_crlf(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffRiesgos:\r\n- Hackeo de cuentas\r\n".encode())
    assert rows(segment_file(path)) == [(2, "risk", "Riesgos", "Hackeo de cuentas")]


def test_long_bullet_mentioning_risks_is_not_a_heading():
    notes = (
        "## Benefits\n"
        "- The team discussed several risks of using social media, but agreed benefits are larger\n"
        "- Risks\n"
        "- Hackers may take over an account and that is a serious risk\n"
    )
    statements = segment_text(notes)
    assert [(s.type, s.section, s.text) for s in statements] == [
        ("benefit", "Benefits",
         "The team discussed several risks of using social media, but agreed benefits are larger"),
        ("risk", "Risks", "Hackers may take over an account and that is a serious risk"),
    ]


def test_numbered_item_mentioning_risk_stays_an_item():
    notes = "Riesgos\n1. Riesgo de hackeo de cuentas oficiales\n2. Pérdida de confianza\n"
    statements = segment_text(notes)
    assert [(s.line, s.type, s.text) for s in statements] == [
        (2, "risk", "Riesgo de hackeo de cuentas oficiales"),
        (3, "risk", "Pérdida de confianza"),
    ]


def test_group_from_mesa_line_and_override():
    notes = "Notas de la relatoría\nMesa 2\n\nVentajas:\n- Cercanía\n"
    assert [s.group for s in segment_text(notes, file="x.txt")] == ["2"]
    assert [s.group for s in segment_text(notes, file="x.txt", group="mesa-b")] == ["mesa-b"]
    assert [s.group for s in segment_text("Ventajas:\n- Cercanía\n", file="notas_mesa7.txt")] == ["notas_mesa7"]


def test_no_headings_gives_untyped_statements():
    notes = (
        "# Taller de comunicación digital\n"
        "Fecha: 3 de mayo\n"
        "Facilitador: Ana\n"
        "\n"
        "- Las cuentas no tienen responsable\n"
        "Se publica poco los fines de semana\n"
        "12 de marzo de 2012\n"
    )
    statements = segment_text(notes, file="sin_titulos.txt")
    assert [(s.line, s.type, s.section, s.text) for s in statements] == [
        (5, None, "", "Las cuentas no tienen responsable"),
        (6, None, "", "Se publica poco los fines de semana"),
    ]


def test_heading_shapes_map_to_types():
    cases = {
        "Riesgos percibidos": "risk",
        "¿Cuáles son los principales riesgos?": "risk",
        "Desventajas": "risk",
        "Amenazas": "risk",
        "Challenges": "risk",
        "Oportunidades": "benefit",
        "ADVANTAGES": "benefit",
        "Lineamientos estratégicos": "strategy",
        "Propuestas": "strategy",
        "Strategic guidelines": "strategy",
        "Recommendations": "strategy",
        "Estrategias para reducir riesgos": "strategy",
        "Otros comentarios": None,
        "risk": "risk",
    }
    assert {h: section_type(h) for h in cases} == cases
    for line, expected in [("## Riesgos", "risk"), ("I. Beneficios", "benefit"), ("A) Acciones", "strategy"),
                           ("**Riesgos:**", "risk"), ("Pregunta 3: ¿Qué recomendaciones darían?", "strategy"),
                           ("Amenazas\n=======", "risk")]:
        statements = segment_text(f"{line}\n- algo concreto\n")
        assert [(s.type, s.line) for s in statements] == [(expected, 2 if "=" not in line else 3)], line


def test_sub_heading_inherits_type_of_its_section():
    notes = "## Riesgos\n### Tecnología\n- Caídas del servicio\n### Datos\n- Fugas\n## Notas\n- Nada\n"
    assert [(s.type, s.section, s.text) for s in segment_text(notes)] == [
        ("risk", "Tecnología", "Caídas del servicio"), ("risk", "Datos", "Fugas"), (None, "Notas", "Nada")]


def test_split_sentences_keeps_abbreviations():
    assert [s for _, s in split_sentences("Use tools i.e. dashboards, etc. are needed. Yes!", "en")] == [
        "Use tools i.e. dashboards, etc. are needed.", "Yes!"]
    assert [s for _, s in split_sentences("Facebook, Twitter, etc. Otra idea.", "es")] == [
        "Facebook, Twitter, etc.", "Otra idea."]
    assert split_sentences("Una sola frase", "es") == [(0, "Una sola frase")]


def test_statement_is_frozen():
    statement = segment_text("Riesgos\n- a b c\n")[0]
    with pytest.raises(AttributeError):
        statement.text = "x"  # type: ignore[misc]


EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"


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
