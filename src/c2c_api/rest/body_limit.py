"""Refuse request bodies over `C2C_MAX_BODY_BYTES` with 413, on every route (pure ASGI).

A declared `Content-Length` over the limit is refused before the body is read. A body sent
without one (chunked) is counted as it streams: the read that crosses the limit raises
`BodyTooLarge` inside the app, and whatever the app then tries to answer is replaced by the 413.

Upload routes get a larger limit of their own (`LargerLimit`): a path, optionally only for one
media type (GraphQL multipart requests on `/graphql`), and the code their 413 carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from c2c_api.i18n import negotiate_locale, translate
from c2c_api.rest.problems import problem


class BodyTooLarge(Exception):
    """The request body went over the configured limit."""


@dataclass(frozen=True)
class LargerLimit:
    """A route (and media type) allowed a bigger body than the default."""

    path: str
    max_body_bytes: int
    media_type: str | None = None  # e.g. "multipart/form-data"; None = any
    code: str = "REQUEST_TOO_LARGE"

    def matches(self, scope: Scope) -> bool:
        if scope["path"] != self.path:
            return False
        if self.media_type is None:
            return True
        for name, value in scope["headers"]:
            if name == b"content-type":
                media = value.decode("latin-1").split(";")[0].strip().lower()
                return media == self.media_type
        return False


class BodyLimitMiddleware:
    """413 for bodies over `max_body_bytes`; GraphQL paths get a GraphQL-shaped error body."""

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        graphql_paths: tuple[str, ...] = ("/graphql",),
        larger_limits: Sequence[LargerLimit] = (),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.graphql_paths = graphql_paths
        self.larger_limits = tuple(larger_limits)

    def limit_for(self, scope: Scope) -> tuple[int, str]:
        """The body limit of a request and the code of its 413."""
        for rule in self.larger_limits:
            if rule.matches(scope):
                return rule.max_body_bytes, rule.code
        return self.max_body_bytes, "REQUEST_TOO_LARGE"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, code = self.limit_for(scope)
        for name, value in scope["headers"]:
            if name == b"content-length":
                if value.isdigit() and int(value) > limit:
                    await self._refuse(scope, receive, send, limit, code)
                    return
                break

        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app answered after the limit was crossed: the 413 replaces it
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send, limit, code)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, limit: int, code: str
    ) -> None:
        headers = dict(scope.get("headers") or [])
        locale = negotiate_locale(headers.get(b"accept-language", b"").decode("latin-1"))
        message = translate(f"The request body is larger than {limit} bytes.", locale)
        state = scope.get("state")
        request_id = str(state.get("request_id", "")) if isinstance(state, dict) else ""
        if scope["path"] in self.graphql_paths:
            error = {"message": message, "extensions": {"code": code}}
            if request_id:
                error["extensions"]["requestId"] = request_id  # type: ignore[index]
            response: JSONResponse = JSONResponse(
                {"errors": [error]}, status_code=413, headers={"connection": "close"}
            )
        else:
            response = problem(
                413,
                detail=message,
                code=code,
                request_id=request_id,
                headers={"connection": "close"},
            )
        await response(scope, receive, send)
