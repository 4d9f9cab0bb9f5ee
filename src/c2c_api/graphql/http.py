"""GraphQL over HTTP (the GraphQL-over-HTTP spec), on Starlette.

Strawberry's own HTTP view does not implement the `application/graphql-response+json` media
type and its status codes, so the HTTP layer is ours; parsing, validation and execution are
strawberry's (`schema.execute`). The rules, status by status, are in docs/graphql-over-http.md.

File uploads follow the GraphQL multipart request spec (github.com/jaydenseric/graphql-multipart-
request-spec): a `multipart/form-data` POST with an `operations` field (the usual JSON body), a
`map` field (`{"0": ["variables.file"]}`) and one part per file. Such a POST is a "simple" CORS
request, which a browser sends cross-site without a preflight; since our tokens are bearer
headers (never cookies a browser adds by itself), a forged request has no authority anyway, and
as a second guard a multipart request must carry an `Authorization` header or a non-empty
`GraphQL-Require-Preflight` (or `Apollo-Require-Preflight`) header, which no simple request can.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.file_uploads.utils import replace_placeholders_with_files
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from c2c_api.auth.bearer import InvalidToken, authenticate
from c2c_api.db import Database
from c2c_api.graphql.context import Context
from c2c_api.graphql.cost import RATE_LIMITED
from c2c_api.graphql.extensions import INTERNAL_ERROR, request_error_code
from c2c_api.graphql.ide import graphiql_page, wants_ide
from c2c_api.graphql.schema import C2CSchema
from c2c_api.i18n import negotiate_locale, translate
from c2c_api.observability import record_graphql_operation, request_id_of

log = logging.getLogger("c2c_api.graphql")

GRAPHQL_RESPONSE = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
MULTIPART = "multipart/form-data"
PREFLIGHT_HEADERS = ("graphql-require-preflight", "apollo-require-preflight")
MAX_UPLOAD_FILES = 10
INTERNAL_CODE = "INTERNAL_SERVER_ERROR"


class BodyTooLarge(Exception):
    pass


class BadRequest(Exception):
    """The HTTP request is not a GraphQL request: no GraphQL engine involved."""

    def __init__(self, message: str, status: int = 400, code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


def accepted_media_type(accept: str) -> str | None:
    """The response media type for an Accept header; None when nothing acceptable (406).

    `application/graphql-response+json` when the client names it (and prefers it at least as
    much as JSON); `application/json` for legacy clients: no Accept, `*/*`, `application/*`
    or `application/json` (the spec's SHOULD for a missing Accept header).
    """
    if not accept.strip():
        return APPLICATION_JSON
    best: tuple[float, int, str] | None = None
    for index, part in enumerate(accept.split(",")):
        pieces = part.split(";")
        media = pieces[0].strip().lower()
        if media == GRAPHQL_RESPONSE:
            chosen = GRAPHQL_RESPONSE
        elif media in (APPLICATION_JSON, "application/*", "*/*"):
            chosen = APPLICATION_JSON
        else:
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        candidate = (-q, index, chosen)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else None


async def _read_body(request: Request, limit: int) -> bytes:
    # BodyLimitMiddleware enforces the limit app-wide; this keeps the endpoint safe alone.
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


def _map_param(raw: Any, name: str, *, from_url: bool) -> dict[str, Any] | None:
    """`variables` / `extensions`: a JSON object, or absent/null (URL-encoded JSON in GET)."""
    if raw is None:
        return None
    if from_url:
        if raw == "":
            return None
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError) as exc:  # ValueError: also integers > 4300 digits
            raise BadRequest(f"`{name}` is not valid JSON") from exc
        if raw is None:
            return None
    if not isinstance(raw, dict):
        raise BadRequest(f"`{name}` must be a map (a JSON object)")
    return raw


def _content_type(request: Request) -> tuple[str, str | None]:
    raw = request.headers.get("content-type", "")
    media, *params = raw.split(";")
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def _json_object(raw: str | bytes, what: str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:  # ValueError: also integers > 4300 digits
        raise BadRequest(f"{what} is not valid JSON", code="MALFORMED_JSON") from exc


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_preflight(request: Request) -> None:
    """Multipart requests are CORS-simple: demand a header a simple request cannot carry."""
    if "authorization" in request.headers:
        return
    if any(request.headers.get(h, "").strip() for h in PREFLIGHT_HEADERS):
        return
    raise BadRequest(
        "Multipart requests need an Authorization header or a non-empty "
        "GraphQL-Require-Preflight header (CSRF protection).",
        code="CSRF_PREFLIGHT_REQUIRED",
    )


def _multipart_params(form: FormData) -> dict[str, Any]:
    """The GraphQL multipart request spec: `operations` with files placed per `map`."""
    operations_raw = form.get("operations")
    map_raw = form.get("map")
    if not isinstance(operations_raw, str) or not isinstance(map_raw, str):
        raise BadRequest("Multipart requests need the `operations` and `map` fields")
    operations = _json_object(operations_raw, "`operations`")
    if not isinstance(operations, dict):
        raise BadRequest("`operations` must be a JSON object (batching is not supported)")
    files_map = _json_object(map_raw, "`map`")
    if not isinstance(files_map, dict) or not all(
        isinstance(paths, list) and all(isinstance(p, str) for p in paths)
        for paths in files_map.values()
    ):
        raise BadRequest("`map` must map file fields to lists of paths")
    files: dict[str, UploadFile] = {}
    for name, paths in files_map.items():
        upload = form.get(name)
        if not isinstance(upload, UploadFile):
            raise BadRequest(f"The file `{name}` named in `map` is missing")
        if not all(p.startswith("variables.") for p in paths):
            raise BadRequest("Files can only be placed in `variables`")
        files[name] = upload
    try:
        return replace_placeholders_with_files(operations, files_map, files)
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        raise BadRequest("A path of `map` does not exist in `operations`") from exc


async def _graphql_params(
    request: Request, limit: int, form: FormData | None = None
) -> dict[str, Any]:
    """The GraphQL-over-HTTP request parameters, validated (BadRequest otherwise)."""
    from_url = request.method == "GET"
    if from_url:
        params: dict[str, Any] = dict(request.query_params)
    elif form is not None:
        params = _multipart_params(form)
    else:
        media, charset = _content_type(request)
        if media != APPLICATION_JSON:
            raise BadRequest(
                "Content-Type must be application/json", status=415, code="UNSUPPORTED_MEDIA_TYPE"
            )
        if charset not in (None, "utf-8", "utf8"):
            raise BadRequest(
                "Only the utf-8 charset is supported", status=415, code="UNSUPPORTED_MEDIA_TYPE"
            )
        body = await _read_body(request, limit)
        parsed = _json_object(body, "The body")
        if not isinstance(parsed, dict):
            raise BadRequest("The body must be a JSON object")
        params = parsed
    query = params.get("query")
    if query is None:
        raise BadRequest("`query` is missing")
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("`query` must be a non-empty string")
    operation_name = params.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("`operationName` must be a string")
    if operation_name is not None and not _encodable(operation_name):
        # Answered before the engine, which would echo it (unknown operation) unencodably.
        raise BadRequest("`operationName` holds a lone UTF-16 surrogate", code="INVALID_STRING")
    return {
        "query": query,
        "variables": _map_param(params.get("variables"), "variables", from_url=from_url),
        "operation_name": operation_name or None,
        "extensions": _map_param(params.get("extensions"), "extensions", from_url=from_url),
    }


@lru_cache(maxsize=1024)
def _operation_count(query: str, max_tokens: int) -> int:
    """Operations in a document (0 when it does not parse: the engine reports that)."""
    try:
        document = parse(query, no_location=True, max_tokens=max_tokens)
    except GraphQLError:
        return 0
    return sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)


def _outcome(result: ExecutionResult) -> str:
    if isinstance(result, PreExecutionError):
        return "rejected"
    if not result.errors:
        return "ok"
    if any((e.extensions or {}).get("code") == INTERNAL_CODE for e in result.errors):
        return "internal_error"
    return "error"


class GraphQLEndpoint:
    """The `/graphql` ASGI endpoint: GET (queries, or the IDE for browsers) and POST."""

    def __init__(self, schema: C2CSchema, db: Database) -> None:
        self.schema = schema
        self.db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    @staticmethod
    def _error(
        media: str,
        status: int,
        message: str,
        *,
        code: str,
        request_id: str = "",
        headers: dict[str, str] | None = None,
    ) -> Response:
        extensions = {"code": code}
        if request_id:
            extensions["requestId"] = request_id
        return JSONResponse(
            {"errors": [{"message": message, "extensions": extensions}]},
            status_code=status,
            media_type=media,
            headers=headers,
        )

    async def handle(self, request: Request) -> Response:
        """Answer one GraphQL-over-HTTP request; never raises for bad input."""
        if request.method == "POST" and _content_type(request)[0] == MULTIPART:
            return await self._handle_multipart(request)
        return await self._handle(request)

    async def _handle_multipart(self, request: Request) -> Response:
        """A GraphQL multipart request: the form's files live until the response is built."""
        media = accepted_media_type(request.headers.get("accept", "")) or APPLICATION_JSON
        try:
            _check_preflight(request)
        except BadRequest as exc:
            return self._error(media, exc.status, exc.message, code=exc.code)
        try:
            form = await request.form(max_files=MAX_UPLOAD_FILES, max_fields=10)
        except HTTPException as exc:
            return self._error(media, 400, str(exc.detail), code="BAD_REQUEST")
        try:
            return await self._handle(request, form)
        finally:
            await form.close()

    async def _handle(self, request: Request, form: FormData | None = None) -> Response:
        # One connection serves the token's check and the request's first session.
        async with self.db.request_scope():
            return await self._answer(request, form)

    async def _answer(self, request: Request, form: FormData | None) -> Response:
        settings = self.db.settings
        if request.method not in ("GET", "POST"):
            return self._error(
                APPLICATION_JSON,
                405,
                "Use GET (queries) or POST",
                code="METHOD_NOT_ALLOWED",
                headers={"allow": "GET, POST"},
            )
        if wants_ide(request.scope, "query" in request.query_params):
            return graphiql_page()
        media = accepted_media_type(request.headers.get("accept", ""))
        if media is None:
            return self._error(
                APPLICATION_JSON,
                406,
                "Accept application/graphql-response+json or application/json",
                code="NOT_ACCEPTABLE",
            )
        try:
            params = await _graphql_params(request, settings.max_body_bytes, form)
        except BodyTooLarge:
            return self._error(
                media,
                413,
                f"The request body is larger than {settings.max_body_bytes} bytes.",
                code="REQUEST_TOO_LARGE",
            )
        except BadRequest as exc:
            return self._error(media, exc.status, exc.message, code=exc.code)

        try:
            actor = await authenticate(request, self.db)
        except InvalidToken:
            return self._error(
                media,
                401,
                "The access token is invalid, expired or revoked.",
                code="INVALID_TOKEN",
                headers={"www-authenticate": 'Bearer error="invalid_token"'},
            )

        if params["operation_name"] is None and (
            _operation_count(params["query"], settings.graphql_max_tokens) > 1
        ):
            # graphql-core would run the first one; the GraphQL spec makes this a request error.
            record_graphql_operation("unknown", "rejected")
            return self._document_error(
                media, "Must provide operation name if query contains multiple operations."
            )

        request_id = request_id_of(request.scope)
        locale = negotiate_locale(request.headers.get("accept-language"))
        context = Context(
            request=request,
            actor=actor,
            db=self.db,
            settings=settings,
            locale=locale,
            request_id=request_id,
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
        except InvalidOperationTypeError as exc:
            await context.close()
            if exc.operation_type == OperationType.SUBSCRIPTION:
                # Not an HTTP method matter: subscriptions are served over WebSocket only.
                record_graphql_operation("subscription", "rejected")
                return self._document_error(
                    media,
                    "Subscriptions are served over WebSocket (graphql-transport-ws on "
                    "/graphql), not over HTTP.",
                )
            record_graphql_operation("mutation", "rejected")
            return self._error(
                media,
                405,
                "Mutations need POST",
                code="METHOD_NOT_ALLOWED",
                headers={"allow": "POST"},
            )
        except CannotGetOperationTypeError as exc:
            # An unknown `operationName`, or several operations and none named: a request
            # error, answered like a validation error (nothing ran).
            record_graphql_operation("unknown", "rejected")
            await context.close()
            return self._document_error(media, f"Unknown operation named '{exc.operation_name}'.")
        except Exception:
            log.exception("GraphQL execution failed", extra={"request_id": request_id})
            await self._close_quietly(context)
            return self._internal_error(media, locale, request_id)

        outcome = _outcome(result)
        operation_type = "unknown" if outcome == "rejected" else _operation_type(context)
        # Each mutation committed its own use case before its payload was resolved; what is
        # left is the read session, which never writes.
        await self._close_quietly(context)
        record_graphql_operation(operation_type, outcome)
        return self._response(result, media)

    def _document_error(self, media: str, message: str) -> Response:
        """A request error found in the document: 400, or 200 for legacy JSON clients."""
        status = 400 if media == GRAPHQL_RESPONSE else 200
        return self._error(media, status, message, code="GRAPHQL_VALIDATION_FAILED")

    @staticmethod
    async def _close_quietly(context: Context) -> None:
        try:
            await context.close()
        except Exception:
            log.exception("rollback failed", extra={"request_id": context.request_id})

    def _internal_error(self, media: str, locale: str, request_id: str) -> Response:
        return self._error(
            media,
            500,
            translate(INTERNAL_ERROR, locale),
            code=INTERNAL_CODE,
            request_id=request_id,
        )

    @staticmethod
    def _response(result: ExecutionResult, media: str) -> Response:
        payload: dict[str, Any] = {}
        status = 200
        if isinstance(result, PreExecutionError):
            # Parse, validation, limits or operation selection failed: nothing ran, no `data`.
            if media == GRAPHQL_RESPONSE:
                status = 400
        else:
            payload["data"] = result.data
        if result.errors:
            payload["errors"] = errors = [dict(e.formatted) for e in result.errors]
            if isinstance(result, PreExecutionError):
                for error in errors:  # parse errors skip the extensions' error shaping
                    error.setdefault(
                        "extensions", {"code": request_error_code(str(error["message"]))}
                    )
        if result.extensions:
            payload["extensions"] = result.extensions
        headers = None
        retry_after = _retry_after(result)
        if retry_after is not None:
            # The caller's query budget is exhausted (graphql/cost.py): 429 for every media
            # type, since it is not an answer about the document.
            status, headers = 429, {"retry-after": str(retry_after)}
        return JSONResponse(payload, status_code=status, media_type=media, headers=headers)


def _retry_after(result: ExecutionResult) -> int | None:
    """Seconds to wait when the request was refused for an exhausted budget."""
    if not isinstance(result, PreExecutionError):
        return None
    for error in result.errors or ():
        extensions = error.extensions or {}
        if extensions.get("code") == RATE_LIMITED:
            return int(extensions.get("retryAfter", 1))
    return None


def _operation_type(context: Context) -> str:
    return "mutation" if context.is_mutation else "query"
