"""Items and sentences: bullets, numbered items and plain lines, each split into one statement per sentence.

Bullets, numbered items and plain lines are items; indented lines that follow an item (and,
after a bullet, a wrapped line starting in lower case) continue it. An item holding several
sentences becomes one statement per sentence, split by spaCy's rule-based sentencizer on a
blank pipeline (no model to download), with common Spanish and English abbreviations protected;
a run-on sentence joining two clauses is split further by :mod:`smgov_nlp.transcripts.clauses`.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from smgov_nlp.lang import detect_lang
from smgov_nlp.transcripts.clauses import split_clauses
from smgov_nlp.transcripts.headings import Heading
from smgov_nlp.transcripts.markup import Line, indent, item_marker
from smgov_nlp.transcripts.statement import Statement

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


@dataclass
class Item:
    """One bullet, numbered item or plain line, with its continuation lines."""

    parts: list[tuple[str, int]]  # (text, line number) of the item's lines, markers stripped
    marked: bool = False  # started with a bullet or number, or is a .docx list paragraph


# --------------------------------------------------------------------------- items


def items(lines: list[Line]) -> Iterator[Item]:
    """Group content lines (no headings) into items: bullets, numbered items, plain lines, continuations."""
    item: Item | None = None
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
            marker = item_marker(stripped)
            body = stripped[marker.end():] if marker else stripped
            item = Item([(body.strip(), line.number)], marked=marker is not None or line.list_item)
        previous_blank = False
    if item:
        yield item


def _continues(line: Line, item: Item | None, previous_blank: bool) -> bool:
    """True if ``line`` carries on the open item rather than starting a new one."""
    if item is None or previous_blank or not line.joinable or item_marker(line.text):
        return False
    if indent(line.text) > 0:
        return True
    if not item.marked:
        return False  # plain lines are one item each, even in lower case
    last = item.parts[-1][0]
    first = line.text.strip()[:1]
    return first.islower() and not re.search(r"[.!?…:;]$", last)


# --------------------------------------------------------------------------- sentences


def sentencizer(lang: str) -> Any:
    """A blank spaCy pipeline with a sentencizer: Spanish for ``'es'``, English otherwise; built once."""
    return _blank_pipeline("es" if lang == "es" else "en")


@functools.cache
def _blank_pipeline(code: str) -> Any:
    import spacy  # heavy: loaded only when an item holds more than one sentence

    nlp = spacy.blank(code)
    nlp.add_pipe("sentencizer")
    return nlp


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
    doc = sentencizer(lang)(_protect(text))
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


# --------------------------------------------------------------------------- statements


def item_statements(item: Item, heading: Heading | None, file: str, group: str) -> Iterator[Statement]:
    """One statement per sentence of an item (per clause of a run-on sentence); each keeps the line its sentence starts on.

    The parts of a split run-on sentence keep its file, line, section, type and group, so they
    still count as one response.
    """
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
        line = numbers[bisect.bisect_right(offsets, start) - 1]
        for _, clause in split_clauses(sentence, item_lang):
            if not any(ch.isalnum() for ch in clause):
                continue
            lang = detect_lang(clause)
            if lang == "und" or (len(clause.split()) < _SHORT_SENTENCE and len(clause) < len(text)):
                lang = item_lang if item_lang != "und" else lang  # a short piece has too few words to tell
            yield Statement(
                text=clause,
                lang=lang,
                type=heading.type if heading else None,
                section=heading.section if heading else "",
                file=file,
                line=line,
                group=group,
            )


def fill_undetermined(statements: list[Statement]) -> list[Statement]:
    """Give statements too short to tell (``und``) the language most statements of the file have."""
    counts = {lang: sum(s.lang == lang for s in statements) for lang in ("es", "en")}
    if not any(counts.values()) or counts["es"] == counts["en"]:
        return statements
    dominant = max(counts, key=counts.__getitem__)
    return [replace(s, lang=dominant) if s.lang == "und" else s for s in statements]
