"""``smgov review QUEUE --web``: serve the browser review with uvicorn until Ctrl-C.

It binds to 127.0.0.1 unless told otherwise; on any other ``--host`` a random access token is made
and required on every request (it is part of the printed address). The port is bound before
anything is printed, so a port in use is a one-line error.
"""

from __future__ import annotations

import errno
import logging
import secrets
import socket
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from smgov_nlp.errors import SmgovError

try:
    import starlette  # noqa: F401 - the app's framework, checked here for a clear message
    import uvicorn
except ModuleNotFoundError as exc:  # pragma: no cover - the [web] extra is installed for the tests
    raise SmgovError(f"the browser review needs the [web] extra ({exc.name} is not installed)",
                     "pip install 'smgov-nlp[web]', or review in the terminal without --web") from exc

from smgov_nlp.labels import LAYERS
from smgov_nlp.model.corpus import packaged_corpus_dir
from smgov_nlp.review.actions import ReviewSummary
from smgov_nlp.review.context import transcript_context
from smgov_nlp.review.queue import idea_members, load_queue
from smgov_nlp.review.store import DecisionStore
from smgov_nlp.review.web.app import create_app
from smgov_nlp.review.web.session import WebReview

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
_WILDCARDS = ("0.0.0.0", "::", "")
_PORT_FIX = "pass another --port (e.g. --port {next}), or stop the program using it"


def needs_token(host: str) -> bool:
    """Every host but the default one requires the access token."""
    return host != DEFAULT_HOST


def open_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0: a free port); a one-line error when it cannot be had."""
    if not 0 <= port <= 65535:
        raise SmgovError(f"port {port} is not between 0 and 65535", f"pass --port {DEFAULT_PORT}, or another free port")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except socket.gaierror as exc:
        raise SmgovError(f"cannot serve on host {host!r} ({exc.strerror})",
                         f"pass --host {DEFAULT_HOST} (the default) or an address of this machine") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise SmgovError(f"port {port} on {host} is already in use", _PORT_FIX.format(next=port + 1)) from None
        raise SmgovError(f"cannot serve on {host}:{port} ({exc.strerror or exc})",
                         f"pass --host {DEFAULT_HOST} (the default) or an address of this machine, "
                         "and a --port from 1024 to 65535") from None


def served_url(host: str, port: int, token: str | None) -> str:
    """The address to open: the host as a browser writes it, and the access token when there is one."""
    shown = socket.gethostname() if host in _WILDCARDS else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def layer_definitions() -> dict[str, str]:
    """Layer id -> the paper's first English sentence defining it (the shipped ``layer_definitions.csv``);
    empty when the corpus is not there."""
    try:
        frame = pd.read_csv(packaged_corpus_dir() / "layer_definitions.csv", dtype=str).fillna("")
    except (SmgovError, OSError, ValueError) as exc:
        logger.info("no layer definitions for the help overlay: %s", exc)
        return {}
    english = frame[frame["lang"] == "en"] if "lang" in frame.columns else frame
    return {layer: rows["text"].iloc[0] for layer, rows in english.groupby("layer", sort=False) if layer in LAYERS}


def load_review(queue_path: str | Path, data_dir: Path | str | None = None, reviewer: str | None = None) -> WebReview:
    """The review of ``queue_path`` (every statement, decided or not), with the decisions in ``data_dir``,
    the transcript lines around each statement and the layer definitions. A bad queue is the
    :class:`SmgovError` the terminal review gives."""
    store = DecisionStore(data_dir)
    queue = load_queue(queue_path, store.data_dir, keep_decided=True)
    return WebReview(queue, store, reviewer, context=transcript_context(queue_path, queue["statement_id"]),
                     definitions=layer_definitions(), queue_name=Path(queue_path).name,
                     ideas=idea_members(queue, queue_path))


class ReviewServer:
    """The review of ``review`` served on ``host``:``port``; :meth:`serve` blocks until :meth:`stop` or Ctrl-C.

    The socket is bound (and listening) on construction, so :attr:`url` is known and a browser may
    connect before :meth:`serve` starts answering.
    """

    def __init__(self, review: WebReview, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT):
        self.review = review
        self.host = host
        self.token = secrets.token_urlsafe(24) if needs_token(host) else None
        self.socket = open_socket(host, port)
        self.port = int(self.socket.getsockname()[1])
        self.url = served_url(host, self.port, self.token)
        config = uvicorn.Config(create_app(review, self.token), log_level="warning", access_log=False,
                                lifespan="off", timeout_graceful_shutdown=2, server_header=False)
        self._server = uvicorn.Server(config)

    @property
    def started(self) -> bool:
        return bool(self._server.started)

    def serve(self) -> None:
        """Answer requests until :meth:`stop` (or Ctrl-C, in the main thread)."""
        try:
            self._server.run(sockets=[self.socket])
        except KeyboardInterrupt:  # uvicorn stopped cleanly, then passed Ctrl-C on
            pass
        finally:
            self.socket.close()

    def stop(self) -> None:
        self._server.should_exit = True


def run_web_review(
    queue_path: str | Path,
    data_dir: Path | str | None = None,
    reviewer: str | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    open_browser: bool = True,
    on_ready: Callable[[str], None] | None = None,
) -> ReviewSummary:
    """Serve the review of ``queue_path`` in the browser until Ctrl-C; every decision goes to the store at once.

    ``on_ready`` gets the address once the port is bound; the default browser opens it unless
    ``open_browser`` is false. Returns a summary with ``nothing_to_review=True`` (serving nothing)
    when every statement of the queue is blank or already decided.
    """
    review = load_review(queue_path, data_dir, reviewer)
    if review.undecided_at_start == 0:
        return ReviewSummary(store_path=review.store.path, nothing_to_review=True,
                             already_decided=review.already_decided)
    server = ReviewServer(review, host, port)
    if on_ready is not None:
        on_ready(server.url)
    if open_browser:  # a console browser would hold the terminal: never wait for it
        threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
    server.serve()
    return review.summary()
