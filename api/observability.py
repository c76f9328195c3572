"""Every HTTP request gets an id (the client's X-Request-ID when it is a sane one, or
a new one), returned as X-Request-ID and carried by every log line written for it;
it is counted and timed by route template for the metrics, and logged once."""

from __future__ import annotations

import logging
import re
import time
from urllib.parse import quote
from uuid import uuid4

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra import metrics
from infra.logs import REQUEST_ID

HEADER = b"x-request-id"
#: The route label of a request no route matched (a static file, a 404).
UNMATCHED = "unmatched"
#: An id a client may choose: short, printable, safe in a log line and a header.
CLIENT_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
#: Labels of methods beyond these would let a client grow the metrics at will.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

access = logging.getLogger("vledger.access")


class Observed:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        context = REQUEST_ID.set(request_id)
        header = (HEADER, request_id.encode())
        status = 500  # unless a response starts: the server answers an error
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _observe(scope, status, time.perf_counter() - started)
            REQUEST_ID.reset(context)


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == HEADER and CLIENT_ID.fullmatch(value):
            return str(value.decode())
    return uuid4().hex


def _observe(scope: Scope, status: int, seconds: float) -> None:
    method = scope["method"] if scope["method"] in METHODS else "OTHER"
    route = getattr(scope.get("route"), "path", None) or UNMATCHED
    metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
    metrics.HTTP_LATENCY.labels(method, route).observe(seconds)
    # The metrics keep one label for every path of no route (a client could grow
    # them at will); the log line names the path, escaped and cut short.
    shown = route if route != UNMATCHED else _logged_path(scope["path"])
    access.info(
        "%s %s %s",
        method,
        shown,
        status,
        extra={
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "route": route,
        },
    )


def _logged_path(path: str) -> str:
    """A path as a log line may hold it: no control characters, spaces or quotes
    (they would forge or break lines), at most 200 characters."""
    return quote(path[:200], safe="/:@-._~!$&'()*+,;=")
