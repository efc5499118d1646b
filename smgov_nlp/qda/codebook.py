"""The REFI-QDA codebook: codes ``Layer`` (the six layers), ``Type`` (risk, benefit, strategy) and ``Ideas``.

Every layer and type code's ``<Description>`` starts with ``id: <label id>`` and then gives its
definition, so an import never depends on a display name; an idea code's starts with ``idea: <idea id>``
and its counts. GUIDs are uuid5 of stable keys (:func:`guid`), so a re-export keeps the same identities.
The same codes go into ``project.qde`` (namespace :data:`PROJECT_NS`) and ``codebook.qdc``
(:data:`CODEBOOK_NS`).
"""

from __future__ import annotations

import csv
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from smgov_nlp import __version__
from smgov_nlp.labels import HEADS, LAYER_TITLES, TYPE_TITLES, label_from_name
from smgov_nlp.model.corpus import packaged_corpus_dir

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = f"smgov-nlp {__version__}"
MODEL_USER_PREFIX = "smgov-nlp "
_NAMESPACE = uuid.UUID("6c1d2f0e-5b1a-5f4e-9a57-736d676f7671")  # smgov-nlp's own uuid5 namespace
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
HEAD_CODES = {"layer": "Layer", "type": "Type"}
IDEAS_CODE = "Ideas"
TYPE_NAMES = {"risk": "Risk", "benefit": "Benefit", "strategy": "Strategy"}
TYPE_DEFINITIONS = {
    "risk": "A perceived risk: something that could go wrong when government uses social media.",
    "benefit": "A perceived benefit: something government gains by using social media.",
    "strategy": "A strategic component: what to do so that social media projects succeed.",
}
_COLORS = {"general_context": "#4E79A7", "institutional_framework": "#F28E2B",
           "interorganizational_collaboration": "#E15759", "organizational_structure_processes": "#76B7B2",
           "information_data": "#59A14F", "technology": "#EDC948", "risk": "#B07AA1", "benefit": "#FF9DA7",
           "strategy": "#9C755F"}
_ID_LINE = re.compile(r"^\s*id:\s*([a-z_]+)\s*$", re.MULTILINE)
_IDEA_LINE = re.compile(r"^\s*idea:\s*(\S+)", re.MULTILINE)


def guid(*key: str) -> str:
    """A GUID that depends only on ``key``: the same key gives the same GUID in every export."""
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(key)))


def xml_text(value: object) -> str:
    """``value`` as a string XML 1.0 can hold (control characters dropped)."""
    return _XML_INVALID.sub("", str(value))


@dataclass
class Code:
    """One code of the codebook and its children."""

    guid: str
    name: str
    description: str = ""
    codable: bool = True
    color: str = ""
    children: list[Code] = field(default_factory=list)


def layer_name(layer: str) -> str:
    """A layer's name as in the paper's tables, without its number: ``Organizational structure and processes``."""
    return re.sub(r"^\d+\.\s*", "", LAYER_TITLES[layer])


def label_code_guid(head: str, label: str) -> str:
    return guid("code", head, label)


def idea_code_guid(idea_id: str, idea_text: str) -> str:
    return guid("code", "idea", idea_id, idea_text)


def definitions(path: Path | None = None) -> dict[str, list[str]]:
    """Each layer's definition sentences from the shipped ``layer_definitions.csv``, English first, then Spanish."""
    path = path or packaged_corpus_dir() / "layer_definitions.csv"
    found: dict[str, list[str]] = {}
    if not path.exists():
        return found
    with path.open(encoding="utf-8", newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: (r["lang"] != "en", r["id"]))
    for row in rows:
        found.setdefault(row["layer"], []).append(row["text"].strip())
    return found


def codebook_codes(ideas: pd.DataFrame | None = None) -> list[Code]:
    """The three top codes: ``Layer`` and ``Type`` with one child per label, ``Ideas`` with one per idea."""
    layer_definitions = definitions()
    layers = [Code(label_code_guid("layer", layer), layer_name(layer),
                   "\n".join([f"id: {layer}", *layer_definitions.get(layer, [])]), color=_COLORS[layer])
              for layer in HEADS["layer"]]
    types = [Code(label_code_guid("type", type_), TYPE_NAMES[type_],
                  f"id: {type_}\n{TYPE_TITLES[type_]}. {TYPE_DEFINITIONS[type_]}", color=_COLORS[type_])
             for type_ in HEADS["type"]]
    top = [Code(guid("code", "Layer"), "Layer", "The layer of the framework of Picazo-Vela et al. (2012).",
                codable=False, children=layers),
           Code(guid("code", "Type"), "Type", "Whether the statement is a risk, a benefit or a strategy.",
                codable=False, children=types)]
    children = []
    seen: set[str] = set()
    for row in ([] if ideas is None else ideas.to_dict("records")):
        name = " ".join(str(row["idea_text"]).split())
        if name.casefold() in seen:  # some tools key codes by name
            name = f"{name} ({row['idea_id']})"
        seen.add(name.casefold())
        counts = [f"{column}: {row[column]}" for column in ("mentions", "groups") if column in row]
        children.append(Code(idea_code_guid(str(row["idea_id"]), str(row["idea_text"])), name,
                             "\n".join([f"idea: {row['idea_id']}", *counts,
                                        f"type: {row.get('type', '')}", f"layer: {row.get('layer', '')}"])))
    top.append(Code(guid("code", IDEAS_CODE), IDEAS_CODE, "Consolidated ideas: statements that say the same thing.",
                    codable=False, children=children))
    return top


def code_element(code: Code, ns: str) -> ET.Element:
    """``<Code>`` for ``code`` (and its children) in namespace ``ns``."""
    element = ET.Element(f"{{{ns}}}Code", {"guid": code.guid, "name": xml_text(code.name),
                                            "isCodable": "true" if code.codable else "false"})
    if code.color:
        element.set("color", code.color)
    if code.description:
        ET.SubElement(element, f"{{{ns}}}Description").text = xml_text(code.description)
    for child in code.children:
        element.append(code_element(child, ns))
    return element


def codes_element(codes: Sequence[Code], ns: str) -> ET.Element:
    element = ET.Element(f"{{{ns}}}Codes")
    for code in codes:
        element.append(code_element(code, ns))
    return element


def codebook_xml(codes: Sequence[Code]) -> bytes:
    """A ``.qdc`` document holding ``codes``."""
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook", {"origin": ORIGIN})
    root.append(codes_element(codes, CODEBOOK_NS))
    return serialize(root, CODEBOOK_NS)


def serialize(root: ET.Element, ns: str) -> bytes:
    """``root`` as UTF-8 XML with ``ns`` as the default namespace, indented."""
    ET.register_namespace("", ns)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def label_of_code(name: str, description: str) -> tuple[str, str] | None:
    """``(head, label id)`` a code stands for: the ``id:`` line of its description, else its name in
    English or Spanish (case- and accent-insensitive); ``None`` when it is neither."""
    for match in _ID_LINE.finditer(description or ""):
        for head, ids in HEADS.items():
            if match.group(1) in ids:
                return head, match.group(1)
    for head in HEADS:
        try:
            return head, label_from_name(head, name)
        except ValueError:
            continue
    return None


def idea_of_code(description: str) -> str | None:
    """The idea id an idea code's description names, if any."""
    match = _IDEA_LINE.search(description or "")
    return match.group(1) if match else None
