"""GraphQL over HTTP (the GraphQL-over-HTTP spec), on Starlette.

Strawberry's own HTTP view does not implement the `application/graphql-response+json` media
type and its status codes, so the HTTP layer is ours; parsing, validation and execution are
strawberry's (`schema.execute`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from c2c_api.auth.bearer import InvalidToken, authenticate
from c2c_api.db import Database
from c2c_api.graphql.context import Context
from c2c_api.graphql.schema import C2CSchema
from c2c_api.i18n import negotiate_locale

log = logging.getLogger("c2c_api.graphql")

GRAPHQL_RESPONSE = "application/graphql-response+json"
APPLICATION_JSON = "application/json"


class BodyTooLarge(Exception):
    pass


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _accepted_media_type(request: Request) -> str | None:
    """The response media type for the Accept header; None when nothing acceptable."""
    accept = request.headers.get("accept", "")
    if not accept.strip():
        return GRAPHQL_RESPONSE
    best: tuple[float, int, str] | None = None
    for index, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        q = 1.0
        for param in pieces[1:]:
            k, _, v = param.partition("=")
            if k.strip() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            chosen = GRAPHQL_RESPONSE
        elif media in (APPLICATION_JSON, "application/*", "*/*"):
            chosen = APPLICATION_JSON if media == APPLICATION_JSON else GRAPHQL_RESPONSE
        else:
            continue
        candidate = (-q, index, chosen)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else None


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _json_param(raw: Any, name: str) -> dict[str, Any] | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise BadRequest(f"`{name}` is not valid JSON") from exc
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise BadRequest(f"`{name}` must be a map")
    return raw


async def _graphql_params(request: Request, limit: int) -> dict[str, Any]:
    if request.method == "GET":
        params: dict[str, Any] = dict(request.query_params)
    else:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != APPLICATION_JSON:
            raise BadRequest("Content-Type must be application/json", status=415)
        body = await _read_body(request, limit)
        try:
            params = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BadRequest("The body is not valid JSON") from exc
        if not isinstance(params, dict):
            raise BadRequest("The body must be a JSON object")
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("`query` must be a non-empty string")
    operation_name = params.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("`operationName` must be a string")
    return {
        "query": query,
        "variables": _json_param(params.get("variables"), "variables"),
        "operation_name": operation_name or None,
        "extensions": _json_param(params.get("extensions"), "extensions"),
    }


class GraphQLEndpoint:
    """The `/graphql` ASGI endpoint for GET and POST."""

    def __init__(self, schema: C2CSchema, db: Database) -> None:
        self.schema = schema
        self.db = db

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    def _error(self, media: str, status: int, message: str, **headers: str) -> Response:
        return JSONResponse(
            {"errors": [{"message": message}]},
            status_code=status,
            media_type=media,
            headers=headers or None,
        )

    async def handle(self, request: Request) -> Response:
        settings = self.db.settings
        if request.method not in ("GET", "POST"):
            return self._error(APPLICATION_JSON, 405, "Use GET or POST", allow="GET, POST")
        media = _accepted_media_type(request)
        if media is None:
            return self._error(APPLICATION_JSON, 406, "Accept application/graphql-response+json")
        try:
            params = await _graphql_params(request, settings.max_body_bytes)
        except BodyTooLarge:
            return self._error(media, 413, f"Request body over {settings.max_body_bytes} bytes")
        except BadRequest as exc:
            return self._error(media, exc.status, exc.message)

        try:
            actor = await authenticate(request, self.db)
        except InvalidToken:
            return self._error(
                media,
                401,
                "The access token is invalid, expired or revoked",
                **{"www-authenticate": 'Bearer error="invalid_token"'},
            )

        context = Context(
            request=request,
            actor=actor,
            db=self.db,
            settings=settings,
            locale=negotiate_locale(request.headers.get("accept-language")),
            request_id=request.scope.get("state", {}).get("request_id", ""),
        )
        allowed = (
            (OperationType.QUERY,)
            if request.method == "GET"
            else (OperationType.QUERY, OperationType.MUTATION)
        )
        result: ExecutionResult | None = None
        try:
            result = await self.schema.execute(
                params["query"],
                variable_values=params["variables"],
                context_value=context,
                operation_name=params["operation_name"],
                allowed_operation_types=allowed,
            )
        except InvalidOperationTypeError:
            return self._error(media, 405, "Mutations need POST", allow="POST")
        finally:
            failed = result is None or any(
                e.extensions and e.extensions.get("code") == "INTERNAL_SERVER_ERROR"
                for e in (result.errors or [])
            )
            await context.close(commit=not failed)

        return self._response(result, media, request)

    def _response(self, result: ExecutionResult | None, media: str, request: Request) -> Response:
        assert result is not None
        payload: dict[str, Any] = {}
        status = 200
        if isinstance(result, PreExecutionError):
            # Parse / validation / operation selection failed: nothing ran.
            if media == GRAPHQL_RESPONSE:
                status = 400
        else:
            payload["data"] = result.data
        if result.errors:
            payload["errors"] = [e.formatted for e in result.errors]
        if result.extensions:
            payload["extensions"] = result.extensions
        return JSONResponse(payload, status_code=status, media_type=media)
