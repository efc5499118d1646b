"""Read a REFI-QDA project (``.qdpx``): its users, codes, text sources, selections and codings.

Only what the import and the agreement need is read; anything the file lacks that they need is a
:class:`~smgov_nlp.errors.SmgovError` naming the problem (not a zip, no ``project.qde``, XML that does
not parse, a source file missing from the zip).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from smgov_nlp.errors import SmgovError

_FIX = "export the project again from your QDA tool (File > Export > REFI-QDA project)"


@dataclass(frozen=True)
class CodeInfo:
    """A code of the codebook: its name, description and the names of its parents, outermost first."""

    name: str
    description: str
    parents: tuple[str, ...] = ()


@dataclass(frozen=True)
class Coding:
    """One coding: the user who made it (their name; the GUID when the project lists no such user) and the code's GUID."""

    user: str
    code: str


@dataclass
class Selection:
    """A coded span of a text source, with its text and description."""

    guid: str
    source: str  # the source's name
    start: int
    end: int
    text: str
    description: str
    codings: list[Coding] = field(default_factory=list)


@dataclass
class QdaProject:
    """What :func:`read_qdpx` found."""

    users: dict[str, str]  # guid -> name
    codes: dict[str, CodeInfo]  # guid -> code
    selections: list[Selection]
    sources: list[str]  # names, in file order


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: ET.Element, name: str) -> str:
    found = _children(element, name)
    return (found[0].text or "") if found else ""


def read_qdpx(path: str | Path) -> QdaProject:
    """Parse ``path``; raises :class:`SmgovError` for a file that is not a readable REFI-QDA project."""
    path = Path(path)
    if not path.is_file():
        raise SmgovError(f"{str(path)!r} does not exist", "check the path of the .qdpx file")
    if not zipfile.is_zipfile(path):
        raise SmgovError(f"{path.name} is not a .qdpx project: it is not a zip file", _FIX)
    with zipfile.ZipFile(path) as archive:
        names = {name.replace("\\", "/"): name for name in archive.namelist()}
        qde = next((names[n] for n in names if n.casefold() == "project.qde"), None)
        if qde is None:
            raise SmgovError(f"{path.name} has no project.qde; found {sorted(names)[:5]}", _FIX)
        try:
            root = ET.fromstring(archive.read(qde))
        except ET.ParseError as exc:
            raise SmgovError(f"{path.name}: project.qde is not valid XML ({exc})", _FIX) from exc
        if _local(root.tag) != "Project":
            raise SmgovError(f"{path.name}: project.qde holds <{_local(root.tag)}>, expected <Project>", _FIX)
        users = {u.get("guid", ""): u.get("name") or u.get("guid", "") for users in _children(root, "Users")
                 for u in _children(users, "User")}
        codes: dict[str, CodeInfo] = {}
        for book in _children(root, "CodeBook"):
            for codes_element in _children(book, "Codes"):
                _read_codes(codes_element, (), codes)
        selections: list[Selection] = []
        sources: list[str] = []
        for sources_element in _children(root, "Sources"):
            for source in _children(sources_element, "TextSource"):
                name = source.get("name") or source.get("guid", "")
                sources.append(name)
                text = _source_text(archive, names, source, path.name)
                selections.extend(_selections(source, name, text, users))
    return QdaProject(users, codes, selections, sources)


def _read_codes(element: ET.Element, parents: tuple[str, ...], codes: dict[str, CodeInfo]) -> None:
    for code in _children(element, "Code"):
        name = code.get("name", "")
        codes[code.get("guid", "")] = CodeInfo(name, _text(code, "Description"), parents)
        _read_codes(code, (*parents, name), codes)


def _source_text(archive: zipfile.ZipFile, names: dict[str, str], source: ET.Element, qdpx: str) -> str:
    """A text source's plain text: its ``plainTextPath`` file (``internal://`` in the zip's ``sources/``)
    or its ``PlainTextContent``."""
    where = source.get("plainTextPath", "")
    name = source.get("name") or source.get("guid", "")
    if not where:
        content = _children(source, "PlainTextContent")
        if content:
            return content[0].text or ""
        raise SmgovError(f"{qdpx}: source {name!r} has neither plainTextPath nor PlainTextContent", _FIX)
    if where.startswith("internal://"):
        member = "sources/" + where[len("internal://"):]
        found = next((names[n] for n in names if n.casefold() == member.casefold()), None)
        if found is None:
            raise SmgovError(f"{qdpx}: source {name!r} points at {where}, which is not in the zip "
                             f"(no {member})", _FIX)
        data = archive.read(found)
    else:
        local = Path(where.removeprefix("file://"))
        if not local.is_file():
            raise SmgovError(f"{qdpx}: source {name!r} points at {where}, which is neither in the zip nor on "
                             "this computer", _FIX)
        data = local.read_bytes()
    return data.decode("utf-8-sig", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


def _selections(source: ET.Element, name: str, text: str, users: dict[str, str]) -> list[Selection]:
    found = []
    for element in _children(source, "PlainTextSelection"):
        try:
            start, end = int(element.get("startPosition", "")), int(element.get("endPosition", ""))
        except ValueError:
            continue
        selection = Selection(element.get("guid", ""), name, start, end, text[max(start, 0):max(end, 0)],
                              _text(element, "Description"))
        for coding in _children(element, "Coding"):
            user = coding.get("creatingUser", "")
            for ref in _children(coding, "CodeRef"):
                selection.codings.append(Coding(users.get(user, user), ref.get("targetGUID", "")))
        found.append(selection)
    return found
