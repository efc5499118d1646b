"""Turn raw workshop notes into statements: one sentence each, with its section, type, place and group.

Reads ``.txt``/``.md`` notes, ``.docx`` documents and CSV/XLSX/JSONL exports. In notes,
question headings ("¿Cuáles son los principales riesgos?", "## Benefits", "**Estrategias**")
open sections, and a statement's type comes from the section it sits in. Lines before the
first heading are the preamble (title, "Secretaría: …", "Fecha: …"); they are metadata, never
statements, and a "Mesa 2" / "Group: B" line there names the group.

Bullets, numbered items and plain lines are items; indented lines that follow an item (and,
after a bullet, a wrapped line starting in lower case) continue it. An item holding several sentences becomes
one statement per sentence, split by spaCy's rule-based sentencizer on a blank pipeline.
"""

from __future__ import annotations

import bisect
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from smgov_nlp.errors import SmgovError
from smgov_nlp.io.readers import check_input, detect_encoding, read_table
from smgov_nlp.labels import TYPES
from smgov_nlp.lang import detect_lang
from smgov_nlp.text import strip_accents

logger = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = (".txt", ".md", ".docx", ".csv", ".xlsx", ".jsonl")
TABLE_FORMATS: tuple[str, ...] = (".csv", ".xlsx", ".jsonl")
MAX_HEADING_WORDS = 15  # a heading is a short line; question headings run a little longer than titles

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
_METADATA_KEYS = frozenset(
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

_BULLET = re.compile(r"^(?:[-*+](?=\s)|-(?=[^\W\d_¿¡])|[•·▪◦●○■□➢➤►✓✔–—])\s*")
_NUMBER = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*[.)]|\d{1,3}(?:\.\d{1,3})+|[a-z][.)])\s+")
_ROMAN = re.compile(r"^[IVXLC]{1,6}[.)]\s+")
_UPPER_LETTER = re.compile(r"^[A-Z][.)]\s+")
_QUESTION_PREFIX = re.compile(r"^(?:pregunta|question|p|q)\s*\d{1,2}\s*[.:)\-–]?\s*", re.IGNORECASE)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_LINE = re.compile(r"^(\*\*|__)(?P<inner>(?:(?!\1).)+?)\1\s*(?P<colon>:?)\s*$")
_RULE = re.compile(r"^\s*(?:[-=_*]\s*){3,}$")
_KEY_VALUE = re.compile(r"^(?P<key>[^:]{1,40}?)\s*:\s*(?P<value>.*)$")
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
_DOCX_HEADING_STYLES = ("heading", "título", "titulo", "encabezado")
_DOCX_TITLE_STYLES = ("title", "subtitle", "subtítulo", "subtitulo")

# Abbreviations the sentencizer must not end a sentence at. The first set never ends a
# sentence; the second only when the next word starts with a capital letter.
_ABBREV_ALWAYS = (
    r"e\.\s?g\.", r"i\.\s?e\.", r"vs\.", r"v\.\s?s\.", r"cf\.", r"approx\.", r"aprox\.", r"p\.\s?ej\.",
    r"p\.\s?e\.", r"ej\.", r"n[uú]m\.", r"arts?\.", r"p[aá]gs?\.", r"pp\.", r"sra?\.", r"srta\.", r"dra?\.",
    r"lic\.", r"ing\.", r"mtr[oa]\.", r"prof\.", r"mrs?\.", r"ms\.", r"jr\.", r"dept\.", r"depto\.",
    r"gob\.", r"adm[oó]n\.", r"u\.\s?s\.", r"ee\.\s?uu\.", r"tel\.", r"av\.", r"uds?\.",
)
_ABBREV_UNLESS_CAPITAL = (
    r"etc\.", r"no\.", r"a\.\s?m\.", r"p\.\s?m\.", r"inc\.", r"ltd\.", r"co\.", r"fig\.", r"m[aá]x\.", r"m[ií]n\.",
)
_ABBREV = re.compile(
    r"(?<![\w.])(?:(?P<always>" + "|".join(_ABBREV_ALWAYS) + r")"
    r"|(?P<maybe>" + "|".join(_ABBREV_UNLESS_CAPITAL) + r")(?!\s*(?-i:[A-ZÁÉÍÓÚÑ¿¡])|\s*$))",
    re.IGNORECASE,
)
_ABBREV_END = re.compile(
    r"(?<![\w.])(?:" + "|".join(_ABBREV_UNLESS_CAPITAL) + r")(?=\s+(?-i:[A-ZÁÉÍÓÚÑ¿¡]))", re.IGNORECASE
)
_DOT_PLACEHOLDER = "\ue000"  # same length as '.', not a sentence-ending character
_SENTENCE_END_INSIDE = re.compile(r"[.!?…]\s+\S")

