"""Section headings and the statement type they name: "¿Cuáles son los principales riesgos?" -> risk.

Question headings, ``## Benefits``, ``**Estrategias**``, ``IV. Acciones``, a .docx Heading style or
a short line ending in ``:`` open a section; the keywords of :data:`HEADING_TYPES` in it give the
type of every statement below. A plain heading that names no type (:func:`unknown_heading`:
"Otros comentarios:", or "Otros comentarios" standing alone before a block of bullets) opens an
untyped section, whose statements the model types. The first line of a file may instead be its
title (:func:`is_title`), which is preamble, not a section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from smgov_nlp.labels import TYPES
from smgov_nlp.transcripts.markup import KEY_VALUE, RULE, Line, fold, indent, item_marker, strip_markup
from smgov_nlp.transcripts.preamble import is_metadata_line

MAX_HEADING_WORDS = 15  # a heading is a short line; question headings run a little longer than titles
MAX_UNKNOWN_HEADING_WORDS = 6  # a plain heading that names no type is shorter still
_SENTENCE_END = re.compile(r"[.!?…]\s")  # a sentence ends inside the line
_NO_HEADING_END = re.compile(r"[.,;!…]$")  # a line ending like this is a sentence or a fragment of one

# Heading keywords per type, matched on accent-free, case-folded text at word boundaries.
HEADING_TYPES: dict[str, tuple[str, ...]] = {
    "risk": (
        "riesgos?", "desventajas?", "amenazas?", "problemas?", "problematicas?", "retos?", "desafios?",
        "peligros?", "obstaculos?", "barreras?", "limitaciones", "debilidades", "preocupaciones",
        "risks?", "challenges?", "threats?", "disadvantages?", "problems?", "drawbacks?", "dangers?",
        "barriers?", "obstacles?", "weaknesses", "concerns?", "downsides?", "pitfalls?",
    ),
    "benefit": (
        "beneficios?", "ventajas?", "oportunidades?", "fortalezas", "aportes?",
        "benefits?", "advantages?", "opportunit(?:y|ies)", "strengths", "upsides?", "gains?",
    ),
    "strategy": (
        "estrategias?", "estrategic[oa]s?", "recomendacion(?:es)?", "lineamientos?", "propuestas?",
        "acciones", "accion", "soluciones", "solucion", "medidas", "mitigacion", "proximos pasos",
        "strateg(?:y|ies|ic)", "recommendations?", "guidelines?", "proposals?", "actions?", "solutions?",
        "measures", "mitigation", "next steps",
    ),
}
assert set(HEADING_TYPES) == set(TYPES)
_TYPE_PATTERNS: dict[str, re.Pattern[str]] = {
    t: re.compile(r"\b(?:" + "|".join(words) + r")\b") for t, words in HEADING_TYPES.items()
}
_ANY_KEYWORD = re.compile(r"\b(?:" + "|".join(w for ws in HEADING_TYPES.values() for w in ws) + r")\b")
# Words that may stand beside a keyword in a heading that "is only the keyword phrase".
_FILLER = frozenset(
    """de del la las el los lo en y e o u a al con para por sus su que cuales son sobre
    the of and or in for to on with our their what which are is
    principal principales main key major top mayores general generales clave
    percibido percibidos percibida percibidas perceived identificado identificados identificada
    identificadas identified potencial potenciales potential posible posibles possible esperado
    esperados esperada esperadas expected mencionado mencionados mentioned
    estrategico estrategicos estrategica estrategicas strategic componente componentes component
    components uso use using usar redes red sociales social media gobierno government publico
    publica public digital digitales""".split()
)
_TITLE_WORDS = re.compile(
    r"\b(?:taller|talleres|workshop|mesa|notas|notes|relatoria|minuta|memoria|acta|resumen|summary|"
    r"report|reporte|informe|sesion|session|reunion|meeting|transcripcion|transcript)\b"
)
_DOCX_HEADING_STYLES = ("heading", "título", "titulo", "encabezado")
_DOCX_TITLE_STYLES = ("title", "subtitle", "subtítulo", "subtitulo")


@dataclass
class Heading:
    """A section heading: its text as written, the type it names, and its markdown/.docx level."""

    section: str
    type: str | None
    level: int | None


def section_type(heading: str) -> str | None:
    """Return the type id ("risk", "benefit", "strategy") a heading names, or ``None``.

    Matching is accent- and case-insensitive on whole words. A type id itself also maps
    ("risk" -> "risk"). When a heading names several types, the one named first wins:
    "Estrategias para reducir riesgos" is a strategy heading.
    """
    folded = fold(heading)
    if folded in TYPES:
        return folded
    best: tuple[int, str] | None = None
    for type_id, pattern in _TYPE_PATTERNS.items():
        match = pattern.search(folded)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), type_id)
    return best[1] if best else None


def only_keyword(text: str) -> bool:
    """True if ``text`` is a keyword phrase ("Riesgos percibidos", "Main risks") and nothing else."""
    folded = fold(text)
    if not _ANY_KEYWORD.search(folded):
        return False
    rest = _ANY_KEYWORD.sub(" ", folded).split()
    return all(word in _FILLER for word in rest)


def heading_of(line: Line) -> Heading | None:
    """Return the heading this line is, or ``None`` if it is content.

    A heading is a short line that names a type and is formatted as a heading (markdown ``#``,
    bold, Roman/capital-letter numbering, a .docx Heading style, a trailing ``:``), is a question,
    or is only the keyword phrase. A bullet is a heading only if it is just the keyword phrase
    ("- Riesgos:"), so a long bullet that mentions risks stays a statement. Lines formatted as
    headings that name no type (``## Notes``, ``**Otros comentarios**``) open an untyped section;
    plain lines that name no type are left to :func:`unknown_heading`.
    """
    raw = line.text.strip()
    if not raw or RULE.match(raw):
        return None
    text, info = strip_markup(raw)
    words = fold(text).split()
    if not words or len(words) > MAX_HEADING_WORDS:
        return None
    style = line.style.casefold()
    style_level = _docx_heading_level(style)
    level = info["md_level"] or style_level
    strong = bool(level or info["bold"] or line.bold or line.setext)
    if line.list_item or info["bullet"]:
        typ = section_type(text) if only_keyword(text) else None
        return Heading(text, typ, None) if typ else None
    question = text.endswith("?") or text.startswith("¿")
    label = KEY_VALUE.match(text)
    if label and label.group("value").strip() and not question:
        return None  # "Riesgos: falta de personal" is content with a label, not a heading
    typ = section_type(text)
    if typ:
        if info["number"]:
            ok = strong or only_keyword(text) or question or info["colon"]
        else:
            ok = strong or info["strong_number"] or info["colon"] or question or only_keyword(text)
        return Heading(text, typ, level) if ok else None
    if strong and (level or not info["number"]):
        return Heading(text, None, level)
    if info["strong_number"] and question:
        return Heading(text, None, None)
    return None


def unknown_heading(line: Line, before: Line | None, after: Line | None) -> Heading | None:
    """Return the untyped heading a plain line is ("Otros comentarios:"), or ``None``.

    Call it for lines :func:`heading_of` did not take. ``before`` is the line right above (blank or
    not, ``None`` at the start), ``after`` the next non-blank line (``None`` at the end). The line
    must be short (at most :data:`MAX_UNKNOWN_HEADING_WORDS` words), hold no sentence end, not be
    a bullet, a numbered item, an indented line, a "Key: value" label or metadata ("Fecha:"), and
    either

    * end in ``:`` ("Otros comentarios:", "Comentarios finales de la mesa:"), or
    * stand alone: start with a capital letter (or ``¿``), end in a letter, digit, ``?`` or ``)``
      rather than ``.``/``,``/``;``/``!``/``…``, follow a blank line or a bullet (not a plain line,
      so it is not a paragraph), and be followed by a bullet or numbered item.

    Such a heading names no type, even if a keyword appears in it, so its statements are typed by
    the model.
    """
    raw = line.text.strip()
    if not raw or _marked(line) or indent(line.text) > 0 or is_metadata_line(raw):
        return None
    text, info = strip_markup(raw)
    words = fold(text).split()
    if not words or len(words) > MAX_UNKNOWN_HEADING_WORDS or _SENTENCE_END.search(text):
        return None
    if any(info[key] for key in ("bullet", "number", "strong_number")) or KEY_VALUE.match(text):
        return None
    if info["colon"]:
        return Heading(text, None, None)
    starts_capital = text[:1] == "¿" or text[:1].isupper()
    if not starts_capital or _NO_HEADING_END.search(text) or is_metadata_line(text + ":"):
        return None  # "Participantes" is the label of a metadata block, not a section
    after_block = before is None or not before.text.strip() or _marked(before) or indent(before.text) > 0
    if after_block and after is not None and _marked(after):
        return Heading(text, None, None)
    return None


def _marked(line: Line) -> bool:
    """True for a bullet, a numbered item or a .docx list paragraph."""
    return line.list_item or item_marker(line.text) is not None


def _docx_heading_level(style: str) -> int | None:
    if not style.startswith(_DOCX_HEADING_STYLES):
        return None
    digits = re.findall(r"\d+", style)
    return int(digits[0]) if digits else 1


def is_title(line: Line, next_line: Line | None) -> bool:
    """True if the first content line is the document's title rather than a heading or statement."""
    raw = line.text.strip()
    text, info = strip_markup(raw)
    if info["bullet"] or info["number"] or line.list_item or only_keyword(text) or text.endswith("?"):
        return False
    if info["md_level"] == 1 or line.style.casefold().startswith(_DOCX_TITLE_STYLES):
        return True
    if len(fold(text).split()) > MAX_HEADING_WORDS:
        return False
    if _TITLE_WORDS.search(fold(text)):
        return True
    return next_line is not None and is_metadata_line(next_line.text)


def nest(heading: Heading, open_headings: list[Heading]) -> Heading:
    """Track heading levels; an untyped sub-heading ("### Tecnología" under "## Riesgos") keeps the type.

    ``open_headings`` are the markdown/.docx headings we are inside; it is updated in place.
    """
    if heading.level is None:
        open_headings.clear()
        return heading
    while open_headings and open_headings[-1].level >= heading.level:  # type: ignore[operator]
        open_headings.pop()
    if heading.type is None and open_headings and open_headings[-1].type is not None:
        heading = Heading(heading.section, open_headings[-1].type, heading.level)
    open_headings.append(heading)
    return heading
