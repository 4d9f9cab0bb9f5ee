"""RFC 9457 problem details for every non-GraphQL error response.

- `DomainError` → `application/problem+json` with the status of `status_of` (one table by
  class, `STATUS_BY_ERROR`, refined by code, `STATUS_BY_CODE`). A replayed error (the stored
  answer of an idempotency key) answers the status of its original, with
  `Idempotent-Replayed: true`.
- Starlette's `HTTPException` (unknown route 404, wrong method 405, …) → the same shape.
- Any other exception → a masked 500 naming the request id, logged once with its traceback
  (`UnexpectedErrorMiddleware`, so the server's own error page and log are never reached).
"""

from __future__ import annotations

import http
import logging
from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from c2c_api.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    Forbidden,
    InsufficientScope,
    InvalidCredentials,
    InvalidInput,
    InvalidState,
    NotFound,
    RateLimited,
    ReplayedError,
    Unauthenticated,
)
from c2c_api.i18n import negotiate_locale, translate
from c2c_api.observability import mark_client_disconnected

log = logging.getLogger("c2c_api.errors")

PROBLEM_JSON = "application/problem+json"
INTERNAL_ERROR = "Internal server error."
# Set on an answer given again for an idempotency key (success or problem).
IDEMPOTENT_REPLAYED = "Idempotent-Replayed"

# The most specific class wins (looked up along the exception's MRO).
STATUS_BY_ERROR: dict[type[DomainError], int] = {
    NotFound: 404,
    Forbidden: 403,
    Unauthenticated: 401,
    InvalidCredentials: 401,
    InsufficientScope: 403,
    InvalidInput: 422,
    Conflict: 409,
    InvalidState: 409,
    RateLimited: 429,
}
# Codes whose status is more specific than their class's (by code: this kernel module imports
# no domain's errors).
STATUS_BY_CODE: dict[ErrorCode, int] = {
    ErrorCode.PHOTO_TOO_LARGE: 413,
    ErrorCode.PHOTO_UNSUPPORTED_FORMAT: 415,
    ErrorCode.STORAGE_UNAVAILABLE: 503,
    ErrorCode.PAYMENT_PROVIDER_UNAVAILABLE: 503,
    ErrorCode.WEBHOOK_SIGNATURE_INVALID: 400,
    ErrorCode.WEBHOOK_TOO_OLD: 400,
    ErrorCode.WEBHOOK_MALFORMED: 400,
    # IETF draft "The Idempotency-Key HTTP Header Field": a missing required key is 400.
    ErrorCode.IDEMPOTENCY_KEY_REQUIRED: 400,
}
DEFAULT_DOMAIN_STATUS = 400


def status_of(cls: type[DomainError], code: ErrorCode | None = None) -> int:
    """The HTTP status of a domain error class: its code's (`STATUS_BY_CODE`), else its
    nearest class's along the MRO (`STATUS_BY_ERROR`). `code` overrides the class's."""
    status = STATUS_BY_CODE.get(cls.code if code is None else code)
    if status is not None:
        return status
    for klass in cls.__mro__:
        status = STATUS_BY_ERROR.get(klass)
        if status is not None:
            return status
    return DEFAULT_DOMAIN_STATUS


def status_for(error: DomainError) -> int:
    """The HTTP status of a domain error (see `status_of`); a replayed error's is its
    original's (same code, same family)."""
    return status_of(error.family, error.code)


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


def problem(
    status: int,
    *,
    detail: str | None = None,
    code: str | None = None,
    request_id: str = "",
    headers: Mapping[str, str] | None = None,
    **members: Any,
) -> ProblemResponse:
    """A problem+json response; `type` is `about:blank`, `title` the status phrase."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": http.HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if code:
        body["code"] = code
    body.update(members)
    if request_id:
        body["requestId"] = request_id
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


def _request_id(scope: Scope) -> str:
    state = scope.get("state")
    return str(state.get("request_id", "")) if isinstance(state, dict) else ""


def domain_error_response(request: Request, error: DomainError) -> ProblemResponse:
    """The problem for a domain error, in the caller's language."""
    status = status_for(error)
    locale = negotiate_locale(request.headers.get("accept-language"))
    headers: dict[str, str] = {}
    if isinstance(error, ReplayedError):
        headers[IDEMPOTENT_REPLAYED] = "true"
    if issubclass(error.family, InsufficientScope):
        needed = " ".join(
            sorted({s for alt in error.context.get("requiredScopes", []) for s in alt})
        )
        headers["www-authenticate"] = f'Bearer error="insufficient_scope", scope="{needed}"'
    elif status == 401:
        headers["www-authenticate"] = "Bearer"
    retry_after = error.context.get("retry_after")
    if issubclass(error.family, RateLimited) and isinstance(retry_after, int):
        headers["retry-after"] = str(retry_after)
    members: dict[str, Any] = {}
    if error.fields:
        members["fields"] = list(error.fields)
    return problem(
        status,
        detail=translate(error.message, locale),
        code=error.code.value,
        request_id=_request_id(request.scope),
        headers=headers,
        **members,
    )


async def handle_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return domain_error_response(request, exc)


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    phrase = http.HTTPStatus(exc.status_code).phrase
    detail = exc.detail if exc.detail and exc.detail != phrase else None
    if exc.status_code == 404 and detail is None:
        detail = f"No resource at {request.url.path}"
    return problem(
        exc.status_code,
        detail=detail,
        request_id=_request_id(request.scope),
        headers=exc.headers,
    )


def exception_handlers() -> dict[Any, Any]:
    """For `Starlette(exception_handlers=...)`."""
    return {DomainError: handle_domain_error, HTTPException: handle_http_exception}


class UnexpectedErrorMiddleware:
    """Turns an exception that escaped every handler into a masked 500 problem (pure ASGI).

    A client that disconnects while its body is read (starlette's ClientDisconnect, from
    GraphQL bodies and REST uploads alike) is no error: one info line, no answer, and the
    request is counted with the status 499 (client closed request).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            # The client went away while we read its body: nobody to answer, nothing wrong here.
            log.info(
                "client disconnected during %s %s",
                scope.get("method"),
                scope.get("path"),
                extra={"request_id": _request_id(scope)},
            )
            mark_client_disconnected(scope)
        except Exception:
            request_id = _request_id(scope)
            log.exception(
                "unexpected error on %s %s",
                scope.get("method"),
                scope.get("path"),
                extra={"request_id": request_id},
            )
            if started:
                raise  # too late for a clean answer: let the server close the connection
            await problem(500, detail=INTERNAL_ERROR, request_id=request_id)(scope, receive, send)
