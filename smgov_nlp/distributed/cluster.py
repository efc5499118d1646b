"""Connecting to a Dask scheduler (or starting a local one) and checking its workers.

``--scheduler ADDRESS`` is a Dask scheduler address (``tcp://10.0.0.5:8786``) or ``local``, which starts a
``LocalCluster`` of one single-threaded worker process per available core, listening on 127.0.0.1 only and
without a dashboard. Every worker must run the client's smgov-nlp version and model
(:func:`smgov_nlp.distributed.worker.check_same`); a scheduler that does not answer within
:data:`CONNECT_TIMEOUT` seconds, or that has no workers within :data:`WORKER_WAIT` seconds, is a one-line error.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from smgov_nlp.distributed.worker import Identity, check_same, identity, model_arg
from smgov_nlp.embeddings.backends import available_cores
from smgov_nlp.errors import SmgovError

CONNECT_TIMEOUT = 4  # seconds; with the interpreter's start an unreachable scheduler fails well within 10 s
WORKER_WAIT = 30  # seconds to wait for a first worker on a scheduler that has none
LOCAL = "local"


def missing_dask() -> SmgovError:
    return SmgovError("--scheduler needs Dask distributed, which is not installed",
                      "run: pip install 'smgov-nlp[dask]' (on the client and on every worker)")


@contextlib.contextmanager
def connect(address: str, model_dir: str | Path | None = None) -> Iterator[tuple[object, Identity]]:
    """Yield ``(client, identity)``: a Dask client for ``address`` whose workers all passed the version and
    model check, and the client's own :class:`Identity`. A local cluster is stopped on exit."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise missing_dask() from exc
    for name in ("distributed", "tornado"):  # the engine's own chatter (a lost worker, a closing comm) stays quiet
        logging.getLogger(name).setLevel(logging.CRITICAL)
    mine = identity(model_dir, on_worker=False)
    with contextlib.ExitStack() as stack:
        if address.strip().lower() == LOCAL:
            cluster = stack.enter_context(LocalCluster(
                n_workers=available_cores(), threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=None, silence_logs=logging.CRITICAL))
            client = stack.enter_context(Client(cluster, set_as_default=False))
        else:
            client = stack.enter_context(_remote(Client, address))
        check_workers(client, mine, model_dir)
        yield client, mine


@contextlib.contextmanager
def _remote(client_class, address: str):
    if "://" not in address and ":" not in address:
        raise SmgovError(f"--scheduler {address!r} is not a scheduler address",
                         "pass e.g. --scheduler tcp://10.0.0.5:8786, or --scheduler local")
    try:
        client = client_class(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise SmgovError(f"cannot reach the Dask scheduler at {address} within {CONNECT_TIMEOUT} s",
                         "check the address and that 'dask scheduler' runs there, or use --scheduler local") from exc
    except ValueError as exc:
        raise SmgovError(f"--scheduler {address!r} is not a scheduler address ({exc})",
                         "pass e.g. --scheduler tcp://10.0.0.5:8786, or --scheduler local") from exc
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.close(timeout=CONNECT_TIMEOUT)


def check_workers(client, mine: Identity, model_dir: str | Path | None) -> int:
    """Wait for a first worker, then refuse any worker whose version or model differs; returns the worker count."""
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except TimeoutError as exc:
        raise SmgovError(f"the Dask scheduler at {client.scheduler.address} has no workers",
                         "start some with: dask worker <scheduler address>") from exc
    found = client.run(_probe, model_arg(model_dir))
    for address, theirs in sorted(found.items()):
        if isinstance(theirs, str):
            raise SmgovError(f"worker {address} cannot use the model: {theirs}",
                             "install the same smgov-nlp version and model on every worker")
        check_same(mine, Identity(*theirs), address)
    return len(found)


def _probe(model_dir: str | None):
    """Run on each worker: its (version, model hash, model path), or the problem as text."""
    try:
        found = identity(model_dir)
    except SmgovError as exc:
        return str(exc)
    return found.version, found.model_hash, found.model_path


def engine_error(exc: BaseException) -> SmgovError | None:
    """A one-line error for a failure of the engine (a worker lost too often, the scheduler gone), else ``None``."""
    name = type(exc).__name__
    if name == "KilledWorker":
        return SmgovError(f"the Dask workers kept dying on one partition ({exc})",
                          "check the workers' memory and logs, then run again (no output was written)")
    if name in ("CommClosedError", "CancelledError", "FutureCancelledError", "TimeoutError") or isinstance(exc, OSError):
        return SmgovError(f"lost the Dask scheduler or its workers ({name}: {exc})",
                          "check the cluster and run again (no output was written)")
    return None
