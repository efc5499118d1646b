"""Reading notes files: text encodings, .docx paragraphs and tables, CSV/XLSX exports, bad inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from smgov_nlp.errors import SmgovError
from smgov_nlp.transcripts.segment import Statement, segment_file


def rows(statements: list[Statement]) -> list[tuple]:
    return [(s.line, s.type, s.section, s.text) for s in statements]


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


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


def test_csv_export_with_type_and_group_columns(tmp_path, caplog):
    csv = (
        "text,type,group\n"
        "Falta de presupuesto. No hay personal.,riesgo,Mesa A\n"
        "Better reach,benefit,\n"
        ",risk,Mesa A\n"
        "Plan de contenidos,Estrategias,Mesa B\n"
        "Sin tipo,,\n"
        "Otra cosa,opinión,\n"
    )
    statements = segment_file(write(tmp_path, "export.csv", csv))
    assert [(s.line, s.type, s.group, s.text) for s in statements] == [
        (2, "risk", "Mesa A", "Falta de presupuesto."),
        (2, "risk", "Mesa A", "No hay personal."),
        (3, "benefit", "export", "Better reach"),
        (5, "strategy", "Mesa B", "Plan de contenidos"),
        (6, None, "export", "Sin tipo"),
        (7, None, "export", "Otra cosa"),
    ]
    assert statements[0].section == "riesgo"
    assert "export.csv row 7: type 'opinión' is not one of" in caplog.text
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


def test_missing_docx_is_an_error(tmp_path):
    with pytest.raises(SmgovError, match="does not exist"):
        segment_file(tmp_path / "nada.docx")


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