_SHORT_SENTENCE = 4  # words; a shorter sentence of a longer item takes the item's language
_NLP_CACHE: dict[str, Any] = {}


@dataclass(frozen=True)
class Statement:
    """One statement from a notes file, ready to be coded.

    ``type`` comes from the section (``None`` when the section names no type), ``section`` is the
    heading text as written (markup, numbering and a trailing colon removed; ``''`` if none),
    ``line`` is 1-based: the line of a text file, the paragraph of a .docx (in reading order,
    table paragraphs included), or the spreadsheet row of a CSV/XLSX (header = 1).
    """

    text: str
    lang: str
    type: str | None
    section: str
    file: str
    line: int
    group: str


@dataclass
class _Line:
    """One source line or .docx paragraph, with the formatting the source told us about."""

    text: str
    number: int
    style: str = ""  # .docx style name
    bold: bool = False  # .docx: every run with text is bold
    list_item: bool = False  # .docx: a list paragraph
    joinable: bool = True  # may continue the open item (not a new .docx paragraph)
    setext: bool = False  # underlined by === or --- on the next line


@dataclass
class _Heading:
    """A section heading: its text as written, the type it names, and its markdown/.docx level."""

    section: str
    type: str | None
    level: int | None


@dataclass
class _Item:
    """One bullet, numbered item or plain line, with its continuation lines."""

    parts: list[tuple[str, int]]  # (text, line number) of the item's lines, markers stripped
    marked: bool = False  # started with a bullet or number, or is a .docx list paragraph


# --------------------------------------------------------------------------- headings


def _fold(text: str) -> str:
    """Accent-free, case-folded text with punctuation turned into single spaces."""
    plain = strip_accents(text).casefold()
    return " ".join(re.sub(r"[^\w]+|_", " ", plain).split())


def section_type(heading: str) -> str | None:
    """Return the type id ("risk", "benefit", "strategy") a heading names, or ``None``.

    Matching is accent- and case-insensitive on whole words. A type id itself also maps
    ("risk" -> "risk"). When a heading names several types, the one named first wins:
    "Estrategias para reducir riesgos" is a strategy heading.
    """
    folded = _fold(heading)
    if folded in TYPES:
        return folded
    best: tuple[int, str] | None = None
    for type_id, pattern in _TYPE_PATTERNS.items():
        match = pattern.search(folded)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), type_id)
    return best[1] if best else None


def _only_keyword(text: str) -> bool:
    """True if ``text`` is a keyword phrase ("Riesgos percibidos", "Main risks") and nothing else."""
    folded = _fold(text)
    if not _ANY_KEYWORD.search(folded):
        return False
    rest = _ANY_KEYWORD.sub(" ", folded).split()
    return all(word in _FILLER for word in rest)


