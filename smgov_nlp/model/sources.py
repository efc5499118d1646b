"""What ``smgov train`` trains on and what it keeps: the corpus, the reviewed decisions, the tuned settings.

- **Corpus.** ``--data DIR`` holding ``tables_en.csv`` is a full corpus of its own (its
  ``reviewed.csv`` included) and replaces the corpus shipped with the package. Otherwise the shipped
  corpus is used and only ``DIR/reviewed.csv`` (the people's decisions) is added.
- **Tuned settings.** The duplicate-idea space and thresholds (and any review policy) are kept from
  the shipped model unless they are retuned on a dev folder's ``paraphrase_tune.csv``: ``--dev DIR``,
  or the ``dev/`` folder beside a full corpus (the repository's ``data/labeled`` + ``data/dev``,
  so ``smgov train --out models/default`` still reproduces the shipped model).

:func:`resolve_sources` decides all of that before anything is trained, and says it in
:attr:`TrainingSources.notes`, one status line each.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from smgov_nlp import __version__
from smgov_nlp.errors import SmgovError
from smgov_nlp.model.corpus import REVIEWED, packaged_corpus_dir
from smgov_nlp.model.folder import default_model_dir
from smgov_nlp.review.store import default_data_dir

TUNE_FILE = "paraphrase_tune.csv"
EXAMPLES_FILE = "examples_ideas.csv"  # optional second development set for the duplicate-idea threshold
KEPT_BLOCKS = ("dedupe", "review_policy")  # config.json blocks kept from the base model when not retuned


@dataclass(frozen=True)
class TrainingSources:
    """Where training reads from, and which model's tuned settings it keeps (``base_dir``; None when retuning)."""

    corpus_dir: Path
    packaged: bool
    reviewed: Path | None
    dev_dir: Path | None
    base_dir: Path | None
    base_config: dict | None
    base_name: str | None
    notes: tuple[str, ...]

    def record(self, reviewed_rows: int) -> dict:
        """The ``training_sources`` block of config.json."""
        kept = {}
        if self.base_config is not None:
            kept = {"model": self.base_name,
                    "settings": ["idea_space", *[b for b in KEPT_BLOCKS if b in self.base_config]]}
        return {
            "corpus": f"shipped with smgov-nlp {__version__}" if self.packaged else show(self.corpus_dir),
            "reviewed": show(self.reviewed) if self.reviewed else None,
            "reviewed_rows": reviewed_rows,
            "dedupe_tuned_on": show(self.dev_dir / TUNE_FILE) if self.dev_dir else None,
            "kept_from": kept or None,
        }


def show(path: Path) -> str:
    """``path`` as a person typed it: relative to the working folder when inside it."""
    path = Path(path)
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix() if path.is_absolute() else path.as_posix()
    except ValueError:
        return path.as_posix()


def base_version(config: dict) -> str:
    return f"{config.get('name', 'model')}@{str(config.get('data_hash', ''))[:12]}"


def resolve_sources(data_dir: str | Path | None = None, dev_dir: str | Path | None = None,
                    base_model: str | Path | None = None) -> TrainingSources:
    """Decide the corpus, the reviewed decisions, the dev folder and the base model (see the module doc)."""
    data = Path(data_dir) if data_dir is not None else default_data_dir()
    if data.exists() and not data.is_dir():
        raise SmgovError(f"--data {show(data)!r} is a file, expected a folder",
                         f"pass --data with the folder holding your {REVIEWED} (or a full corpus with tables_en.csv)")
    notes = []
    full = (data / "tables_en.csv").exists()
    if full:
        corpus, reviewed = data, (data / REVIEWED if (data / REVIEWED).exists() else None)
        notes.append(f"corpus: the labeled files in {show(data)} (a full corpus, used instead of the shipped one)")
    else:
        corpus, reviewed = packaged_corpus_dir(), (data / REVIEWED if (data / REVIEWED).exists() else None)
        notes.append(f"corpus: the labeled corpus shipped with smgov-nlp {__version__}")
    if reviewed is None:
        where = f"no {REVIEWED} in {show(data)}" if data.is_dir() else f"no folder {show(data)}"
        notes.append(f"{where}: no reviewed decisions added (pass --data with the folder holding your {REVIEWED})")
    if dev_dir is not None:
        dev = Path(dev_dir)
        if not (dev / TUNE_FILE).exists():
            raise SmgovError(f"--dev {show(dev)!r} has no {TUNE_FILE} to tune the duplicate-idea settings on",
                             f"pass --dev with a folder holding {TUNE_FILE} (columns text, group_id, type), or leave "
                             "--dev out to keep the shipped model's settings")
    else:  # a full corpus with a dev/ folder beside it (the repository's data/labeled and data/dev)
        beside = data.parent / "dev"
        dev = beside if full and (beside / TUNE_FILE).exists() else None
    base_dir, base_config, base_name = None, None, None
    if dev is not None:
        tuned_on = [show(dev / name) for name in (TUNE_FILE, EXAMPLES_FILE) if (dev / name).is_file()]
        notes.append(f"duplicate-idea space and thresholds: tuned on {' and '.join(tuned_on)}")
    else:
        base_dir = Path(base_model) if base_model is not None else default_model_dir()
        base_config = _base_config(base_dir)
        base_name = base_version(base_config) + (f" ({show(base_dir)})" if base_model is not None
                                                 else f" (shipped with smgov-nlp {__version__})")
        dedupe = base_config["dedupe"]
        kept = ["review policy"] if "review_policy" in base_config else []
        notes.append(f"kept from the model {base_name}: "
                     f"its duplicate-idea space and thresholds ({dedupe.get('threshold')} within a type, "
                     f"{dedupe.get('threshold_no_by')} without --by){''.join(', ' + k for k in kept)}; "
                     f"pass --dev with a folder holding {TUNE_FILE} to retune them")
    return TrainingSources(corpus, not full, reviewed, dev, base_dir, base_config, base_name, tuple(notes))


def _base_config(folder: Path) -> dict:
    missing = [name for name in ("config.json", "idea_space.joblib") if not (folder / name).exists()]
    if missing:
        raise SmgovError(f"cannot keep the tuned settings of {show(folder)!r}: missing {', '.join(missing)}",
                         "reinstall smgov-nlp, or pass --dev with a folder holding paraphrase_tune.csv to retune them")
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SmgovError(f"config.json in {show(folder)!r} is not valid JSON ({exc})",
                         "reinstall smgov-nlp, or pass --dev with a folder holding paraphrase_tune.csv") from exc
    if not isinstance(config, dict) or not isinstance(config.get("dedupe"), dict):
        raise SmgovError(f"{show(folder)!r} has no tuned duplicate-idea settings (no 'dedupe' in config.json)",
                         "pass --dev with a folder holding paraphrase_tune.csv to tune them")
    return config
