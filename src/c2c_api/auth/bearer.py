"""Bearer token authentication at the edge: request -> Actor (RFC 6750)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request

from c2c_api.auth.tokens import InvalidToken, actor_from_access_token
from c2c_api.authz import ANONYMOUS, Actor

if TYPE_CHECKING:
    from c2c_api.db import Database

__all__ = ["InvalidToken", "authenticate", "bearer_token"]


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer …` header, None when absent."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("malformed Authorization header")
    return token.strip()


async def authenticate(request: Request, db: Database) -> Actor:
    """The caller of a request; anonymous without a token; InvalidToken for a bad one."""
    token = bearer_token(request)
    if token is None:
        return ANONYMOUS
    return await actor_from_access_token(db, token)
