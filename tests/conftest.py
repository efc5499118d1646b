"""Shared fixtures: an isolated embedding cache, a small labeled table, a fake embedder, the real model.

Fast unit tests use :class:`FakeEmbedder` (feature hashing of words, deterministic across
processes) or the lexical ``tfidf`` embedder. Real-model tests load the committed default
model once per session; they still run in CI.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smgov_nlp.embeddings.transformers import DenseEmbedder

REPO = Path(__file__).resolve().parent.parent
LABELED = REPO / "data" / "labeled"


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Every test (and every subprocess it starts) uses a throw-away cache, never ~/.cache."""
    previous = os.environ.get("SMGOV_CACHE_DIR")
    os.environ["SMGOV_CACHE_DIR"] = str(tmp_path_factory.mktemp("smgov-cache"))
    yield
    if previous is None:
        os.environ.pop("SMGOV_CACHE_DIR", None)
    else:
        os.environ["SMGOV_CACHE_DIR"] = previous


# --- a small labeled table: one idea per (layer, type), in English and in Spanish ---------

IDEAS: list[tuple[str, str, str, str]] = [
    # layer, type, English, Spanish
    ("general_context", "risk",
     "Digital illiteracy limits how citizens understand social networks",
     "El analfabetismo digital limita cómo la ciudadanía entiende las redes sociales"),
    ("general_context", "benefit",
     "Social media reaches young citizens who ignore traditional media",
     "Las redes sociales llegan a jóvenes que ignoran los medios tradicionales"),
    ("general_context", "strategy",
     "Run digital literacy campaigns for the population",
     "Realizar campañas de alfabetización digital para la población"),
    ("institutional_framework", "risk",
     "No law regulates what officials may post on official accounts",
     "Ninguna ley regula lo que los funcionarios pueden publicar en cuentas oficiales"),
    ("institutional_framework", "benefit",
     "Transparency laws are easier to comply with through public posts",
     "Es más fácil cumplir las leyes de transparencia con publicaciones públicas"),
    ("institutional_framework", "strategy",
     "Write a social media policy approved by the legal department",
     "Redactar una política de redes sociales aprobada por el área jurídica"),
    ("interorganizational_collaboration", "risk",
     "Agencies do not coordinate their messages and contradict each other",
     "Las dependencias no coordinan sus mensajes y se contradicen"),
    ("interorganizational_collaboration", "benefit",
     "Networks with other agencies share good practices quickly",
     "Las redes con otras dependencias comparten buenas prácticas rápidamente"),
    ("interorganizational_collaboration", "strategy",
     "Create an inter-agency committee for social media",
     "Crear un comité interinstitucional de redes sociales"),
    ("organizational_structure_processes", "risk",
     "Nobody in the office is responsible for answering comments",
     "Nadie en la oficina es responsable de responder los comentarios"),
    ("organizational_structure_processes", "benefit",
     "Internal processes become faster when staff use social tools",
     "Los procesos internos se agilizan cuando el personal usa herramientas sociales"),
    ("organizational_structure_processes", "strategy",
     "Assign a community manager with a clear job description",
     "Asignar un community manager con funciones claras"),
    ("information_data", "risk",
     "Personal data of citizens can leak through public posts",
     "Los datos personales de la ciudadanía pueden filtrarse en publicaciones"),
    ("information_data", "benefit",
     "Citizen comments give useful information for decisions",
     "Los comentarios ciudadanos dan información útil para decidir"),
    ("information_data", "strategy",
     "Define which information may be published and by whom",
     "Definir qué información se puede publicar y quién la publica"),
    ("technology", "risk",
     "Poor internet connectivity in rural offices",
     "Mala conectividad a internet en oficinas rurales"),
    ("technology", "benefit",
     "Free platforms reduce technology costs",
     "Las plataformas gratuitas reducen los costos de tecnología"),
    ("technology", "strategy",
     "Buy monitoring software for official accounts",
     "Comprar software de monitoreo para las cuentas oficiales"),
]


@pytest.fixture(scope="session")
def labeled_table() -> pd.DataFrame:
    """36 statements (18 ideas × en/es) with ``id, text, layer, type, lang, group``."""
    rows = []
    for i, (layer, type_, en, es) in enumerate(IDEAS, start=1):
        group = f"g{i:02d}"
        rows.append({"id": f"{group}-en", "text": en, "layer": layer, "type": type_, "lang": "en", "group": group})
        rows.append({"id": f"{group}-es", "text": es, "layer": layer, "type": type_, "lang": "es", "group": group})
    return pd.DataFrame(rows)


# --- a deterministic fake embedder --------------------------------------------------------


class FakeEmbedder(DenseEmbedder):
    """Feature hashing of lower-cased words into ``dim`` buckets, L2-normalised.

    Statements sharing words are similar; the same text always gives the same vector in
    every process. ``calls`` records each batch handed to ``_encode``.
    """

    def __init__(self, dim: int = 64, max_chars: int = 2000, cache: bool = False):
        self.dim = dim
        self.max_chars = max_chars
        self.cache = cache
        self.calls: list[list[str]] = []

    @property
    def name(self) -> str:
        return "fake"

    def cache_namespace(self) -> str:
        return f"fake-{self.dim}"

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, zlib.crc32(word.encode("utf-8")) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


# --- the real default model ---------------------------------------------------------------


@pytest.fixture(scope="session")
def default_model():
    """The committed default model (USE), loaded once for the whole session."""
    from smgov_nlp.model.folder import load_model

    return load_model()
