"""What runs inside a Dask worker: the model, loaded once per worker process and checked against the client's.

A worker must run the client's smgov-nlp version and model. The model is identified by a hash of its
``heads.npz`` and ``config.json`` (the ``data_hash`` in ``config.json`` is the same for different models trained
on the same data). ``$SMGOV_WORKER_MODEL`` on a worker machine points at its copy of the model folder when that
copy lives at another path than the client's; without it the worker loads the client's path (or its bundled
model, as the client does).

Encoder and BLAS threads are sized to the worker's ``nthreads`` (through ``$SMGOV_THREADS``, which
:func:`smgov_nlp.embeddings.backends.available_cores` honours), and one task at a time uses them (a lock per
worker process), so a worker never runs more threads than it was given.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from smgov_nlp import __version__
from smgov_nlp.errors import SmgovError
from smgov_nlp.model.folder import Model, default_model_dir, load_model

HASHED = ("heads.npz", "config.json")  # what identifies a model; classifier.joblib when a folder has no heads.npz
WORKER_MODEL_ENV = "SMGOV_WORKER_MODEL"
VERSION = __version__  # a module attribute, so a test can make one worker look like another release
_MODELS: dict[tuple[str, str], Model] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Identity:
    """What a process runs: the smgov-nlp version and the hash of the model folder it would load."""

    version: str
    model_hash: str
    model_path: str

    def describe(self) -> str:
        return f"smgov-nlp {self.version} with model {self.model_hash} ({self.model_path})"


def model_folder(model_dir: str | Path | None, on_worker: bool = True) -> Path:
    """The folder this process loads for the client's ``model_dir`` (``None``: the bundled model)."""
    override = os.environ.get(WORKER_MODEL_ENV) if on_worker else None
    if override:
        return Path(override)
    return Path(model_dir) if model_dir is not None else default_model_dir()


def model_arg(model_dir: str | Path | None) -> str | None:
    """``model_dir`` as workers get it: an absolute path (their working folder is not the client's), or ``None``."""
    return None if model_dir is None else str(Path(model_dir).resolve())


def model_hash(folder: str | Path) -> str:
    """16 hex digits of a hash over ``heads.npz`` and ``config.json`` (``classifier.joblib`` without heads)."""
    folder = Path(folder)
    names = HASHED if (folder / HASHED[0]).exists() else ("classifier.joblib", "config.json")
    digest = hashlib.blake2b(digest_size=8)
    for name in names:
        path = folder / name
        if not path.exists():
            raise SmgovError(f"{str(folder)!r} is not a smgov model folder: missing {name}",
                             "pass --model with a folder made by 'smgov train', or omit --model for the default")
        digest.update(name.encode())
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def identity(model_dir: str | Path | None, on_worker: bool = True) -> Identity:
    """This process's :class:`Identity` for the client's ``model_dir`` (``on_worker``: honour ``$SMGOV_WORKER_MODEL``)."""
    folder = model_folder(model_dir, on_worker)
    return Identity(VERSION, model_hash(folder), str(folder))


def check_same(mine: Identity, theirs: Identity, where: str) -> None:
    """Refuse a worker whose version or model differs from the client's, naming both."""
    if (mine.version, mine.model_hash) != (theirs.version, theirs.model_hash):
        raise SmgovError(f"worker {where} runs {theirs.describe()}, the client {mine.describe()}",
                         "install the same smgov-nlp version and model on every worker "
                         f"(pip install 'smgov-nlp[dask]'; ${WORKER_MODEL_ENV} points a worker at its copy of the model)")


def worker_threads() -> int:
    """The ``nthreads`` of the Dask worker this runs in (1 outside a worker)."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return 1
    return max(1, int(getattr(worker, "nthreads", None) or worker.state.nthreads))


def size_threads() -> int:
    """Set ``$SMGOV_THREADS`` to this worker's ``nthreads`` (before an encoder loads) and return it."""
    threads = worker_threads()
    os.environ["SMGOV_THREADS"] = str(threads)
    return threads


def worker_model(model_dir: str | None, expected: Identity) -> Model:
    """The model for ``model_dir``, loaded once per worker process, after checking it is the client's."""
    size_threads()
    mine = identity(model_dir)
    check_same(expected, mine, _address())
    key = (mine.model_path, mine.model_hash)
    if key not in _MODELS:
        _MODELS[key] = load_model(mine.model_path)
    return _MODELS[key]


def run_exclusive(fn, *args, **kwargs):
    """Run ``fn`` with this worker's threads, one task at a time per worker process."""
    from threadpoolctl import threadpool_limits

    threads = size_threads()
    with _LOCK, threadpool_limits(limits=threads):
        return fn(*args, **kwargs)


def _address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"
