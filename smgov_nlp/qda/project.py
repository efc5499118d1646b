"""Write the pre-coding as a REFI-QDA project (``project.qdpx``) and codebook (``codebook.qdc``).

Each transcript becomes a ``TextSource`` whose plain text is ``sources/<GUID>.txt`` in the zip; each
statement a ``PlainTextSelection`` on its exact span (:mod:`smgov_nlp.qda.spans`) with three codings:
its layer, its type and its idea. The model codes as the ``User`` ``smgov-nlp <model version>``; a
decision a person made (``reviewed.csv``) is coded by a ``User`` with that reviewer's name. The same
input gives a byte-identical file: uuid5 GUIDs, fixed zip timestamps, dates from ``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from smgov_nlp.io.writers import atomic_path
from smgov_nlp.labels import HEADS
from smgov_nlp.qda.codebook import (
    MODEL_USER_PREFIX,
    ORIGIN,
    PROJECT_NS,
    Code,
    codebook_codes,
    codebook_xml,
    codes_element,
    guid,
    idea_code_guid,
    label_code_guid,
    serialize,
    xml_text,
)
from smgov_nlp.qda.spans import SourceText, locate, source_text
from smgov_nlp.ties import source_datetime
from smgov_nlp.transcripts.segment import TABLE_FORMATS

log = logging.getLogger(__name__)

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_NS = f"{{{PROJECT_NS}}}"


@dataclass(frozen=True)
class QdaSummary:
    """What :func:`write_qda` wrote."""

    project: Path
    codebook: Path
    selections: int
    unplaced: int  # statements whose span was not found in their source text (left out, logged)


def model_user(model_version: str) -> str:
    """The model's ``User`` name: ``smgov-nlp default@9c0df854781f``."""
    return f"{MODEL_USER_PREFIX}{model_version}"


def write_qda(coded: pd.DataFrame, ideas: pd.DataFrame | None, paths: Sequence[str | Path], out_dir: str | Path,
              model_version: str, reviewers: Mapping[str, str] | None = None) -> QdaSummary:
    """Write ``out_dir/project.qdpx`` and ``out_dir/codebook.qdc`` for the coded statements of ``paths``.

    ``coded`` is precode's statement table (``text``, ``text_hash``, ``layer``, ``type``, their
    ``_source`` and ``_confidence``, ``idea_id``, ``file``, ``line``, and ``source``: the position of
    its file in ``paths``); ``reviewers`` maps a ``text_hash`` a person decided to that person's name.
    Statements a person marked as not statements are left out.
    """
    out_dir = Path(out_dir)
    codes = codebook_codes(ideas)
    when = source_datetime().strftime("%Y-%m-%dT%H:%M:%SZ")
    reviewers = dict(reviewers or {})
    model = model_user(model_version)
    human = (coded["layer_source"] == "human") | (coded["type_source"] == "human")
    people = sorted({reviewers[h] for h in coded.loc[human, "text_hash"] if h in reviewers})
    users = {name: guid("user", name) for name in [model, *people]}
    idea_texts = {} if ideas is None else dict(zip(ideas["idea_id"].astype(str), ideas["idea_text"].astype(str)))
    root = ET.Element(f"{_NS}Project", {"name": "smgov-nlp pre-coding", "origin": ORIGIN,
                                        "creatingUserGUID": users[model], "creationDateTime": when})
    users_element = ET.SubElement(root, f"{_NS}Users")
    for name, user_guid in users.items():
        ET.SubElement(users_element, f"{_NS}User", {"guid": user_guid, "name": xml_text(name)})
    ET.SubElement(root, f"{_NS}CodeBook").append(codes_element(codes, PROJECT_NS))
    sources_element = ET.SubElement(root, f"{_NS}Sources")
    texts: dict[str, str] = {}
    selections = unplaced = 0
    for index, (path, rows) in enumerate(_rows_by_source(coded, paths)):
        source = _source(path, rows)
        same_name = sum(Path(p).name == Path(path).name for p in paths[:index])  # keyed by name, not position
        source_guid = guid("source", Path(path).name, str(same_name))
        texts[source_guid] = source.text
        element = ET.SubElement(sources_element, f"{_NS}TextSource", {
            "guid": source_guid, "name": xml_text(Path(path).name), "plainTextPath": f"internal://{source_guid}.txt",
            "creatingUser": users[model], "creationDateTime": when})
        spans = locate(source, list(zip(rows["text"].astype(str), rows["line"].astype(int))))
        seen: dict[str, int] = {}
        for row, span in zip(rows.to_dict("records"), spans):
            if span is None:
                unplaced += 1
                log.warning("%s line %s: statement %r not found in the text; left out of the project",
                            Path(path).name, row["line"], row["text"])
                continue
            occurrence = seen[row["text_hash"]] = seen.get(row["text_hash"], 0) + 1
            key = guid("selection", source_guid, row["text_hash"], str(occurrence))
            person = users.get(reviewers.get(row["text_hash"], ""), users[model])
            line = source.text.count("\n", 0, span[0])  # qc places a coding by this, not by its position
            _selection(element, key, row, span, f"line:{line} {row.get('statement_id', '')}".strip(), users[model],
                       person, when, idea_texts)
            selections += 1
    project = out_dir / "project.qdpx"
    codebook = out_dir / "codebook.qdc"
    write_qdpx(project, serialize(root, PROJECT_NS), texts)
    with atomic_path(codebook) as tmp:
        tmp.write_bytes(codebook_xml(codes))
    return QdaSummary(project, codebook, selections, unplaced)