def _strip_markup(text: str) -> tuple[str, dict[str, Any]]:
    """Strip heading markup from a line; return the bare text and what the markup was."""
    info: dict[str, Any] = {"md_level": None, "bold": False, "bullet": False, "number": False,
                            "strong_number": False, "colon": False}
    text = text.strip()
    md = _MD_HEADING.match(text)
    if md:
        info["md_level"] = len(md.group(1))
        text = md.group(2)
    bold = _BOLD_LINE.match(text)
    if bold:
        info["bold"] = True
        text = bold.group("inner").strip() + bold.group("colon")
    for pattern, key in ((_BULLET, "bullet"), (_ROMAN, "strong_number"), (_UPPER_LETTER, "strong_number"),
                         (_NUMBER, "number")):
        marker = pattern.match(text)
        if marker and marker.end() < len(text):
            info[key] = True
            text = text[marker.end():]
            break
    question_prefix = _QUESTION_PREFIX.match(text)
    if question_prefix and question_prefix.end() < len(text) and not info["bullet"]:
        info["strong_number"] = True
        text = text[question_prefix.end():]
    bold = _BOLD_LINE.match(text.strip())
    if bold:
        info["bold"] = True
        text = bold.group("inner").strip() + bold.group("colon")
    text = text.strip()
    if text.endswith(":"):
        info["colon"] = True
        text = text[:-1].rstrip()
    return text.strip("*_ ").strip() if info["bold"] else text, info


def _heading(line: _Line) -> _Heading | None:
    """Return the heading this line is, or ``None`` if it is content.

    A heading is a short line that names a type and is formatted as a heading (markdown ``#``,
    bold, Roman/capital-letter numbering, a .docx Heading style, a trailing ``:``), is a question,
    or is only the keyword phrase. A bullet is a heading only if it is just the keyword phrase
    ("- Riesgos:"), so a long bullet that mentions risks stays a statement. Lines formatted as
    headings that name no type (``## Notes``, ``**Otros comentarios**``) open an untyped section.
    """
    raw = line.text.strip()
    if not raw or _RULE.match(raw):
        return None
    text, info = _strip_markup(raw)
    words = _fold(text).split()
    if not words or len(words) > MAX_HEADING_WORDS:
        return None
    style = line.style.casefold()
    style_level = _docx_heading_level(style)
    level = info["md_level"] or style_level
    strong = bool(level or info["bold"] or line.bold or line.setext)
    if line.list_item or info["bullet"]:
        typ = section_type(text) if _only_keyword(text) else None
        return _Heading(text, typ, None) if typ else None
    question = text.endswith("?") or text.startswith("¿")
    label = _KEY_VALUE.match(text)
    if label and label.group("value").strip() and not question:
        return None  # "Riesgos: falta de personal" is content with a label, not a heading
    typ = section_type(text)
    if typ:
        if info["number"]:
            ok = strong or _only_keyword(text) or question or info["colon"]
        else:
            ok = strong or info["strong_number"] or info["colon"] or question or _only_keyword(text)
        return _Heading(text, typ, level) if ok else None
    if strong and (level or not info["number"]):
        return _Heading(text, None, level)
    if info["colon"] and len(words) <= 3 and not info["number"] and not _is_metadata_line(raw):
        return _Heading(text, None, None)
    if info["strong_number"] and question:
        return _Heading(text, None, None)
    return None


def _docx_heading_level(style: str) -> int | None:
    if not style.startswith(_DOCX_HEADING_STYLES):
        return None
    digits = re.findall(r"\d+", style)
    return int(digits[0]) if digits else 1


# --------------------------------------------------------------------------- metadata


def _is_metadata_line(text: str) -> bool:
    """True for "Key: value" lines with a known label (Secretaría, Fecha, Mesa…), group lines and dates."""
    text = _BULLET.sub("", text.strip(), count=1)
    bold = _BOLD_LINE.match(text)
    if bold:
        text = bold.group("inner") + bold.group("colon")
    text = text.replace("**", "").replace("__", "").strip()
    kv = _KEY_VALUE.match(text)
    if kv and _fold(kv.group("key")) in _METADATA_KEYS:
        return True
    return bool(_GROUP_BARE.match(text)) or _is_date(text)


def _is_date(text: str) -> bool:
    folded = _fold(text)
    if re.fullmatch(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}", text.strip()):
        return True
    words = folded.split()
    return bool(words) and any(w.isdigit() for w in words) and \
        any(w in _MONTHS_AND_DAYS and w not in ("de", "del", "of", "the") for w in words) and \
        all(w.isdigit() or w in _MONTHS_AND_DAYS for w in words)


