"""The fixed label ids of the framework and the helpers that validate them.

Layers follow Section 2.3 of Picazo-Vela, Gutiérrez-Martínez & Luna-Reyes (2012);
types follow its three tables (risks, benefits, strategic components).
"""

from __future__ import annotations

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
