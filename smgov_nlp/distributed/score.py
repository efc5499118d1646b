"""``smgov score --scheduler``: the workers score the partitions, the client writes them in input order.

The client reads the input in partitions (:func:`smgov_nlp.io.readers.iter_table`), keeps at most
:data:`WINDOW_PER_WORKER` partitions per worker in flight, and hands the predictions back in input order to
:func:`smgov_nlp.workflows.score.score_file`, which writes them atomically as it does for a local run. Each
worker loads the model once (:func:`smgov_nlp.distributed.worker.worker_model`) and runs the same
:func:`~smgov_nlp.workflows.score.predict_statements` as a local run, so the output is the same.

A partition whose worker dies is run again elsewhere (Dask's retries, :data:`RETRIES`); a job that still fails
raises a one-line :class:`~smgov_nlp.errors.SmgovError` and leaves no output.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator

import pandas as pd

from smgov_nlp.distributed.cluster import engine_error
from smgov_nlp.distributed.worker import Identity, model_arg, run_exclusive, worker_model
from smgov_nlp.errors import SmgovError
from smgov_nlp.workflows.score import predict_statements

WINDOW_PER_WORKER = 3  # partitions in flight per worker thread: enough to keep them busy, few enough to bound memory
RETRIES = 3


def ordered_map(client, fn: Callable, items: Iterable, *args, window: int | None = None, **kwargs) -> Iterator:
    """``fn(item, *args, **kwargs)`` on the workers for each item, results yielded in input order.

    At most ``window`` tasks (default :data:`WINDOW_PER_WORKER` per worker) are in flight; engine failures
    become a one-line :class:`SmgovError`.
    """
    if window is None:  # per worker thread: a worker runs one partition per thread at a time
        window = WINDOW_PER_WORKER * max(1, sum(client.nthreads().values()))
    pending: deque = deque()
    try:
        for item in items:
            pending.append(client.submit(fn, item, *args, pure=False, retries=RETRIES, **kwargs))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except SmgovError:
        raise
    except Exception as exc:
        problem = engine_error(exc)
        if problem is None:
            raise
        raise problem from exc
    finally:
        for future in pending:
            future.cancel()


def score_partition(texts: list[str], model_dir: str | None, expected: Identity,
                    target_accuracy: float | None) -> pd.DataFrame:
    """Run on a worker: the predictions for one partition, as a local run makes them."""
    model = worker_model(model_dir, expected)
    return run_exclusive(predict_statements, model, texts, target_accuracy=target_accuracy)


def distributed_predictor(client, identity: Identity, model_dir=None,
                          target_accuracy: float | None = None) -> Callable[[Iterable[list[str]]], Iterator[pd.DataFrame]]:
    """A ``predict_chunks`` for :func:`~smgov_nlp.workflows.score.score_file` that scores on ``client``'s workers."""
    folder = model_arg(model_dir)

    def predict_chunks(texts: Iterable[list[str]]) -> Iterator[pd.DataFrame]:
        return ordered_map(client, score_partition, texts, folder, identity, target_accuracy)

    return predict_chunks