def _group_from(text: str) -> str | None:
    """Return the group a metadata line names ("Mesa: 2" -> "2", "Group B" -> "B"), else ``None``."""
    text = _BULLET.sub("", text.strip(), count=1).replace("**", "").replace("__", "").strip()
    match = _GROUP_KV.match(text) or _GROUP_BARE.match(text)
    if match:
        value = match.group("value").strip().rstrip(".")
        if value and len(value.split()) <= 6:
            return value
    return None


def _is_title(line: _Line, next_line: _Line | None) -> bool:
    """True if the first content line is the document's title rather than a heading or statement."""
    raw = line.text.strip()
    text, info = _strip_markup(raw)
    if info["bullet"] or info["number"] or line.list_item or _only_keyword(text) or text.endswith("?"):
        return False
    if info["md_level"] == 1 or line.style.casefold().startswith(_DOCX_TITLE_STYLES):
        return True
    if len(_fold(text).split()) > MAX_HEADING_WORDS:
        return False
    if _TITLE_WORDS.search(_fold(text)):
        return True
    return next_line is not None and _is_metadata_line(next_line.text)


# --------------------------------------------------------------------------- items and sentences


def _indent(text: str) -> int:
    expanded = text.expandtabs(4)
    return len(expanded) - len(expanded.lstrip(" "))


def _item_marker(text: str) -> re.Match[str] | None:
    stripped = text.strip()
    for pattern in (_BULLET, _NUMBER, _ROMAN, _UPPER_LETTER):
        marker = pattern.match(stripped)
        if marker and marker.end() < len(stripped):
            return marker
    return None


def _continues(line: _Line, item: _Item | None, previous_blank: bool) -> bool:
    """True if ``line`` carries on the open item rather than starting a new one."""
    if item is None or previous_blank or not line.joinable or _item_marker(line.text):
        return False
    if _indent(line.text) > 0:
        return True
    if not item.marked:
        return False  # plain lines are one item each, even in lower case
    last = item.parts[-1][0]
    first = line.text.strip()[:1]
    return first.islower() and not re.search(r"[.!?…:;]$", last)


def _nlp(lang: str) -> Any:
    """Return a blank spaCy pipeline with a sentencizer for ``lang``, built once per process."""
    code = "es" if lang == "es" else "en"
    if code not in _NLP_CACHE:
        import spacy

        nlp = spacy.blank(code)
        nlp.add_pipe("sentencizer")
        _NLP_CACHE[code] = nlp
    return _NLP_CACHE[code]


def _protect(text: str) -> str:
    """Replace the dots of abbreviations (e.g., vs., etc.) by a placeholder of the same length."""
    return _ABBREV.sub(lambda m: m.group(0).replace(".", _DOT_PLACEHOLDER), text)


def split_sentences(text: str, lang: str = "es") -> list[tuple[int, str]]:
    """Split ``text`` into sentences; return ``(start offset, sentence)`` pairs, stripped, in order.

    Common abbreviations ("e.g.", "vs.", "p. ej.", "etc." before a lower-case word) never end a
    sentence; a piece that starts in lower case ("… responder. sobre todo …") or has no letters
    or digits (" (3)") stays with the sentence before it.
    """
    if not _SENTENCE_END_INSIDE.search(text):
        stripped = text.strip()
        return [(text.find(stripped[:1]) if stripped else 0, stripped)] if stripped else []
    doc = _nlp(lang)(_protect(text))
    # spaCy's tokenizer keeps some abbreviations whole ("etc."), so a sentence ending in one is cut here.
    starts = sorted({sent.start_char for sent in doc.sents} | {m.end() for m in _ABBREV_END.finditer(text)})
    spans: list[list[int]] = []
    for start, end in zip(starts, starts[1:] + [len(text)]):
        piece = text[start:end].strip()
        if spans and (not any(ch.isalnum() for ch in piece) or piece[:1].islower()):
            spans[-1][1] = end
        else:
            spans.append([start, end])
    out: list[tuple[int, str]] = []
    for start, end in spans:
        piece = text[start:end]
        stripped = piece.strip()
        if stripped:
            out.append((start + piece.find(stripped[0]), stripped))
    return out


