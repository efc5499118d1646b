"""Run-on sentences: split at a connector only when both sides are clauses."""

from __future__ import annotations

import pytest

from smgov_nlp.transcripts.clauses import is_clause, split_clauses
from smgov_nlp.transcripts.headings import Heading
from smgov_nlp.transcripts.items import Item, item_statements


@pytest.mark.parametrize(("text", "lang", "parts"), [
    ("no hay presupuesto y además el personal ya está saturado", "es",
     ["no hay presupuesto", "el personal ya está saturado"]),
    ("No hay presupuesto, además de que el personal está saturado", "es",
     ["No hay presupuesto", "el personal está saturado"]),
    ("Las cuentas se abandonan; nadie responde los mensajes", "es",
     ["Las cuentas se abandonan", "nadie responde los mensajes"]),
    ("El personal trabaja de más y además el presupuesto se recortó", "es",
     ["El personal trabaja de más", "el presupuesto se recortó"]),
    ("Capacitar al personal y también publicar lineamientos claros", "es",
     ["Capacitar al personal", "publicar lineamientos claros"]),
    ("There is no budget and also the staff are already overloaded", "en",
     ["There is no budget", "the staff are already overloaded"]),
    ("We lack a budget; staff are overloaded", "en", ["We lack a budget", "staff are overloaded"]),
    ("Hay hackeos; no hay protocolo; la gente se queja", "es", ["Hay hackeos", "no hay protocolo", "la gente se queja"]),
])
def test_run_on_sentences_split_between_clauses(text, lang, parts):
    split = split_clauses(text, lang)
    assert [part for _, part in split] == parts
    assert all(text[start:].startswith(part) for start, part in split)


@pytest.mark.parametrize(("text", "lang"), [
    ("Falta de presupuesto y capacitación", "es"),  # no connector
    ("Falta de presupuesto y además de capacitación", "es"),  # noun phrases
    ("Falta de presupuesto; falta de personal", "es"),
    ("Capacitación para el personal y además para los enlaces de comunicación social", "es"),
    ("Personal capacitado y además comprometido", "es"),  # participles are not verbs here
    ("Lack of budget and also training", "en"),
    ("Training for staff as well as for community managers", "en"),
    ("Hackers; trolls; fake accounts", "en"),
    ("; no hay presupuesto", "es"),  # nothing on one side
])
def test_noun_phrase_coordination_does_not_split(text, lang):
    assert split_clauses(text, lang) == [(text.find(text.strip()[:1]), text.strip())]


def test_clauses_need_a_verb_like_token():
    assert is_clause("no hay presupuesto", "es") and is_clause("el personal ya está saturado", "es")
    assert is_clause("we need a plan", "en") and is_clause("staff are overloaded", "en")
    assert not is_clause("falta de presupuesto", "es")  # "falta" is a noun here
    assert not is_clause("presupuesto insuficiente", "es")  # "presupuesto" is in the lookups as presupuestar
    assert not is_clause("lack of trained staff", "en")
    assert not is_clause("...", "es")


def test_split_parts_keep_the_items_place():
    item = Item([("Falta capacitación. No hay presupuesto y además", 4), ("el personal ya está saturado", 5)],
                marked=True)
    statements = list(item_statements(item, Heading("Riesgos", "risk", None), "notas.txt", "2"))
    assert [(s.line, s.text, s.type, s.section, s.file, s.group, s.lang) for s in statements] == [
        (4, "Falta capacitación.", "risk", "Riesgos", "notas.txt", "2", "es"),
        (4, "No hay presupuesto", "risk", "Riesgos", "notas.txt", "2", "es"),
        (4, "el personal ya está saturado", "risk", "Riesgos", "notas.txt", "2", "es"),  # the sentence's line
    ]
