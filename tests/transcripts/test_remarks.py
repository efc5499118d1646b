"""Remarks about the workshop itself: which sentences they are, and that they never become statements."""

from __future__ import annotations

import logging

import pytest

from smgov_nlp.transcripts.remarks import is_remark, remark_kind
from smgov_nlp.transcripts.segment import MetadataLine, segment_notes_text, segment_text


@pytest.mark.parametrize(("text", "kind"), [
    ("La mesa pidió que se repita el taller", "request"),
    ("El grupo solicitó más tiempo para el ejercicio", "request"),
    ("Los participantes también agradecieron la invitación", "request"),
    ("The group asked for another workshop", "request"),
    ("Participants requested the slides", "request"),
    ("Se acordó enviar la relatoría a todas las mesas", "agreement"),
    ("La mesa acordó reunirse de nuevo", "agreement"),
    ("Acuerdos: repetir el taller en junio", "agreement"),
    ("It was agreed to share the notes", "agreement"),
    ("We all agreed to meet again", "agreement"),
    ("Próxima reunión: 3 de mayo", "next meeting"),
    ("La siguiente sesión será en junio", "next meeting"),
    ("Next meeting: 3 May", "next meeting"),
    ("No hubo tiempo para discutir las estrategias", "session"),
    ("Se levantó la sesión a las 13:00", "session"),
    ("The group ran out of time", "session"),
    ("The session ended at noon", "session"),
])
def test_remarks_about_the_workshop(text, kind):
    assert remark_kind(text) == kind
    assert is_remark(text.upper())  # case- and accent-insensitive


@pytest.mark.parametrize("text", [
    "Capacitar al personal antes de la próxima reunión",  # not at the start
    "Mesa de ayuda para atender a la ciudadanía",  # "mesa" without a verb of asking or agreeing
    "La mesa de ayuda pidió más personal",  # a help desk, not the table
    "Los participantes no tienen capacitación en redes",
    "Falta de acuerdos entre las áreas",
    "Acuerdo de colaboración con universidades",
    "Se propone capacitar al personal",
    "The social media team asked for more staff",  # a team of the agency, not the table
    "Next steps: train the staff",
    "Agreement with universities to train staff",
    "Staff have no time to answer comments",
])
def test_statements_that_are_not_remarks(text):
    assert remark_kind(text) is None


def test_remarks_never_become_statements(caplog):
    notes = ("Estrategias\n"
             "- Capacitar al personal\n"
             "- La mesa pidió que se repita el taller\n"
             "- Publicar lineamientos. The group asked for another workshop.\n"
             "Próxima reunión: 3 de mayo\n")
    with caplog.at_level(logging.INFO, logger="smgov_nlp.transcripts.segment"):
        segmented = segment_notes_text(notes, file="mesa.txt")
    assert [s.text for s in segmented.statements] == ["Capacitar al personal", "Publicar lineamientos."]
    assert segmented.metadata == [
        MetadataLine("La mesa pidió que se repita el taller", "remark", "mesa.txt", 3),
        MetadataLine("The group asked for another workshop.", "remark", "mesa.txt", 4),
        MetadataLine("Próxima reunión: 3 de mayo", "remark", "mesa.txt", 5),
    ]
    assert "mesa.txt line 3: a remark about the workshop (request), kept as metadata, not coded" in caplog.text
    assert segment_text(notes, file="mesa.txt") == segmented.statements  # segment_text leaves them out too
