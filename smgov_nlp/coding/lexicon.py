"""Language helpers shared by training and scoring: accent stripping, lookup lemmas, type cues.

Lemmas come from the ``lemma_lookup`` tables of ``spacy-lookups-data`` (the tables a blank
spaCy pipeline's ``lookup`` lemmatizer uses), read as plain dicts, once per process; each
word's lemma is memoised. The cue lexicon is described in :mod:`smgov_nlp.coding.features`.
Nothing here imports scikit-learn, so scoring can use it without slowing start-up.
"""

from __future__ import annotations

import re
import threading
from functools import cache, lru_cache

import numpy as np

from smgov_nlp.embeddings.backends import MAX_CHARS
from smgov_nlp.lang import detect_lang
from smgov_nlp.text import as_texts, strip_accents

_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_ES_INFINITIVE = re.compile(r"(?:ar|er|ir)$")

# Cross-lingual cue lexicon for the statement type (matched on accent-stripped words and lemmas).
CUE_WORDS: dict[str, str] = {
    "risk": """lack lacking absence absent insufficient limited limitation poor risk risks threat danger inadequate
        misuse abuse resistance difficult difficulty problem problems failure loss lose excessive overload
        unclear uncertainty vulnerable vulnerability distrust mistrust not no without barrier barriers cost
        costs attack attacks manipulation rumor rumors negative falta carencia ausencia insuficiente
        limitado limitación escaso escasa riesgo riesgos amenaza peligro inadecuado mal abuso resistencia
        difícil dificultad problema problemas fallo falla pérdida perder excesivo incertidumbre vulnerable
        vulnerabilidad desconfianza no sin barrera barreras costo costos ataque ataques manipulación rumor
        rumores negativo""",
    "benefit": """allow allows enable enables permit permits facilitate facilitates improve improves help helps
        benefit benefits opportunity support supports encourages provide provides reduce reduces better
        faster cheaper greater more permitir permite permiten posibilitar facilitar facilita mejorar mejora
        ayudar ayuda beneficio beneficios oportunidad apoyar apoya fomenta proporcionar proporciona dar
        reducir reduce mejor mayor más""",
    "strategy": """should must need needs necessary establish create develop design evaluate implement train training
        plan adopt monitor ensure consider debe deben deberían necesario necesita establecer crear
        desarrollar diseñar implementar capacitar capacitación planear adoptar monitorear asegurar
        considerar""",
}
CUE_FEATURES: tuple[str, ...] = tuple(
    f"{kind}_{where}" for kind in CUE_WORDS for where in ("any", "first")
) + ("first_es_infinitive", "first_en_base_form")


_CUE_SETS = {kind: frozenset(strip_accents(w) for w in words.split()) for kind, words in CUE_WORDS.items()}
_LOADING = threading.Lock()  # two threads asking at once load a table once, not twice


def _lemma_table(lang: str) -> dict:
    """The ``lemma_lookup`` table of spacy-lookups-data for ``es`` or ``en`` as a plain dict, loaded once per process."""
    with _LOADING:
        return _load_lemma_table(lang)


@cache
def _load_lemma_table(lang: str) -> dict:
    """Read straight from the package's data file (what ``spacy.blank(lang)`` + the ``lookup`` lemmatizer
    would load), which avoids building a spaCy ``Table`` of half a million entries."""
    import spacy_lookups_data
    from spacy.util import load_language_data

    return dict(load_language_data(getattr(spacy_lookups_data, lang)["lemma_lookup"]))


@lru_cache(maxsize=200_000)
def lemma(word: str, lang: str) -> str:
    """Lookup lemma of a lower-case ``word`` (``lang`` ``es``/``en``; ``und`` tries Spanish, then English)."""
    if lang in ("es", "en"):
        return _lemma_table(lang).get(word, word)
    for code in ("es", "en"):
        found = _lemma_table(code).get(word)
        if found:
            return found
    return word


def lemmatize(text: str, lang: str | None = None) -> list[str]:
    """Lower-case word tokens of ``text`` replaced by their lookup lemmas (language detected when not given)."""
    lang = lang or detect_lang(text)
    return [lemma(w, lang) for w in _WORD.findall(text.lower())]


