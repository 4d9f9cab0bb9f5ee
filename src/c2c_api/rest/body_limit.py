"""Refuse request bodies over `C2C_MAX_BODY_BYTES` with 413, on every route (pure ASGI).

A declared `Content-Length` over the limit is refused before the body is read. A body sent
without one (chunked) is counted as it streams: the read that crosses the limit raises
`BodyTooLarge` inside the app, and whatever the app then tries to answer is replaced by the 413.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from c2c_api.rest.problems import problem


class BodyTooLarge(Exception):
    """The request body went over the configured limit."""


class BodyLimitMiddleware:
    """413 for bodies over `max_body_bytes`; GraphQL paths get a GraphQL-shaped error body."""

    def __init__(
        self, app: ASGIApp, max_body_bytes: int, graphql_paths: tuple[str, ...] = ("/graphql",)
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.graphql_paths = graphql_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        for name, value in scope["headers"]:
            if name == b"content-length":
                if value.isdigit() and int(value) > limit:
                    await self._refuse(scope, receive, send)
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
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"The request body is larger than {self.max_body_bytes} bytes."
        state = scope.get("state")
        request_id = str(state.get("request_id", "")) if isinstance(state, dict) else ""
        if scope["path"] in self.graphql_paths:
            error = {"message": message, "extensions": {"code": "REQUEST_TOO_LARGE"}}
            if request_id:
                error["extensions"]["requestId"] = request_id  # type: ignore[index]
            response: JSONResponse = JSONResponse(
                {"errors": [error]}, status_code=413, headers={"connection": "close"}
            )
        else:
            response = problem(
                413,
                detail=message,
                code="REQUEST_TOO_LARGE",
                request_id=request_id,
                headers={"connection": "close"},
            )
        await response(scope, receive, send)
