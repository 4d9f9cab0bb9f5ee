"""The per-request GraphQL context: caller, database sessions, loaders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request

from c2c_api.authz import Actor
from c2c_api.config import Settings

if TYPE_CHECKING:
    from c2c_api.broker import Broker
    from c2c_api.db import Database


@dataclass
class Context:
    """What every resolver sees as `info.context`.

    Reads share one session per request (`SharedSession`: one statement at a time, never
    committed). A mutation runs its use case in a transaction of its own (`use_case()`),
    committed before its payload is resolved; while it runs, `session` is that transaction.
    """

    request: Request | None
    actor: Actor
    db: Database
    settings: Settings
    locale: str = "en"
    request_id: str = ""
    # Set before execution when the operation is a mutation (metrics, logs).
    is_mutation: bool = False
    _session: AsyncSession | None = None
    _session_connection: AsyncConnection | None = None  # the request's, lent to `_session`
    _use_case: AsyncSession | None = None
    # Request-scoped DataLoaders, created on first use (see graphql/loaders.py).
    loaders: dict[str, Any] = field(default_factory=dict)
    # Subscriptions (graphql/ws.py): the broker they listen on, and the `connection_init`
    # payload of the WebSocket connection (strawberry sets it).
    broker: Broker | None = None
    connection_params: dict[str, Any] | None = None
    websocket: Any = None

    @property
    def session(self) -> AsyncSession:
        """The running use case's transaction, else the request's read session."""
        if self._use_case is not None:
            return self._use_case
        if self._session is None:
            self._session, self._session_connection = self.db.read_session()
        return self._session

    @asynccontextmanager
    async def use_case(self) -> AsyncIterator[AsyncSession]:
        """One mutation's unit of work: committed when the block ends, rolled back if it raises.

        The read session is ended first (a request holds one connection at a time, and reads
        after the commit see it); loaders are emptied after, so payload fields read committed
        data, not what was cached before the change.
        """
        if self._use_case is not None:
            raise RuntimeError("a use case is already running in this request")
        await self.end_reads()
        try:
            async with self.db.transaction() as session:
                self._use_case = session
                yield session
        finally:
            self._use_case = None
            self.loaders.clear()

    def for_operation(self) -> Context:
        """A context for one operation of a WebSocket connection: the connection's caller and
        broker, its own read session and loaders (ended with the operation)."""
        return replace(
            self.for_stream(),
            request=self.request,
            request_id=self.request_id,
            connection_params=self.connection_params,
            websocket=self.websocket,
        )

    def for_stream(self) -> Context:
        """A context for a subscription shared by identical operations of the same caller,
        on any connection (graphql/shared_streams.py): the caller, locale and broker, nothing
        of the connection that happened to start it."""
        return Context(
            request=None,
            actor=self.actor,
            db=self.db,
            settings=self.settings,
            locale=self.locale,
            broker=self.broker,
        )

    async def end_reads(self) -> None:
        """End the read session's transaction (reads never write: rolled back)."""
        if self._session is None:
            return
        session, self._session = self._session, None
        connection, self._session_connection = self._session_connection, None
        try:
            await session.rollback()
        finally:
            try:
                await session.close()
            finally:
                if connection is not None:
                    await connection.close()

    async def close(self) -> None:
        """End of the request."""
        await self.end_reads()
