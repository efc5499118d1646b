"""Remarks about the workshop itself ("La mesa pidió que se repita el taller", "Next meeting: 3 May").

Such a sentence reports what happened at the table, not a risk, benefit or strategy, so it is
kept as metadata and never coded. The rules are plain patterns on accent-free, case-folded
text, Spanish and English side by side, each naming the kind of remark it finds:

* ``request``: the table asks or thanks ("La mesa pidió…", "The group asked…");
* ``agreement``: the table agrees or decides ("Se acordó…", "It was agreed…", "Acuerdos: …");
* ``next meeting``: "Próxima reunión…", "Next session…";
* ``session``: the session's own course ("No hubo tiempo…", "Se levantó la sesión", "We ran out of time").

All but the time remarks must open the sentence, so "Capacitar al personal antes de la próxima
reunión" stays a statement. A table's subject is "la mesa", "el grupo", "los participantes"…
right before the verb, so "La mesa de ayuda pidió…" or "The social media team asked…" are not
remarks.
"""

from __future__ import annotations

import re

from smgov_nlp.text import strip_accents

_TABLE_ES = r"(?:(?:la|el|los|las)\s+)?(?:mesa|grupo|equipo|plenaria|participantes|asistentes)(?:\s+de\s+trabajo)?"
_TABLE_EN = r"(?:the\s+)?(?:group|table|team|plenary|participants|attendees)"
_ALSO = r"(?:(?:tambien|ademas|also|all)\s+)?"

REMARK_RULES: dict[str, tuple[str, ...]] = {
    "request": (
        rf"^{_TABLE_ES}\s+{_ALSO}(?:pidi\w*|pide\w*|piden|pedi\w*|solicit\w*|agradec\w*)\b",
        rf"^{_TABLE_EN}\s+{_ALSO}(?:asked|asks|requested|requests|thanked|thanks)\b",
    ),
    "agreement": (
        rf"^{_TABLE_ES}\s+{_ALSO}(?:acord\w*|decidi\w*|qued\w*\s+en)\b",
        r"^se\s+(?:acord\w*|acuerd\w*|decidi\w*|decide)\b",
        r"^acuerdos?\s*:",
        rf"^{_TABLE_EN}\s+{_ALSO}(?:agreed|agrees|decided|decides)\b",
        r"^(?:it\s+(?:was|is|has\s+been)|we|they)\s+(?:all\s+)?(?:agreed|decided)\b",
        r"^(?:agreements?|agreed)\s*:",
    ),
    "next meeting": (
        r"^(?:(?:la|el)\s+)?(?:proxim[oa]|siguiente)\s+(?:reunion|sesion|junta|taller|mesa|encuentro)\b",
        r"^(?:the\s+)?(?:next|following)\s+(?:meeting|session|workshop)\b",
    ),
    "session": (
        r"\bno\s+(?:hubo|alcanzo\s+el|quedo)\s+tiempo\b",
        r"\bse\s+(?:acabo|termino|agoto)\s+el\s+tiempo\b",
        r"^se\s+(?:levanto|cerro|clausuro|dio\s+por\s+terminad[ao])\s+(?:la|el)\s+(?:sesion|reunion|mesa|taller)\b",
        r"\b(?:ran|run|running)\s+out\s+of\s+time\b",
        r"^(?:the\s+)?(?:session|meeting|workshop)\s+(?:ended|closed|was\s+(?:closed|adjourned))\b",
    ),
}
_RULES = [(kind, re.compile(pattern)) for kind, patterns in REMARK_RULES.items() for pattern in patterns]
_OPENING = re.compile(r"^[\s¿¡\"'«“(\-–—*_]+")


def remark_kind(text: str) -> str | None:
    """The kind of remark about the workshop ``text`` is ("request", "agreement", …), or ``None``."""
    plain = " ".join(strip_accents(text).casefold().split())
    plain = _OPENING.sub("", plain)
    for kind, pattern in _RULES:
        if pattern.search(plain):
            return kind
    return None


def is_remark(text: str) -> bool:
    """True if ``text`` is a remark about the workshop itself, kept as metadata and never coded."""
    return remark_kind(text) is not None