def _item_statements(item: _Item, heading: _Heading | None, file: str, group: str) -> Iterator[Statement]:
    """One statement per sentence of an item; each keeps the line its sentence starts on."""
    text = ""
    offsets: list[int] = []
    numbers: list[int] = []
    for part, number in item.parts:
        if text:
            text += " "
        offsets.append(len(text))
        numbers.append(number)
        text += part
    if not any(ch.isalnum() for ch in text):
        return
    item_lang = detect_lang(text)
    for start, sentence in split_sentences(text, item_lang):
        if not any(ch.isalnum() for ch in sentence):
            continue
        line = numbers[bisect.bisect_right(offsets, start) - 1]
        lang = detect_lang(sentence)
        if lang == "und" or (len(sentence.split()) < _SHORT_SENTENCE and len(sentence) < len(text)):
            lang = item_lang if item_lang != "und" else lang  # a short piece has too few words to tell
        yield Statement(
            text=sentence,
            lang=lang,
            type=heading.type if heading else None,
            section=heading.section if heading else "",
            file=file,
            line=line,
            group=group,
        )


# --------------------------------------------------------------------------- the line walker


def _mark_setext(lines: list[_Line]) -> list[_Line]:
    """Drop ``---``/``===`` rules; a non-blank line right above ``===``/``---`` becomes a heading."""
    out: list[_Line] = []
    for line in lines:
        if line.joinable and _RULE.match(line.text):
            if out and out[-1].text.strip() and not _item_marker(out[-1].text) and \
                    line.text.strip()[0] in "=-" and out[-1].number == line.number - 1:
                out[-1].setext = True
            out.append(_Line("", line.number))
            continue
        out.append(line)
    return out


def _segment_lines(lines: list[_Line], file: str, default_group: str, group: str | None) -> list[Statement]:
    """Find sections, preamble and items in ``lines`` and return the file's statements."""
    lines = _mark_setext(lines)
    content = [i for i, line in enumerate(lines) if line.text.strip()]
    title_index: int | None = None
    if content:
        first = content[0]
        following = lines[content[1]] if len(content) > 1 else None
        if _is_title(lines[first], following):
            title_index = first
    headings: dict[int, _Heading] = {}
    for i in content:
        if i == title_index:
            continue
        found = _heading(lines[i])
        if found:
            headings[i] = found
    first_heading = min(headings) if headings else len(lines)

    final_group = group if group is not None else (
        _find_group(lines, content, title_index, first_heading) or default_group)

    statements: list[Statement] = []
    current: _Heading | None = None
    open_headings: list[_Heading] = []  # the markdown/.docx heading levels we are inside
    block: list[_Line] = []  # content lines since the last heading
    skipped = 0

    def flush() -> None:
        for item in _items(block):
            statements.extend(_item_statements(item, current, file, final_group))
        block.clear()

    for i, line in enumerate(lines):
        if i in headings:
            flush()
            current = _nest(headings[i], open_headings)
            continue
        stripped = line.text.strip()
        in_preamble = bool(headings) and i < first_heading
        is_metadata = i == title_index or (
            bool(stripped) and not line.list_item and not _BULLET.match(stripped) and _is_metadata_line(stripped))
        if in_preamble or is_metadata:
            skipped += bool(stripped)
            block.append(_Line("", line.number))  # ends the open item like a blank line
        else:
            block.append(line)
    flush()
    statements = _fill_undetermined(statements)
    logger.debug("%s: %d statements, %d sections, %d preamble/metadata lines skipped",
                 file, len(statements), len(headings), skipped)
    if not statements:
        logger.warning("%s: no statements found", file)
    return statements


