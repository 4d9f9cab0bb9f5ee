"""GraphQL subscriptions over WebSocket: graphql-transport-ws on `/graphql` (docs/subscriptions.md).

strawberry runs the protocol (its `graphql_transport_ws` handler: the `connection_init` wait,
4401 for a subscribe before the acknowledgement, 4409 for a duplicate id, the cap on operations
per connection); this module adds what is ours:

- authentication by the access token in `connection_init`'s payload (`{"Authorization":
  "Bearer …"}`), never by cookies: a token that is malformed, expired or revoked closes the
  connection with 4403 (the protocol's "Forbidden"); without a token the connection is
  anonymous and may use public subscriptions only (scopes are checked per field by the same
  `requires()` as every other field);
- the connection ends (4401) when its access token expires: the client reconnects with a fresh
  one;
- keep-alive: the server pings every `C2C_WS_KEEPALIVE_INTERVAL` seconds;
- presence: a member's connection counts them as connected (notifications/presence.py: no
  e-mail about a new message then) from its acknowledgement until it closes;
- every task of a connection is cancelled when it closes, however it closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import timedelta
from typing import Any

from graphql import DocumentNode
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import CompleteMessage
from strawberry.types.unset import UnsetType

from c2c_api.auth.bearer import InvalidToken
from c2c_api.authz import ANONYMOUS
from c2c_api.broker import Broker
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.graphql.context import Context
from c2c_api.graphql.cost import Operation as CostedOperation
from c2c_api.graphql.cost import assess
from c2c_api.graphql.schema import C2CSchema
from c2c_api.graphql.shared_streams import Key, SharedRequest, SharedStreams, key_of, next_frame
from c2c_api.i18n import negotiate_locale
from c2c_api.kit.clock import utcnow
from c2c_api.notifications.presence import InProcessPresence, Presence, hold

log = logging.getLogger("c2c_api.graphql.ws")

TOKEN_EXPIRED = 4401
TOKEN_REFUSED = 4403
EXPIRY_CHECK_SECONDS = 1.0


def token_of(params: dict[str, Any] | None) -> str | None:
    """The access token of a `connection_init` payload: `Authorization: Bearer …` (any case)
    or `token`; None when there is none; InvalidToken when it is there but malformed."""
    if not params:
        return None
    for key, value in params.items():
        if isinstance(key, str) and key.lower() == "authorization":
            if not isinstance(value, str):
                raise InvalidToken("Authorization must be a string")
            scheme, _, token = value.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise InvalidToken("malformed Authorization")
            return token.strip()
    raw = params.get("token")
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidToken("malformed token")
    return raw.strip()


class _TransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """strawberry's graphql-transport-ws handler, each operation with a context of its own:
    operations of one connection run at once, and each ends its reads (and gives its pooled
    connection back) when it ends, not when the connection closes."""

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        connection = self.context
        view = self.view
        assert isinstance(view, GraphQLWebSocket)
        shared = key_of(
            self.schema._schema,  # type: ignore[attr-defined]
            operation.query,
            operation.operation_name,
            operation.variables,
            connection,
        )
        if shared is not None:
            await self._run_shared(operation, *shared, view.shared)
            return
        own = connection.for_operation()
        # run_operation reads self.context once, before its first await: this operation's.
        self.context = own
        try:
            await super().run_operation(operation)
        finally:
            self.context = connection
            await own.close()

    async def _run_shared(
        self,
        operation: Operation[Context, None],
        key: Key,
        document: DocumentNode,
        shared: SharedStreams,
    ) -> None:
        """A subscription run once for every identical one of the same caller in this process
        (graphql/shared_streams.py): its results, encoded once, under this operation's id.
        Each operation spends its cost from its own caller's budget as it subscribes (the
        shared execution spends nothing)."""
        connection = self.context
        websocket = connection.websocket
        assert isinstance(websocket, WebSocket)
        schema = self.schema
        assert isinstance(schema, C2CSchema)
        try:
            _, refusal = await assess(
                schema.settings,
                schema.cost_plans,
                schema._schema,
                CostedOperation(operation.query, document, operation.operation_name),
                operation.variables or {},
                actor=connection.actor,
                locale=connection.locale,
                connection=websocket,
            )
            if refusal is not None:
                await operation.send_initial_errors([refusal])
                return
            request = SharedRequest(operation.query, operation.variables, operation.operation_name)
            async with shared.join(key, request, connection.for_stream) as results:
                while True:
                    item = await results.get()
                    if item[0] == "next":
                        if operation.completed:
                            return
                        await websocket.send_text(next_frame(operation.id, item[1]))
                        continue
                    if item[0] == "error":
                        errors = item[1]
                        reason = errors and self._get_pre_execution_close_reason(errors[0])
                        if reason:
                            self.operations.pop(operation.id, None)
                            await self.websocket.close(code=4400, reason=reason)
                            return
                        await operation.send_initial_errors(errors)
                        return
                    await operation.send_operation_message(
                        CompleteMessage(id=operation.id, type="complete")
                    )
                    return
        except (WebSocketDisconnect, WebSocketDisconnected, RuntimeError, OSError):
            # The connection went away while a result was written: its handler cleans up.
            self.operations.pop(operation.id, None)


class GraphQLWebSocket(GraphQL[Context, None]):
    """The WebSocket side of `/graphql` (the HTTP side is graphql/http.py)."""

    graphql_transport_ws_handler_class = _TransportWS

    def __init__(
        self,
        schema: C2CSchema,
        db: Database,
        broker: Broker,
        settings: Settings | None = None,
        *,
        presence: Presence | None = None,
    ) -> None:
        settings = settings or db.settings
        self.presence: Presence = presence if presence is not None else InProcessPresence()
        self.settings = settings
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=settings.ws_connection_init_timeout),
            max_subscriptions_per_connection=settings.ws_max_subscriptions,
        )
        self.db = db
        self.broker = broker
        self.shared = SharedStreams(schema, self.encode_json)
        self._tasks: dict[int, set[asyncio.Task[None]]] = {}
        self.open_connections = 0

    def decode_json(self, data: str | bytes) -> object:
        # A frame of hostile JSON (a 5,000-digit number, arrays nested 100,000 deep) is a
        # malformed message (4400), not an exception in the connection's task.
        try:
            return super().decode_json(data)
        except json.JSONDecodeError:
            raise
        except (ValueError, RecursionError) as exc:
            raise json.JSONDecodeError("unreadable JSON", "", 0) from exc

    def is_websocket_origin_allowed(self, request: Any, origin: str) -> bool:
        # The token travels in connection_init, never in a cookie: a page of another origin
        # has no ambient credentials to abuse, so any origin may connect.
        return True

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return Context(
            request=None,
            actor=ANONYMOUS,
            db=self.db,
            settings=self.settings,
            locale=negotiate_locale(request.headers.get("accept-language")),
            broker=self.broker,
        )

    async def run(  # type: ignore[override]
        self, request: Request | WebSocket, context: Any = None, root_value: Any = None
    ) -> Response | WebSocket:
        if not isinstance(request, WebSocket):
            return Response(status_code=404)
        ctx = await self.get_context(request, request)
        key = id(ctx)
        self._tasks[key] = set()
        self.open_connections += 1
        ctx.websocket = request
        try:
            return await super().run(request, context=ctx, root_value=None)
        finally:
            self.open_connections -= 1
            for task in self._tasks.pop(key, set()):
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
            await ctx.close()

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        try:
            token = token_of(context.connection_params)
            if token is not None:
                from c2c_api.auth.tokens import actor_from_access_token

                context.actor = await actor_from_access_token(self.db, token)
        except InvalidToken as exc:
            log.info("websocket connection refused: %s", exc)
            raise ConnectionRejectionError() from exc
        websocket = context.websocket
        assert isinstance(websocket, WebSocket)
        self._start(context, self._keep_alive(websocket))
        if context.actor.member_id is not None:
            self._start(
                context,
                hold(
                    self.presence,
                    context.actor.member_id,
                    ttl=self.settings.presence_ttl_seconds,
                ),
            )
        if context.actor.expires_at is not None:
            self._start(context, self._end_at_expiry(context, websocket))
        return None

    def _start(self, context: Context, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.setdefault(id(context), set()).add(task)

    async def _keep_alive(self, websocket: WebSocket) -> None:
        interval = self.settings.ws_keepalive_interval
        while True:
            await asyncio.sleep(interval)
            try:
                await websocket.send_json({"type": "ping", "payload": {"keepAlive": True}})
            except Exception:
                return

    async def _end_at_expiry(self, context: Context, websocket: WebSocket) -> None:
        expires_at = context.actor.expires_at
        assert expires_at is not None
        # Re-read the (injectable) clock at least every second rather than sleeping once: no
        # event to wait for, time itself is what changes.
        while (left := (expires_at - utcnow()).total_seconds()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(min(left, EXPIRY_CHECK_SECONDS))
        with contextlib.suppress(Exception):
            await websocket.close(code=TOKEN_EXPIRED, reason="Unauthorized: the token expired")
