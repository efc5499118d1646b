"""Human review decisions: the text key they are matched by, and the append-only store."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, replace
from io import TextIOWrapper
from pathlib import Path

import pandas as pd

from smgov_nlp.errors import SmgovError
from smgov_nlp.io.writers import atomic_path
from smgov_nlp.labels import check_label
from smgov_nlp.text import text_hash
from smgov_nlp.ties import source_datetime

_hash_of = text_hash  # Decision.new has a parameter called text_hash

# --- the decision store ------------------------------------------------------------------

COLUMNS: tuple[str, ...] = (
    "text_hash",
    "text",
    "lang",
    "layer",
    "type",
    "reviewer",
    "reviewed_at",
    "model_version",
    "suggested_layer",
    "suggested_type",
    "via",
)
VIAS: tuple[str, ...] = ("tui", "xlsx")
STORE_FILE = "reviewed.csv"
EXAMPLE_COLUMNS: tuple[str, ...] = ("text", "layer", "type", "lang", "text_hash")


def default_data_dir() -> Path:
    """Where decisions live unless told otherwise: ``data/labeled`` under the working directory."""
    return Path.cwd() / "data" / "labeled"


def default_reviewer() -> str:
    """The reviewer name recorded with a decision: ``$USER``, else ``reviewer``."""
    return os.environ.get("USER", "").strip() or "reviewer"


def utc_now() -> str:
    """The current time as ISO-8601 UTC, to the second: ``2024-05-01T09:30:00+00:00``
    (``SOURCE_DATE_EPOCH`` when that is set)."""
    return source_datetime().isoformat(timespec="seconds")


@dataclass(frozen=True)
class Decision:
    """One row of ``reviewed.csv``: a reviewer's layer and type for one statement.

    ``layer`` and ``type`` are both valid ids, or both empty: an empty row marks the
    statement undecided again (that is what undoing a first decision writes).
    """

    text_hash: str
    text: str
    lang: str
    layer: str
    type: str
    reviewer: str
    reviewed_at: str
    model_version: str
    suggested_layer: str
    suggested_type: str
    via: str

    def __post_init__(self) -> None:
        for name in COLUMNS:
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"Decision.{name} must be a str, got {type(getattr(self, name)).__name__}")
        if bool(self.layer) != bool(self.type):
            raise ValueError(f"layer and type must both be set or both be empty, got {self.layer!r} and {self.type!r}")
        if self.layer:
            check_label("layer", self.layer)
            check_label("type", self.type)
        if self.via not in VIAS:
            raise ValueError(f"via {self.via!r} is not one of {list(VIAS)}")
        if not self.text_hash:
            raise ValueError("text_hash is empty")

    @classmethod
    def new(
        cls,
        text: str,
        layer: str,
        type: str,  # noqa: A002 - the column is called type
        *,
        lang: str = "",
        reviewer: str | None = None,
        model_version: str = "",
        suggested_layer: str = "",
        suggested_type: str = "",
        via: str = "tui",
        text_hash: str | None = None,
        reviewed_at: str | None = None,
    ) -> Decision:
        """A decision made now, keyed by :func:`text_hash` of ``text`` unless a hash is given."""
        return cls(
            text_hash=text_hash or _hash_of(text),
            text=text,
            lang=lang,
            layer=layer,
            type=type,
            reviewer=reviewer if reviewer is not None else default_reviewer(),
            reviewed_at=reviewed_at or utc_now(),
            model_version=model_version,
            suggested_layer=suggested_layer,
            suggested_type=suggested_type,
            via=via,
        )

    @property
    def decided(self) -> bool:
        """False for a row that marks the statement undecided (empty layer and type)."""
        return bool(self.layer and self.type)

    def undecided(self, reviewer: str | None = None, via: str | None = None) -> Decision:
        """The row that takes this statement back to 'no decision', stamped now."""
        return replace(
            self,
            layer="",
            type="",
            reviewer=reviewer if reviewer is not None else self.reviewer,
            via=via or self.via,
            reviewed_at=utc_now(),
        )

    def row(self) -> list[str]:
        return [getattr(self, name) for name in COLUMNS]


def _row_values(decision: Decision) -> list[str]:
    return decision.row()


class DecisionStore:
    """Append-only CSV of review decisions, ``<data_dir>/reviewed.csv``.

    The latest row for a ``text_hash`` wins; a latest row with an empty layer and type
    means the statement is undecided. Every :meth:`append` writes a complete new copy
    of the file beside it and moves it into place, so a crash never leaves half a file.
    """

    def __init__(self, data_dir: Path | str | None = None):
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        if self.data_dir.exists() and not self.data_dir.is_dir():
            raise SmgovError(
                f"the data folder {str(self.data_dir)!r} is a file, expected a folder",
                "pass --data-dir with a folder (reviewed.csv is written inside it)",
            )
        self.path = self.data_dir / STORE_FILE

    def __repr__(self) -> str:
        return f"DecisionStore({str(self.data_dir)!r})"

    def _read_bytes(self) -> bytes:
        if not self.path.exists():
            return b""
        data = self.path.read_bytes()
        if data.strip():
            header = data.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8-sig", errors="replace")
            found = next(csv.reader([header]), [])
            if tuple(found) != COLUMNS:
                raise SmgovError(
                    f"{str(self.path)!r} has columns {found}, expected {list(COLUMNS)}",
                    "restore reviewed.csv from a backup, or move it aside to start a new one",
                )
        return data

    def append(self, decisions: list[Decision]) -> None:
        """Append ``decisions`` atomically: the old file is intact unless the new one is complete."""
        decisions = list(decisions)
        if not decisions:
            return
        for decision in decisions:
            if not isinstance(decision, Decision):
                raise TypeError(f"expected Decision objects, got {type(decision).__name__}")
        old = self._read_bytes()
        with atomic_path(self.path) as tmp:
            with open(tmp, "wb") as raw:
                if old.strip():
                    raw.write(old if old.endswith(b"\n") else old + b"\n")
                with TextIOWrapper(raw, encoding="utf-8", newline="") as fh:
                    writer = csv.writer(fh, lineterminator="\n")
                    if not old.strip():
                        writer.writerow(COLUMNS)
                    for decision in decisions:
                        writer.writerow(_row_values(decision))
                    fh.flush()
                    os.fsync(fh.fileno())

    def history(self) -> pd.DataFrame:
        """Every row ever written, in file order, as strings (columns :data:`COLUMNS`)."""
        if not self._read_bytes().strip():
            return pd.DataFrame({name: pd.Series(dtype=object) for name in COLUMNS})
        try:
            frame = pd.read_csv(self.path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise SmgovError(
                f"cannot read {str(self.path)!r} as a UTF-8 CSV ({type(exc).__name__})",
                "restore reviewed.csv from a backup, or move it aside to start a new one",
            ) from exc
        return frame.loc[:, list(COLUMNS)]

    def latest(self) -> dict[str, Decision]:
        """``text_hash`` -> the latest decision, leaving out statements whose latest row is undecided."""
        latest: dict[str, Decision] = {}
        for number, record in enumerate(self.history().to_dict("records"), start=2):
            try:
                decision = Decision(**{name: str(record[name]) for name in COLUMNS})
            except ValueError as exc:
                raise SmgovError(
                    f"row {number} of {str(self.path)!r} is not a valid decision ({exc})",
                    "fix or delete that row (the header is row 1)",
                ) from exc
            latest.pop(decision.text_hash, None)  # keep dict order = order of the latest write
            latest[decision.text_hash] = decision
        return {key: decision for key, decision in latest.items() if decision.decided}

    def __len__(self) -> int:
        return len(self.latest())


def load_reviewed_examples(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The latest reviewed decisions as training rows: ``text, layer, type, lang, text_hash``."""
    decisions = DecisionStore(data_dir).latest().values()
    return pd.DataFrame(
        [[getattr(d, name) for name in EXAMPLE_COLUMNS] for d in decisions],
        columns=list(EXAMPLE_COLUMNS),
        dtype=object,
    )
