from __future__ import annotations

import pytest

from smgov_nlp.lang import LANGS, detect_lang


@pytest.mark.parametrize("text", [
    "Falta de capacitación del personal en el uso de redes sociales",
    "Robo de identidad",
    "Definir una estrategia",
    "¿Quién responde?",
    "Gobierno abierto",
    "LAS DEPENDENCIAS NO COORDINAN SUS MENSAJES",
])
def test_spanish(text):
    assert detect_lang(text) == "es"


@pytest.mark.parametrize("text", [
    "Lack of training of staff in the use of social media",
    "Identity theft",
    "Define a strategy",
    "Who answers the comments?",
    "Open government",
    "AGENCIES DO NOT COORDINATE THEIR MESSAGES",
])
def test_english(text):
    assert detect_lang(text) == "en"


@pytest.mark.parametrize("text", ["", "   ", "12345 !!", "— • —", "2024-05-01"])
def test_no_evidence_is_und(text):
    assert detect_lang(text) == "und"


def test_only_the_start_of_a_long_statement_is_read():
    text = "El gobierno no tiene una estrategia de redes sociales. " * 30 + "the of and to in is " * 2000
    assert detect_lang(text) == "es"


def test_thousands_of_statements_return_known_codes():
    texts = [f"Statement {i} about the use of social media" if i % 2 else f"Idea {i} sobre el uso de las redes"
             for i in range(20000)]
    langs = [detect_lang(t) for t in texts]  # no timing; just that a big batch runs
    assert set(langs) <= set(LANGS)
    assert langs[:2] == ["es", "en"]
    assert langs.count("en") == langs.count("es") == 10000
