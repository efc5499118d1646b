"""Run-on sentences: "no hay presupuesto y además el personal ya está saturado" holds two statements.

A sentence is cut at a connector (:data:`CONNECTORS`: "y además", "y también", "además de que",
"and also", "as well as" or ";") when the text on each side is a clause. Without a tagger (the
pipelines are blank), a side is a clause if it has a *verb-like token*, found by spaCy's rule
:class:`~spacy.matcher.Matcher` on a blank pipeline whose lookup lemmatizer (spacy-lookups-data)
tells an inflected form from the word it comes from:

* Spanish: an inflected auxiliary, copula or existential ("hay", "está", "pueden", "tienen"); a
  verb form after a clitic or negation ("se repita", "no alcanzamos"); a form with a finite
  ending ("abandonaron", "faltan", "respondía"); a verb form after a subject ("el personal
  trabaja", "nadie responde"); or an infinitive opening the side, as strategies are written
  ("Capacitar al personal; publicar lineamientos");
* English: an auxiliary or modal ("is", "are", "has", "can", "should"); a word after a subject
  pronoun ("we need", "they complain").

Participles and forms that are also nouns ("presupuesto", "falta", "capacitado") do not count,
so noun phrases never split: "Falta de presupuesto y además de capacitación", "Training for
staff as well as for community managers". Counting content words instead would split those
("personal de comunicación social" has three), which is why a clause needs a verb. A side that
is not a clause stays joined to its neighbour, connector and all.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from smgov_nlp.errors import SmgovError

CONNECTORS = re.compile(
    r"\s*;\s*"
    r"|,?\s+(?:y\s+)?(?:además|ademas)\s+de\s+que\s+"
    r"|,?\s+y\s+(?:además|ademas|también|tambien)\s*,?\s+"
    r"|,?\s+and\s+also\s+"
    r"|,?\s+as\s+well\s+as\s+",
    re.IGNORECASE,
)

_VERB_LEMMA = r"(?:[aei]r|ír)$"
_FINITE_ES = (r"(?:ó|ió|aron|ieron|aba|aban|ía|ían|amos|emos|imos|an|en|ará|erá|irá|arán|erán|irán"
              r"|aría|ería|iría|arían|erían|irían)$")
_NOT_FINITE_ES = re.compile(r"(?:o|os|[aeií]das?|tas?|sas?|chas?)$")  # participles and noun-like forms
_AUX_ES = ["haber", "ser", "estar", "tener", "poder", "deber", "ir", "hacer", "existir", "seguir"]
_CLITICS_ES = ["no", "se", "ya", "nos", "les", "le", "me", "te", "nunca", "tampoco"]
_INFINITIVE_ES = re.compile(r"^[a-zñ]{2,}(?:ar|er|ir)$")
_NOUNS_IN_R_ES = frozenset("""lugar mujer hogar placer militar familiar particular similar popular titular
    celular regular escolar auxiliar nivel par mar bar""".split())  # nouns and adjectives that look like infinitives
_SUBJECTS_ES = ["el", "los", "las", "nadie", "nosotros", "ellos", "ellas", "todos", "alguien", "ustedes", "usted"]
_AUX_EN = ["is", "are", "was", "were", "am", "be", "been", "'re", "'m", "has", "have", "had", "'ve", "do",
           "does", "did", "can", "ca", "could", "will", "wo", "'ll", "would", "'d", "shall", "should", "may",
           "might", "must", "cannot"]
_PRONOUNS_EN = ["i", "we", "they", "you", "he", "she", "it", "nobody", "everyone", "everybody", "someone"]

# Matcher patterns per language; the rules whose name ends in "*" also need the last token to be
# an inflected verb form (see _inflected), which a token pattern cannot say.
PATTERNS: dict[str, dict[str, list[list[dict[str, Any]]]]] = {
    "es": {
        "aux*": [[{"LEMMA": {"IN": _AUX_ES}}]],
        "clitic*": [[{"LOWER": {"IN": _CLITICS_ES}}, {"LEMMA": {"REGEX": _VERB_LEMMA}}]],
        "finite*": [[{"LEMMA": {"REGEX": _VERB_LEMMA}, "LOWER": {"REGEX": _FINITE_ES}}]],
        "subject*": [[{"LOWER": {"IN": _SUBJECTS_ES}}, {"IS_ALPHA": True}, {"LEMMA": {"REGEX": _VERB_LEMMA}}],
                     [{"LOWER": {"IN": _SUBJECTS_ES}}, {"LEMMA": {"REGEX": _VERB_LEMMA}}]],
    },
    "en": {
        "aux": [[{"LOWER": {"IN": _AUX_EN}}]],
        "pronoun": [[{"LOWER": {"IN": _PRONOUNS_EN}}, {"IS_ALPHA": True, "IS_STOP": False}]],
    },
}


def split_clauses(text: str, lang: str = "es") -> list[tuple[int, str]]:
    """Split a run-on sentence where a connector joins two clauses; ``(start offset, part)`` pairs.

    Each part is stripped, and loses the comma or semicolon that ended it; a sentence without a
    connector between two clauses comes back whole.
    """
    stripped = text.strip()
    whole = [(text.find(stripped[:1]), stripped)] if stripped else []
    cuts = [m for m in CONNECTORS.finditer(text) if 0 < m.start() and m.end() < len(text)]
    if not cuts:
        return whole
    spans: list[list[int]] = []  # [start, end] of each part in text
    start = 0
    for match in cuts + [None]:
        end = match.start() if match else len(text)
        part = (start, end)
        if spans and is_clause(text[slice(*spans[-1])], lang) and is_clause(text[slice(*part)], lang):
            spans.append(list(part))
        elif spans:
            spans[-1][1] = end  # not two clauses: the part stays joined to the one before
        else:
            spans.append(list(part))
        start = match.end() if match else len(text)
    if len(spans) == 1:
        return whole
    out = []
    for start, end in spans:
        piece = text[start:end].strip().rstrip(",;").rstrip()
        if piece:
            out.append((start + text[start:end].find(piece[0]), piece))
    return out


def is_clause(text: str, lang: str = "es") -> bool:
    """True if ``text`` has a verb-like token (see the module docstring): it can stand as a statement."""
    if not any(ch.isalpha() for ch in text):
        return False
    code = "es" if lang == "es" else "en"
    nlp, matcher = _matcher(code)
    doc = nlp(text.lower() if len(text.lower()) == len(text) else text)  # the lookup tables are lower case
    words = [token for token in doc if token.is_alpha]
    if code == "es" and words and _INFINITIVE_ES.match(words[0].lower_) and words[0].lower_ not in _NOUNS_IN_R_ES:
        return True
    for match_id, _, end in matcher(doc):
        rule = nlp.vocab.strings[match_id]
        if not rule.endswith("*") or _inflected(doc[end - 1]):
            return True
    return False


def _inflected(token: Any) -> bool:
    """An inflected Spanish verb form: a lemma other than the word, and not a participle or noun-like form."""
    return token.lemma_ != token.lower_ and not _NOT_FINITE_ES.search(token.lower_)


@functools.cache
def _matcher(code: str) -> tuple[Any, Any]:
    """A blank pipeline with the lookup lemmatizer, and the verb-like patterns of its language; built once."""
    import spacy  # heavy: loaded only when a sentence holds a connector
    from spacy.matcher import Matcher

    nlp = spacy.blank(code)
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    try:
        nlp.initialize()
    except (ImportError, ValueError, OSError) as exc:  # the lookup tables are a separate package
        raise SmgovError(f"spaCy's lemma lookup tables for {code!r} could not be loaded ({exc})",
                         "pip install spacy-lookups-data") from exc
    matcher = Matcher(nlp.vocab)
    for rule, patterns in PATTERNS[code].items():
        matcher.add(rule, patterns)
    return nlp, matcher