def _nest(heading: _Heading, open_headings: list[_Heading]) -> _Heading:
    """Track heading levels; an untyped sub-heading ("### Tecnología" under "## Riesgos") keeps the type."""
    if heading.level is None:
        open_headings.clear()
        return heading
    while open_headings and open_headings[-1].level >= heading.level:  # type: ignore[operator]
        open_headings.pop()
    if heading.type is None and open_headings and open_headings[-1].type is not None:
        heading = _Heading(heading.section, open_headings[-1].type, heading.level)
    open_headings.append(heading)
    return heading


def _find_group(lines: list[_Line], content: list[int], title_index: int | None, first_heading: int) -> str | None:
    """The group a file names: a group line in the preamble, else anywhere outside bullets, else in the title."""
    def group_line(i: int) -> str | None:
        line = lines[i]
        if line.list_item or i == title_index:
            return None
        return _group_from(line.text)

    has_headings = first_heading < len(lines)
    preamble = [i for i in content if i < first_heading and (has_headings or _is_metadata_line(lines[i].text))]
    rest = [i for i in content if i >= first_heading and not _BULLET.match(lines[i].text.strip())
            and _is_metadata_line(lines[i].text)]
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


# --------------------------------------------------------------------------- readers


def _text_lines(path: Path) -> list[_Line]:
    encoding = detect_encoding(path)
    with path.open("r", encoding=encoding, newline=None) as fh:
        text = fh.read()
    return [_Line(line.rstrip(), number) for number, line in enumerate(text.split("\n"), start=1)]


def _check_docx(path: Path) -> None:
    """The checks :func:`io.check_input` makes, minus its NUL-byte test (a .docx is a zip file)."""
    if not path.exists():
        raise SmgovError(f"input file {str(path)!r} does not exist", "check the path and try again")
    if path.is_dir():
        raise SmgovError(f"{str(path)!r} is a folder, expected a file", "pass a file path")
    if path.stat().st_size == 0:
        raise SmgovError(f"input file {str(path)!r} is empty", "pass a document with notes in it")
    if not zipfile.is_zipfile(path):
        raise SmgovError(f"{str(path)!r} is not a valid .docx document",
                         "save it again as .docx from your word processor")


def _docx_lines(path: Path) -> list[_Line]:
    """Paragraphs of a .docx in reading order, numbered from 1; a table's cells are read where it stands."""
    import docx
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many types for broken files
        raise SmgovError(f"{str(path)!r} is not a valid .docx document ({type(exc).__name__})",
                         "save it again as .docx from your word processor") from exc
    counter = 0

    def lines_of(paragraph: Any) -> list[_Line]:
        """A paragraph as lines: one per soft line break, all with the paragraph's number."""
        nonlocal counter
        counter += 1
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        runs = [r for r in paragraph.runs if r.text.strip()]
        ppr = paragraph._p.pPr
        listed = (ppr is not None and ppr.numPr is not None) or style.casefold().startswith(("list", "lista"))
        bold = bool(runs) and all(r.bold for r in runs)
        first, *rest = paragraph.text.split("\n")
        return [_Line(first, counter, style=style, bold=bold, list_item=listed, joinable=False)] + [
            _Line(piece, counter, style=style, bold=bold) for piece in rest]

    lines: list[_Line] = []
    for block in document.iter_inner_content():
        lines.extend(_table_lines(block, lines_of) if isinstance(block, Table) else lines_of(block))
    return lines


def _table_lines(table: Any, lines_of: Any) -> list[_Line]:
    """A table's paragraphs, numbered row by row; read column by column if the header row names types."""
    rows = [_unique_cells(row.cells) for row in table.rows]
    cells = [[[line for p in cell.paragraphs for line in lines_of(p)] for cell in row] for row in rows]
    header = [cell.text for cell in rows[0]] if rows else []
    if sum(1 for text in header if _only_keyword(text)) >= 2 and len(rows) > 1:
        width = max(len(row) for row in cells)
        return [line for c in range(width) for row in cells if c < len(row) for line in row[c]]
    return [line for row in cells for cell in row for line in cell]


