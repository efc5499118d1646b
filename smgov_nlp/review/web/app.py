"""The browser review's HTTP side: a Starlette app over a :class:`~smgov_nlp.review.web.session.WebReview`.

Routes: ``GET /`` the page, ``GET /static/...`` its own script and style (nothing else is served),
``GET /api/state`` and ``GET /api/status`` (reads only), and ``POST /api/decide``,
``/api/bulk-accept`` and ``/api/undo``, the only requests that change anything.

Security:

* a change needs POST, a JSON body (``Content-Type: application/json``) and the session token that
  ``/api/state`` gives, in the :data:`SESSION_HEADER` header: a page of another site can neither send
  it nor read it, so there is no cross-site request forgery, and GET never changes state;
* with an ``access_token`` (any ``--host`` but the default) every request must carry it, in the URL
  (``?token=``, which also sets a same-site, HTTP-only cookie for the page's later requests) or in that cookie;
* without one (127.0.0.1) only ``Host: 127.0.0.1`` or ``localhost`` is answered, so a web page that
  rebinds its own domain name to 127.0.0.1 cannot read the review;
* every response forbids scripts, styles and connections from anywhere but the page itself (CSP),
  framing and referrers.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smgov_nlp.errors import SmgovError
from smgov_nlp.review.web.session import RequestError, WebReview

STATIC = Path(__file__).resolve().parent / "static"
SESSION_HEADER = "X-Smgov-Session"
LOOPBACK_NAMES = ("127.0.0.1", "localhost")
MAX_BODY = 1_000_000
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def create_app(review: WebReview, access_token: str | None = None) -> Starlette:
    """The app serving ``review``; ``access_token`` required on every request when given."""

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    async def state(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(review.state))

    async def status(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(review.status))

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/api/state", state, methods=["GET"]),
        Route("/api/status", status, methods=["GET"]),
        Route("/api/decide", _change(review, review.decide), methods=["POST"]),
        Route("/api/bulk-accept", _change(review, review.bulk_accept), methods=["POST"]),
        Route("/api/undo", _change(review, review.undo), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC, follow_symlink=False), name="static"),
    ]
    middleware = [Middleware(_Guard, access_token=access_token)]
    if access_token is None:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=list(LOOPBACK_NAMES)))
    return Starlette(routes=routes, middleware=middleware)


def _change(review: WebReview, action: Callable[[dict], dict]) -> Callable:
    """An endpoint that checks the session token and the JSON body, then runs ``action`` on the body."""

    async def endpoint(request: Request) -> Response:
        if not _same(request.headers.get(SESSION_HEADER, ""), review.session_token):
            return _error(f"missing or wrong {SESSION_HEADER} header: reload the page", 403)
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            return _error("expected a JSON body (Content-Type: application/json)", 415)
        body = await request.body()
        if len(body) > MAX_BODY:
            return _error("request body too large", 413)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _error("the body is not valid JSON", 400)
        if not isinstance(data, dict):
            return _error("expected a JSON object", 400)
        try:
            return JSONResponse(await run_in_threadpool(action, data))
        except RequestError as exc:
            return _error(str(exc), exc.status)
        except SmgovError as exc:
            return _error(str(exc), 500)
        except OSError as exc:
            return _error(f"cannot write {review.store.path} ({exc.strerror or exc})", 500)

    return endpoint


def _error(message: str, status: int) -> Response:
    return JSONResponse({"error": message}, status_code=status)


def _same(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def cookie_name(access_token: str) -> str:
    """The cookie holding ``access_token``: named after it, so servers on other ports keep their own."""
    return "smgov_" + hashlib.sha256(access_token.encode("utf-8")).hexdigest()[:12]


class _Guard:
    """Adds :data:`SECURITY_HEADERS` to every response; with an access token, refuses requests without it."""

    def __init__(self, app: ASGIApp, access_token: str | None = None):
        self.app = app
        self.token = access_token
        self.cookie = cookie_name(access_token) if access_token else ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        set_cookie = False
        if self.token is not None:
            request = Request(scope)
            set_cookie = _same(request.query_params.get("token", ""), self.token)
            if not (set_cookie or _same(request.cookies.get(self.cookie, ""), self.token)):
                refused = PlainTextResponse("a token is required: open the address smgov review --web printed",
                                            status_code=403)
                await refused(scope, receive, self._headers(send, False))
                return
        await self.app(scope, receive, self._headers(send, set_cookie))

    def _headers(self, send: Send, set_cookie: bool) -> Send:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if set_cookie:
                    headers.append("set-cookie", f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict")
            await send(message)

        return send_with_headers
