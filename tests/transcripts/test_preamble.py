"""The preamble: metadata lines, dates and the group a file names."""

from __future__ import annotations

import pytest

from smgov_nlp.transcripts.preamble import group_from, is_date, is_metadata_line
from smgov_nlp.transcripts.segment import segment_text


@pytest.mark.parametrize("line", ["Secretaría: Finanzas", "**Fecha:** 3 de mayo", "- Facilitator: J. Smith",
                                  "Mesa 2", "Group: B", "12/03/2012", "12 de marzo de 2012"])
def test_metadata_lines(line):
    assert is_metadata_line(line)


@pytest.mark.parametrize("line", ["Riesgos: falta de personal", "Mesa de ayuda saturada", "2 cuentas falsas"])
def test_content_lines_are_not_metadata(line):
    assert not is_metadata_line(line)


def test_dates():
    assert is_date("Monday 3 May")
    assert not is_date("3 cuentas")
    assert not is_date("mayo")


def test_group_from_lines():
    assert group_from("Mesa: 2") == "2"
    assert group_from("Group B") == "B"
    assert group_from("**Grupo de trabajo:** Norte") == "Norte"
    assert group_from("Mesa de ayuda saturada") is None


def test_group_from_mesa_line_and_override():
    notes = "Notas de la relatoría\nMesa 2\n\nVentajas:\n- Cercanía\n"
    assert [s.group for s in segment_text(notes, file="x.txt")] == ["2"]
    assert [s.group for s in segment_text(notes, file="x.txt", group="mesa-b")] == ["mesa-b"]
    assert [s.group for s in segment_text("Ventajas:\n- Cercanía\n", file="notas_mesa7.txt")] == ["notas_mesa7"]


def test_group_from_title():
    assert [s.group for s in segment_text("# Notas de la mesa 4\n\nRiesgos:\n- Hackeo\n")] == ["4"]


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
