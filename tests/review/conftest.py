"""The review queue every test of this folder starts from: seven rows, one blank, one duplicate."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

S1 = "Uso de Facebook para avisos"
S2 = "Falta de presupuesto para redes"
S3 = "Convenios entre dependencias"
S5 = "Datos abiertos en tiempo real"
S6 = "Políticas de uso de redes"

QUEUE_ROWS = [
    # text, lang, layer, layer_conf, type, type_conf, runner-up, runner-up conf, nearest, file, line
    (S1, "es", "technology", "0.90", "benefit", "0.85", "", "", "", "taller.txt", "1"),
    (S2, "es", "general_context", "0.30", "risk", "0.95", "institutional_framework", "0.25",
     "No hay recursos | Budget cuts", "taller.txt", "2"),
    (S3, "es", "interorganizational_collaboration", "0.55", "benefit", "0.50", "", "", "", "taller.txt", "3"),
    ("   ", "", "", "", "", "", "", "", "", "taller.txt", "4"),
    (S5, "", "information_data", "0.60", "benefit", "0.40", "", "", "", "taller.txt", "5"),
    (S6, "es", "institutional_framework", "0.50", "strategy", "0.70", "", "", "", "taller.txt", "6"),
    ("  FALTA de presupuesto para   redes", "es", "general_context", "0.80", "risk", "0.80", "", "", "",
     "taller.txt", "7"),
]
QUEUE_COLUMNS = ["text", "lang", "layer", "layer_confidence", "type", "type_confidence", "layer_runner_up",
                 "layer_runner_up_confidence", "nearest_examples", "file", "line"]


@pytest.fixture
def queue_csv(tmp_path: Path) -> Path:
    frame = pd.DataFrame(QUEUE_ROWS, columns=QUEUE_COLUMNS)
    frame["model_version"] = "smgov-0.1-test"
    path = tmp_path / "review_queue.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


