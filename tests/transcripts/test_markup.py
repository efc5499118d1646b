"""Line markup: what ``strip_markup`` and ``item_marker`` see in a line."""

from __future__ import annotations

from smgov_nlp.transcripts.markup import fold, indent, item_marker, strip_markup


def test_strip_markup():
    assert strip_markup("## Riesgos percibidos ##") == (
        "Riesgos percibidos", {"md_level": 2, "bold": False, "bullet": False, "number": False,
                               "strong_number": False, "colon": False})
    text, info = strip_markup("**Estrategias:**")
    assert (text, info["bold"], info["colon"]) == ("Estrategias", True, True)
    text, info = strip_markup("Pregunta 3: ¿Qué recomendaciones darían?")
    assert (text, info["strong_number"]) == ("¿Qué recomendaciones darían?", True)
    text, info = strip_markup("2) Mayor cercanía")
    assert (text, info["number"], info["strong_number"]) == ("Mayor cercanía", True, False)
    text, info = strip_markup("IV. Acciones")
    assert (text, info["strong_number"]) == ("Acciones", True)


def test_item_marker_and_indent():
    assert item_marker("  • Capacitar").group(0) == "• "
    assert item_marker("a) Lineamientos").group(0) == "a) "
    assert item_marker("-") is None  # a marker alone is not an item
    assert item_marker("Texto") is None
    assert indent("\tx") == 4 and indent("  x") == 2


def test_fold():
    assert fold("¿Cuáles son los RIESGOS?") == "cuales son los riesgos"

