"""Source lines and their markup: bullets, numbering, bold, markdown ``#`` headings, rules and labels.

Every reader turns its file into :class:`Line` records (a text line, or a .docx paragraph with
its style). The other modules of this folder ask the patterns here what a line is marked up as.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from smgov_nlp.text import strip_accents

BULLET = re.compile(r"^(?:[-*+](?=\s)|-(?=[^\W\d_¿¡])|[•·▪◦●○■□➢➤►✓✔–—])\s*")
NUMBER = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*[.)]|\d{1,3}(?:\.\d{1,3})+|[a-z][.)])\s+")
ROMAN = re.compile(r"^[IVXLC]{1,6}[.)]\s+")
UPPER_LETTER = re.compile(r"^[A-Z][.)]\s+")
QUESTION_PREFIX = re.compile(r"^(?:pregunta|question|p|q)\s*\d{1,2}\s*[.:)\-–]?\s*", re.IGNORECASE)
MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
BOLD_LINE = re.compile(r"^(\*\*|__)(?P<inner>(?:(?!\1).)+?)\1\s*(?P<colon>:?)\s*$")
RULE = re.compile(r"^\s*(?:[-=_*]\s*){3,}$")
KEY_VALUE = re.compile(r"^(?P<key>[^:]{1,40}?)\s*:\s*(?P<value>.*)$")


@dataclass
class Line:
    """One source line or .docx paragraph, with the formatting the source told us about."""

    text: str
    number: int
    style: str = ""  # .docx style name
    bold: bool = False  # .docx: every run with text is bold
    list_item: bool = False  # .docx: a list paragraph
    joinable: bool = True  # may continue the open item (not a new .docx paragraph)
    setext: bool = False  # underlined by === or --- on the next line


def fold(text: str) -> str:
    """Accent-free, case-folded text with punctuation turned into single spaces."""
    plain = strip_accents(text).casefold()
    return " ".join(re.sub(r"[^\w]+|_", " ", plain).split())


def strip_markup(text: str) -> tuple[str, dict[str, Any]]:
    """Strip heading markup from a line; return the bare text and what the markup was.

    The markup dict has ``md_level`` (the number of ``#``, or ``None``) and the flags ``bold``,
    ``bullet``, ``number`` (``1.``, ``a)``), ``strong_number`` (``IV.``, ``B)``, ``Pregunta 3:``)
    and ``colon`` (a trailing ``:``, removed from the text).
    """
    info: dict[str, Any] = {"md_level": None, "bold": False, "bullet": False, "number": False,
                            "strong_number": False, "colon": False}
    text = text.strip()
    md = MD_HEADING.match(text)
    if md:
        info["md_level"] = len(md.group(1))
        text = md.group(2)
    bold = BOLD_LINE.match(text)
    if bold:
        info["bold"] = True
        text = bold.group("inner").strip() + bold.group("colon")
    for pattern, key in ((BULLET, "bullet"), (ROMAN, "strong_number"), (UPPER_LETTER, "strong_number"),
                         (NUMBER, "number")):
        marker = pattern.match(text)
        if marker and marker.end() < len(text):
            info[key] = True
            text = text[marker.end():]
            break
    question_prefix = QUESTION_PREFIX.match(text)
    if question_prefix and question_prefix.end() < len(text) and not info["bullet"]:
        info["strong_number"] = True
        text = text[question_prefix.end():]
    bold = BOLD_LINE.match(text.strip())
    if bold:
        info["bold"] = True
        text = bold.group("inner").strip() + bold.group("colon")
    text = text.strip()
    if text.endswith(":"):
        info["colon"] = True
        text = text[:-1].rstrip()
    return text.strip("*_ ").strip() if info["bold"] else text, info


def item_marker(text: str) -> re.Match[str] | None:
    """The bullet or number that starts an item (``- ``, ``2)``, ``IV.``), or ``None``."""
    stripped = text.strip()
    for pattern in (BULLET, NUMBER, ROMAN, UPPER_LETTER):
        marker = pattern.match(stripped)
        if marker and marker.end() < len(stripped):
            return marker
    return None


def indent(text: str) -> int:
    """Leading spaces of a line, a tab counting as four."""
    expanded = text.expandtabs(4)
    return len(expanded) - len(expanded.lstrip(" "))