def _unique_cells(cells: Iterable[Any]) -> list[Any]:
    """Cells of a row, with horizontally merged cells (repeated by python-docx) once."""
    seen: set[int] = set()
    out = []
    for cell in cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            out.append(cell)
    return out


def _table_statements(path: Path, group: str | None) -> list[Statement]:
    """Statements of a CSV/XLSX/JSONL export: one or more per non-empty ``text`` cell."""
    frame = read_table(path)
    columns = {str(c).strip().casefold(): c for c in frame.columns}
    if "text" not in columns:
        found = [str(c) for c in frame.columns]
        raise SmgovError(f"expected a column 'text' in {path.name}, found {found}",
                         "rename the column that holds the statements to 'text'")

    def cell(row: dict[Any, Any], name: str) -> str:
        return str(row[columns[name]] or "").strip() if name in columns else ""

    statements: list[Statement] = []
    for index, row in enumerate(frame.to_dict("records")):
        number = index + 2  # the spreadsheet row; the header is row 1
        section, raw_type = cell(row, "section"), cell(row, "type")
        typ = (section_type(raw_type) if raw_type else None) or (section_type(section) if section else None)
        if raw_type and section_type(raw_type) is None:
            logger.warning("%s row %d: type %r is not one of %s", path.name, number, raw_type, TYPES)
        heading = _Heading(section or raw_type, typ, None) if (section or raw_type) else None
        row_group = group if group is not None else (cell(row, "group") or path.stem)
        lines = [_Line(part, number) for part in str(row[columns["text"]] or "").splitlines()]
        for item in _items(lines):
            statements.extend(_item_statements(item, heading, path.name, row_group))
    logger.debug("%s: %d statements from %d rows", path.name, len(statements), len(frame))
    return _fill_undetermined(statements)


def _items(lines: list[_Line]) -> Iterator[_Item]:
    """Group content lines (no headings) into items: bullets, numbered items, plain lines, continuations."""
    item: _Item | None = None
    previous_blank = True
    for line in lines:
        stripped = line.text.strip()
        if not stripped:
            if item:
                yield item
            item, previous_blank = None, True
            continue
        if _continues(line, item, previous_blank):
            assert item is not None
            item.parts.append((stripped, line.number))
        else:
            if item:
                yield item
            marker = _item_marker(stripped)
            body = stripped[marker.end():] if marker else stripped
            item = _Item([(body.strip(), line.number)], marked=marker is not None or line.list_item)
        previous_blank = False
    if item:
        yield item


def _fill_undetermined(statements: list[Statement]) -> list[Statement]:
    """Give statements too short to tell (``und``) the language most statements of the file have."""
    counts = {lang: sum(s.lang == lang for s in statements) for lang in ("es", "en")}
    if not any(counts.values()) or counts["es"] == counts["en"]:
        return statements
    dominant = max(counts, key=counts.__getitem__)
    return [replace(s, lang=dominant) if s.lang == "und" else s for s in statements]


# --------------------------------------------------------------------------- public entry points


def segment_text(text: str, file: str = "<text>", group: str | None = None) -> list[Statement]:
    """Segment notes given as a string, as :func:`segment_file` does for a .txt file."""
    lines = [_Line(line.rstrip(), number) for number, line in enumerate(text.splitlines(), start=1)]
    default = Path(file).stem or file
    return _segment_lines(lines, file, default, group)


def segment_file(path: str | Path, group: str | None = None) -> list[Statement]:
    """Read a notes file and return its statements in order.

    ``.txt``/``.md`` notes and ``.docx`` documents are split into sections and items (see the
    module docstring); CSV/XLSX/JSONL exports need a ``text`` column and may have ``type`` or
    ``section`` and ``group`` columns. The group is, in order: the ``group`` argument, a
    ``group`` column or a "Mesa 2" line in the preamble, and the file's stem.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        _check_docx(path)
        return _segment_lines(_docx_lines(path), path.name, path.stem, group)
    path = check_input(path, FORMATS)
    if suffix in TABLE_FORMATS:
        return _table_statements(path, group)
    return _segment_lines(_text_lines(path), path.name, path.stem, group)
