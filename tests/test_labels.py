"""The label ids and the readable names people may type for them, in English or Spanish."""

from __future__ import annotations

import pytest

from smgov_nlp.labels import HEADS, LABEL_NAMES, label_from_name


@pytest.mark.parametrize("head, value, expected", [
    ("layer", "general_context", "general_context"),
    ("layer", "General context", "general_context"),
    ("layer", "contexto general", "general_context"),
    ("layer", "1. General context", "general_context"),
    ("layer", "  CONTEXTO   GENERAL ", "general_context"),
    ("layer", "Tecnologia", "technology"),  # accents optional
    ("layer", "Información y datos", "information_data"),
    ("layer", "4", "organizational_structure_processes"),
    ("type", "Riesgo", "risk"),
    ("type", "Strategy", "strategy"),
    ("type", "Beneficios percibidos", "benefit"),
    ("type", "componentes estrategicos", "strategy"),
])
def test_label_from_name_reads_ids_and_names_in_both_languages(head, value, expected):
    assert label_from_name(head, value) == expected


def test_every_id_has_an_english_and_a_spanish_name_and_nothing_else_is_accepted():
    for head, ids in HEADS.items():
        assert set(LABEL_NAMES[head]) == set(ids)
        for label in ids:
            assert LABEL_NAMES[head][label]["en"] and LABEL_NAMES[head][label]["es"]
            for names in LABEL_NAMES[head][label].values():
                assert all(label_from_name(head, name) == label for name in names)
    with pytest.raises(ValueError, match=r"layer 'tech' is not a valid id or name; expected one of \['general_context'"):
        label_from_name("layer", "tech")
    with pytest.raises(ValueError, match="type '1' is not a valid id or name"):
        label_from_name("type", "1")
