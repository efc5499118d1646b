"""From a read project to statements coded by coders: what the import and the agreement work on.

A selection is matched to a statement by the ``text_hash`` in its description (our export), else by
its span or its text equal to one of our selections in the same source. In a project with none of our
selections (coded by hand in another tool) each selection's text is the statement. A person's codings
on a selection that matches no statement are counted, not dropped silently. Codes are read as layer or
type by the label id in their description, else by their name in English or Spanish
(:func:`~smgov_nlp.qda.codebook.label_of_code`); idea codes are recognised and set aside; any other
code a person used is listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from smgov_nlp.qda.codebook import IDEAS_CODE, MODEL_USER_PREFIX, idea_of_code, label_of_code
from smgov_nlp.qda.reader import QdaProject
from smgov_nlp.text import normalize_text, text_hash

_HASH_LINE = re.compile(r"^\s*text_hash:\s*([0-9a-f]{64})\s*$", re.MULTILINE)


@dataclass
class Unit:
    """One statement and each coder's labels for it (``coder -> head -> labels``, in the order found)."""

    key: str  # text_hash
    text: str
    source: str
    labels: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def add(self, coder: str, head: str, label: str) -> None:
        found = self.labels.setdefault(coder, {}).setdefault(head, [])
        if label not in found:
            found.append(label)


@dataclass
class Units:
    """The statements of a project, and what could not be read as a statement's layer or type."""

    units: list[Unit]
    unmatched: int = 0  # selections with a person's codings that match no statement
    unmatched_examples: list[str] = field(default_factory=list)
    unknown_codes: dict[str, int] = field(default_factory=dict)  # code name -> codings by people
    idea_codings: int = 0  # codings by people with an idea code (ideas are regrouped through smgov review)
    model_users: list[str] = field(default_factory=list)

    def model_label(self, unit: Unit, head: str) -> str:
        """The model's label for ``unit`` under ``head`` (the first model user's), or ``''``."""
        for user in self.model_users:
            labels = unit.labels.get(user, {}).get(head, [])
            if labels:
                return labels[0]
        return ""


def is_model(user: str) -> bool:
    """Whether a User name is smgov-nlp's model (``smgov-nlp default@9c0df854781f``)."""
    return user.startswith(MODEL_USER_PREFIX)


def code_kinds(project: QdaProject) -> dict[str, tuple[str, str] | None]:
    """Code GUID -> ``(head, label)`` for layer/type codes, ``("idea", id)`` for idea codes, ``None`` otherwise."""
    kinds: dict[str, tuple[str, str] | None] = {}
    for key, code in project.codes.items():
        idea = idea_of_code(code.description)
        if idea is not None or (code.parents and code.parents[0] == IDEAS_CODE):
            kinds[key] = ("idea", idea or code.name)
        else:
            kinds[key] = label_of_code(code.name, code.description)
    return kinds


def coded_units(project: QdaProject) -> Units:
    """The project's statements with every coder's layer and type labels."""
    kinds = code_kinds(project)
    by_position: dict[tuple[str, int, int], str] = {}
    by_text: dict[tuple[str, str], str] = {}
    ours: dict[str, str] = {}  # text_hash -> the statement's text
    for selection in project.selections:
        match = _HASH_LINE.search(selection.description)
        if match:
            key = match.group(1)
            ours.setdefault(key, " ".join(selection.text.split()))
            by_position[(selection.source, selection.start, selection.end)] = key
            by_text[(selection.source, normalize_text(selection.text))] = key
    units: dict[str, Unit] = {}
    result = Units([])
    for selection in project.selections:
        match = _HASH_LINE.search(selection.description)
        key = match.group(1) if match else (
            by_position.get((selection.source, selection.start, selection.end))
            or by_text.get((selection.source, normalize_text(selection.text))))
        if key is None and text_hash(selection.text) in ours:
            key = text_hash(selection.text)
        if key is None and not ours and selection.text.strip():
            key = text_hash(selection.text)  # a project coded by hand: the selection is the statement
        if key is None:
            if any(not is_model(c.user) for c in selection.codings):
                result.unmatched += 1
                if len(result.unmatched_examples) < 3:
                    result.unmatched_examples.append(f"{selection.source} [{selection.start}, {selection.end}): "
                                                     f"{' '.join(selection.text.split())[:60]!r}")
            continue
        unit = units.setdefault(key, Unit(key, ours.get(key) or " ".join(selection.text.split()), selection.source))
        for coding in selection.codings:
            kind = kinds.get(coding.code)
            if kind is None:
                if not is_model(coding.user):
                    name = project.codes[coding.code].name if coding.code in project.codes else coding.code
                    result.unknown_codes[name] = result.unknown_codes.get(name, 0) + 1
                continue
            if kind[0] == "idea" and not is_model(coding.user):
                result.idea_codings += 1
                continue
            unit.add(coding.user, *kind)
    result.units = list(units.values())
    result.model_users = sorted({coder for unit in result.units for coder in unit.labels if is_model(coder)})
    return result