class CueLexicon:
    """What the cue block needs from the lemma tables, frozen into a few word sets.

    For each language (``es``, ``en``, ``und``) and cue kind, the surface words whose lookup
    lemma is a cue of that kind; and the English words whose lemma differs from the word
    (for the "opens with a base-form verb" feature). :func:`build` derives them from the
    spacy-lookups-data tables; a trained model stores them (:meth:`to_arrays`), so scoring
    needs neither spaCy nor the half-million-entry tables.
    """

    def __init__(self, words: dict[str, frozenset], en_changed: frozenset):
        self.words = words  # "<lang>:<kind>" -> surface words whose lemma is a cue of that kind
        self.en_changed = en_changed

    @classmethod
    def build(cls) -> CueLexicon:
        es, en = _lemma_table("es"), _lemma_table("en")
        lookups = {"es": (es, es.get), "en": (en, en.get), "und": ({**en, **es}, lambda w: es.get(w) or en.get(w))}
        words = {}
        for lang, (table, lookup) in lookups.items():
            lemma_forms = [(w, _stripped(lookup(w) or w)) for w in table]  # few distinct lemmas: memoised
            for kind, cues in _CUE_SETS.items():
                words[f"{lang}:{kind}"] = frozenset(w for w, form in lemma_forms if form in cues)
        en_changed = frozenset(w for w, lem in en.items() if _stripped(lem) != strip_accents(w))
        return cls(words, en_changed)

    def to_arrays(self, prefix: str = "cuelex_") -> dict[str, np.ndarray]:
        arrays = {f"{prefix}{key}": np.array(sorted(ws), dtype=str) for key, ws in self.words.items()}
        arrays[f"{prefix}en_changed"] = np.array(sorted(self.en_changed), dtype=str)
        return arrays

    @classmethod
    def from_arrays(cls, arrays, prefix: str = "cuelex_") -> CueLexicon:
        words = {key[len(prefix):]: frozenset(arrays[key].tolist()) for key in arrays
                 if key.startswith(prefix) and key != f"{prefix}en_changed"}
        return cls(words, frozenset(arrays[f"{prefix}en_changed"].tolist()))

    def __eq__(self, other) -> bool:
        return isinstance(other, CueLexicon) and self.words == other.words and self.en_changed == other.en_changed


@cache
def default_cue_lexicon() -> CueLexicon:
    """The lexicon built from the installed lemma tables, once per process."""
    return CueLexicon.build()


def cue_features(texts, max_chars: int = MAX_CHARS, lexicon: CueLexicon | None = None) -> np.ndarray:
    """The ``(n, 8)`` binary cue block, columns named by :data:`CUE_FEATURES`.

    A word counts for a kind when its accent-stripped form or its lookup lemma is in the kind's
    cue list; "first" features look at the first word only. ``first_en_base_form`` (not Spanish,
    and the first word is its own English lemma and does not end in "s") uses the English table.
    """
    lexicon = lexicon or default_cue_lexicon()
    texts = as_texts(texts)
    out = np.zeros((len(texts), len(CUE_FEATURES)), dtype=np.float32)
    for i, text in enumerate(texts):
        text = text[:max_chars]
        lang = detect_lang(text)
        words = _WORD.findall(text.lower())
        if not words:
            continue
        stripped = [_stripped(w) for w in words]
        for k, (kind, cues) in enumerate(_CUE_SETS.items()):
            by_lemma = lexicon.words[f"{lang}:{kind}"]
            out[i, 2 * k] = any(f in cues for f in stripped) or not by_lemma.isdisjoint(words)
            out[i, 2 * k + 1] = stripped[0] in cues or words[0] in by_lemma
        out[i, 6] = lang == "es" and _ES_INFINITIVE.search(stripped[0]) is not None
        out[i, 7] = lang != "es" and words[0] not in lexicon.en_changed and not stripped[0].endswith("s")
    return out


@lru_cache(maxsize=200_000)
def _stripped(word: str) -> str:
    return strip_accents(word)
