"""The per-request GraphQL context: caller, database session, loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request

from c2c_api.authz import Actor
from c2c_api.config import Settings

if TYPE_CHECKING:
    from c2c_api.db import Database


@dataclass
class Context:
    """What every resolver sees as `info.context`."""

    request: Request | None
    actor: Actor
    db: Database
    settings: Settings
    locale: str = "en"
    request_id: str = ""
    # Set by the transaction extension before execution: writes take a write lock up front.
    is_mutation: bool = False
    _session: AsyncSession | None = None
    # Request-scoped DataLoaders, created on first use (see graphql/loaders.py).
    loaders: dict[str, Any] = field(default_factory=dict)

    @property
    def session(self) -> AsyncSession:
        """The request's session (one transaction per request, committed by the endpoint)."""
        if self._session is None:
            maker = self.db.write_sessionmaker if self.is_mutation else self.db.sessionmaker
            self._session = maker()
        return self._session

    @property
    def has_session(self) -> bool:
        return self._session is not None

    async def close(self, *, commit: bool) -> None:
        if self._session is None:
            return
        try:
            if commit:
                await self._session.commit()
            else:
                await self._session.rollback()
        finally:
            await self._session.close()
            self._session = None