def _rows_by_source(coded: pd.DataFrame, paths: Sequence[str | Path]) -> list[tuple[str | Path, pd.DataFrame]]:
    """Each path with its statements in order (not statements left out)."""
    kept = coded[coded.get("decision", pd.Series("", index=coded.index)).fillna("") != "not_statement"]
    if "source" in kept.columns:
        return [(path, kept[kept["source"] == index]) for index, path in enumerate(paths)]
    names = [Path(p).name for p in paths]
    return [(path, kept[kept["file"] == name] if names.index(name) == index else kept.iloc[0:0])
            for index, (path, name) in enumerate(zip(paths, names))]


def _source(path: str | Path, rows: pd.DataFrame) -> SourceText:
    """The plain text of one transcript; an export, or a file no longer there, as one statement per line."""
    texts = rows["text"].astype(str).tolist()
    if Path(path).suffix.lower() in TABLE_FORMATS or not Path(path).is_file():
        return source_text(Path(path).with_suffix(".csv"), texts)
    return source_text(path)


def _selection(parent: ET.Element, key: str, row: dict, span: tuple[int, int], name: str, model: str, person: str,
               when: str, idea_texts: Mapping[str, str]) -> None:
    """One ``PlainTextSelection`` with its layer, type and idea codings; ``name`` starts with ``line:N`` (from 0),
    the one thing qc places a coding by."""
    element = ET.SubElement(parent, f"{_NS}PlainTextSelection", {
        "guid": key, "name": xml_text(name), "startPosition": str(span[0]),
        "endPosition": str(span[1]), "creatingUser": model, "creationDateTime": when})
    ET.SubElement(element, f"{_NS}Description").text = xml_text(describe(row))
    codings = [(head, label_code_guid(head, row[head]), person if row.get(f"{head}_source") == "human" else model)
               for head in HEADS if row.get(head) in HEADS[head]]
    idea = str(row.get("idea_id") or "")
    if idea and idea in idea_texts:
        codings.append(("idea", idea_code_guid(idea, idea_texts[idea]), model))
    for head, code_guid, user in codings:
        coding = ET.SubElement(element, f"{_NS}Coding", {"guid": guid("coding", key, head), "creatingUser": user,
                                                         "creationDateTime": when})
        ET.SubElement(coding, f"{_NS}CodeRef", {"targetGUID": code_guid})


def describe(row: Mapping) -> str:
    """A selection's description: its ``text_hash``, confidences, review flag and reason, nearest examples."""
    lines = [f"text_hash: {row['text_hash']}", f"statement: {row.get('statement_id', '')}"]
    for head in HEADS:
        confidence = row.get(f"{head}_confidence")
        lines.append(f"{head}: {row.get(head, '')} ({row.get(f'{head}_source', 'model')}, confidence "
                     f"{float(confidence):.3f})" if confidence is not None and confidence == confidence
                     else f"{head}: {row.get(head, '')}")
    lines.append(f"needs_review: {str(bool(row.get('needs_review', False))).lower()}")
    if row.get("review_reason"):
        lines.append(f"review_reason: {row['review_reason']}")
    examples = row.get("nearest_examples")
    if isinstance(examples, str):
        examples = [e for e in examples.split(" | ") if e]
    if examples is not None and len(examples):
        lines.append("nearest coded examples: " + " | ".join(map(str, examples)))
    return "\n".join(lines)


def write_qdpx(path: Path, project_xml: bytes, texts: Mapping[str, str]) -> None:
    """A ``.qdpx`` zip: ``project.qde`` then ``sources/<GUID>.txt`` sorted, fixed timestamps, written atomically."""
    entries = [("project.qde", project_xml)] + [(f"sources/{key}.txt", texts[key].encode("utf-8"))
                                                for key in sorted(texts)]
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)


__all__ = ["Code", "QdaSummary", "describe", "model_user", "write_qda", "write_qdpx"]
