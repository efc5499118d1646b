"""The preamble of workshop notes: metadata lines ("Secretaría: …", "Fecha: …", dates) and the group.

Lines before the first heading are metadata, never statements; a "Mesa 2" / "Group: B" line
there (or, failing that, a group line elsewhere or in the title) names the group of the file.
"""

from __future__ import annotations

import re

from smgov_nlp.transcripts.markup import BOLD_LINE, BULLET, KEY_VALUE, Line, fold

METADATA_KEYS = frozenset(
    """secretaria secretario dependencia institucion organizacion organization agency department
    fecha date hora lugar sede venue location mesa grupo group facilitador facilitadora facilitadores
    facilitator facilitators moderador moderadora moderator relator relatora relatores rapporteur
    notetaker taller workshop sesion session participantes participants asistentes attendees
    autor autora author titulo title""".split()
) | {"mesa de trabajo", "working group", "note taker", "notas por", "notes by", "elaborado por",
     "prepared by", "tomador de notas", "numero de participantes", "number of participants"}
_MONTHS_AND_DAYS = frozenset(
    """enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre
    ene feb mar abr may jun jul ago sep sept oct nov dic
    january february march april june july august september october november december jan apr aug dec
    lunes martes miercoles jueves viernes sabado domingo monday tuesday wednesday thursday friday
    saturday sunday de del of the""".split()
)
_GROUP_KV = re.compile(
    r"^(?:mesa|grupo|group|working\s+group|breakout\s+group)(?:\s+de\s+trabajo)?"
    r"(?:\s*(?:n[oº°]?\.?|n[uú]m\.?|#))?\s*[:\-–]\s*(?P<value>\S.*?)\s*$",
    re.IGNORECASE,
)
_GROUP_BARE = re.compile(
    r"^(?:mesa|grupo|group|working\s+group|breakout\s+group)(?:\s+de\s+trabajo)?"
    r"(?:\s*(?:n[oº°]?\.?|n[uú]m\.?|#))?\s*(?P<value>\d{1,3}|(?-i:[A-Z]|[IVXLC]{1,6}))\s*$",
    re.IGNORECASE,
)
_GROUP_IN_TITLE = re.compile(
    r"\b(?:mesa|grupo|group)\s+(?:n[oº°]?\.?\s*|#)?(?P<value>\d{1,3}|(?-i:[A-Z]))\b", re.IGNORECASE
)


def is_metadata_line(text: str) -> bool:
    """True for "Key: value" lines with a known label (Secretaría, Fecha, Mesa…), group lines and dates."""
    text = BULLET.sub("", text.strip(), count=1)
    bold = BOLD_LINE.match(text)
    if bold:
        text = bold.group("inner") + bold.group("colon")
    text = text.replace("**", "").replace("__", "").strip()
    kv = KEY_VALUE.match(text)
    if kv and fold(kv.group("key")) in METADATA_KEYS:
        return True
    return bool(_GROUP_BARE.match(text)) or is_date(text)


def is_date(text: str) -> bool:
    """True for a line that is only a date: ``12/03/2012``, "12 de marzo de 2012", "Monday 3 May"."""
    folded = fold(text)
    if re.fullmatch(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}", text.strip()):
        return True
    words = folded.split()
    return bool(words) and any(w.isdigit() for w in words) and \
        any(w in _MONTHS_AND_DAYS and w not in ("de", "del", "of", "the") for w in words) and \
        all(w.isdigit() or w in _MONTHS_AND_DAYS for w in words)


def group_from(text: str) -> str | None:
    """Return the group a metadata line names ("Mesa: 2" -> "2", "Group B" -> "B"), else ``None``."""
    text = BULLET.sub("", text.strip(), count=1).replace("**", "").replace("__", "").strip()
    match = _GROUP_KV.match(text) or _GROUP_BARE.match(text)
    if match:
        value = match.group("value").strip().rstrip(".")
        if value and len(value.split()) <= 6:
            return value
    return None


def find_group(lines: list[Line], content: list[int], title_index: int | None, first_heading: int) -> str | None:
    """The group a file names: a group line in the preamble, else anywhere outside bullets, else in the title.

    ``content`` are the indexes of the non-blank ``lines``, ``title_index`` the index of the title
    line (if any) and ``first_heading`` the index of the first heading (``len(lines)`` if none).
    """
    def group_line(i: int) -> str | None:
        line = lines[i]
        if line.list_item or i == title_index:
            return None
        return group_from(line.text)

    has_headings = first_heading < len(lines)
    preamble = [i for i in content if i < first_heading and (has_headings or is_metadata_line(lines[i].text))]
    rest = [i for i in content if i >= first_heading and not BULLET.match(lines[i].text.strip())
            and is_metadata_line(lines[i].text)]
    for i in preamble + rest:
        found = group_line(i)
        if found:
            return found
    first = title_index if title_index is not None else (preamble[0] if preamble else None)
    if first is not None:
        match = _GROUP_IN_TITLE.search(lines[first].text)
        if match:
            return match.group("value")
    return None
