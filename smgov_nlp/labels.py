"""The fixed label ids of the framework and the helpers that validate them.

Layers follow Section 2.3 of Picazo-Vela, Gutiérrez-Martínez & Luna-Reyes (2012);
types follow its three tables (risks, benefits, strategic components).
"""

from __future__ import annotations

import re

from smgov_nlp.text import strip_accents

LAYERS: tuple[str, ...] = (
    "general_context",
    "institutional_framework",
    "interorganizational_collaboration",
    "organizational_structure_processes",
    "information_data",
    "technology",
)
TYPES: tuple[str, ...] = ("risk", "benefit", "strategy")
HEADS: dict[str, tuple[str, ...]] = {"layer": LAYERS, "type": TYPES}

LAYER_TITLES: dict[str, str] = {
    "general_context": "1. General context",
    "institutional_framework": "2. Institutional framework",
    "interorganizational_collaboration": "3. Interorganizational collaboration and networks",
    "organizational_structure_processes": "4. Organizational structure and processes",
    "information_data": "5. Information and data",
    "technology": "6. Technology",
}
TYPE_TITLES: dict[str, str] = {
    "risk": "Perceived risks",
    "benefit": "Perceived benefits",
    "strategy": "Strategic components",
}
# Readable names people may type for an id (review spreadsheets, imports), per language, the first one
# shown; matched case- and accent-insensitively, with or without a leading "1." and with "_"/"-" as spaces.
LABEL_NAMES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "layer": {
        "general_context": {"en": ("General context",), "es": ("Contexto general",)},
        "institutional_framework": {"en": ("Institutional framework",), "es": ("Marco institucional",)},
        "interorganizational_collaboration": {
            "en": ("Interorganizational collaboration and networks", "Interorganizational collaboration"),
            "es": ("Colaboración interorganizacional y redes", "Colaboración interorganizacional"),
        },
        "organizational_structure_processes": {
            "en": ("Organizational structure and processes",),
            "es": ("Estructura y procesos organizacionales", "Estructura y procesos organizativos"),
        },
        "information_data": {"en": ("Information and data",), "es": ("Información y datos",)},
        "technology": {"en": ("Technology",), "es": ("Tecnología",)},
    },
    "type": {
        "risk": {"en": ("Risk", "Risks", "Perceived risks"), "es": ("Riesgo", "Riesgos", "Riesgos percibidos")},
        "benefit": {"en": ("Benefit", "Benefits", "Perceived benefits"),
                    "es": ("Beneficio", "Beneficios", "Beneficios percibidos")},
        "strategy": {"en": ("Strategy", "Strategies", "Strategic components", "Strategic component"),
                     "es": ("Estrategia", "Estrategias", "Componentes estratégicos", "Componente estratégico")},
    },
}
# Keys the review screen uses to set a layer: "1".."6" in framework order.
LAYER_KEYS: dict[str, str] = {str(i + 1): layer for i, layer in enumerate(LAYERS)}
TYPE_KEYS: dict[str, str] = {"r": "risk", "b": "benefit", "s": "strategy"}


def check_label(head: str, value: str) -> str:
    """Return ``value`` if it is a valid id for ``head``; raise ``ValueError`` otherwise."""
    if head not in HEADS:
        raise ValueError(f"unknown head {head!r}; expected one of {list(HEADS)}")
    if value not in HEADS[head]:
        raise ValueError(f"{head} {value!r} is not a valid id; expected one of {list(HEADS[head])}")
    return value


def _name_key(value: str) -> str:
    """The form readable names are compared in: no accents, casefolded, ``_``/``-`` as spaces, no leading number."""
    key = strip_accents(str(value)).casefold().replace("_", " ").replace("-", " ")
    key = re.sub(r"^\s*\d+\s*[.)]\s*", "", key)
    return " ".join(key.split())


_BY_NAME: dict[str, dict[str, str]] = {
    head: {_name_key(name): label for label in ids
           for name in (label, *(n for names in LABEL_NAMES[head][label].values() for n in names))}
    for head, ids in HEADS.items()
}


def label_from_name(head: str, value: str) -> str:
    """The id for ``value``: an id or a readable name in English or Spanish (``"General context"``,
    ``"contexto general"``, ``"1. General context"``, ``"Riesgo"``), case- and accent-insensitive.
    A layer may also be given by its number (``"1"``..``"6"``). Raises ``ValueError`` otherwise."""
    if head not in HEADS:
        raise ValueError(f"unknown head {head!r}; expected one of {list(HEADS)}")
    text = str(value).strip()
    if head == "layer" and text in LAYER_KEYS:
        return LAYER_KEYS[text]
    label = _BY_NAME[head].get(_name_key(text))
    if label is None:
        first = LABEL_NAMES[head][HEADS[head][0]]
        raise ValueError(f"{head} {text!r} is not a valid id or name; expected one of {list(HEADS[head])} "
                         f"or a name such as {first['en'][0]!r} or {first['es'][0]!r}")
    return label
