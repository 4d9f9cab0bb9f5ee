"""Request ids, access logs and Prometheus metrics.

`RequestContextMiddleware` is the outermost middleware: it fixes the request id (the caller's
`X-Request-ID` when it is sane, else a new one), exposes it in `scope["state"]["request_id"]`
and in a contextvar (so every log line carries it), echoes it as a response header, writes one
access-log line and records the request's metrics. Metric names: see docs/operations.md.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from c2c_api.logging import request_id_var

access_log = logging.getLogger("c2c_api.access")

REQUEST_ID_HEADER = b"x-request-id"
# Ids we accept from callers (proxies, clients): short, printable, no spaces or quotes.
_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._:/+=-]{0,127}")
UNMATCHED_ROUTE = "<unmatched>"

# One registry for the process: several apps in one process (tests) share it.
REGISTRY = CollectorRegistry(auto_describe=True)
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter(
    "c2c_http_requests",
    "HTTP requests served, by method, route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "c2c_http_request_duration_seconds",
    "Time to serve an HTTP request (until the last body byte is sent).",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
GRAPHQL_OPERATIONS = Counter(
    "c2c_graphql_operations",
    "GraphQL operations handed to the engine, by operation type and outcome.",
    ["operation_type", "outcome"],
    registry=REGISTRY,
)


def record_graphql_operation(operation_type: str, outcome: str) -> None:
    """Count one GraphQL operation (`query`/`mutation`/`unknown`; see docs/operations.md)."""
    GRAPHQL_OPERATIONS.labels(operation_type, outcome).inc()


CLIENT_CLOSED_REQUEST = 499
"""The status recorded (nginx's convention) for a request whose client went away first."""


def mark_client_disconnected(scope: Scope) -> None:
    """Record that the client disconnected before any answer (counted as 499, not 500)."""
    state = scope.setdefault("state", {})
    if isinstance(state, dict):
        state["client_disconnected"] = True


def request_id_of(scope: Scope) -> str:
    """The request id the middleware fixed for this request ('' outside a request)."""
    state = scope.get("state")
    if isinstance(state, dict):
        return str(state.get("request_id", ""))
    return ""


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


class RequestContextMiddleware:
    """Request id, access log line and HTTP metrics for every request (pure ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = ""
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER:
                if _SANE_REQUEST_ID.fullmatch(value):
                    request_id = value.decode("ascii")
                break
        if not request_id:
            request_id = uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = request_id_var.set(request_id)
        try:
            if scope["type"] == "websocket":
                await self.app(scope, receive, send)
            else:
                await self._http(scope, receive, send, request_id)
        finally:
            request_id_var.reset(token)

    async def _http(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        start = time.perf_counter()
        status = 500
        header = (REQUEST_ID_HEADER, request_id.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            state = scope.get("state")
            if status == 500 and isinstance(state, dict) and state.get("client_disconnected"):
                status = CLIENT_CLOSED_REQUEST
            method = scope["method"]
            # Label values come from a closed set: a made-up method must not mint new series.
            method_label = method if method in KNOWN_METHODS else "OTHER"
            route = _route_template(scope)
            status_label = str(status)
            HTTP_REQUESTS.labels(method_label, route, status_label).inc()
            HTTP_LATENCY.labels(method_label, route, status_label).observe(elapsed)
            access_log.info(
                "%s %s %d",
                method,
                scope["path"],
                status,
                extra={
                    "method": method,
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "request_id": request_id,
                },
            )


async def metrics(request: Request) -> Response:
    """Prometheus metrics (text exposition format)."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def middleware() -> list[Middleware]:
    """Outermost first."""
    return [Middleware(RequestContextMiddleware)]


def routes() -> list[BaseRoute]:
    """`/metrics`."""
    return [Route("/metrics", metrics, methods=["GET"])]
