"""Access tokens (RFC 9068 JWTs): validation into an Actor. Issuing lives in auth/server.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from c2c_api.auth.bearer import InvalidToken
from c2c_api.authz import Actor

if TYPE_CHECKING:
    from c2c_api.db import Database


async def actor_from_access_token(db: Database, token: str) -> Actor:
    """Validate signature, issuer, audience, expiry and revocation; build the Actor."""
    raise InvalidToken("token validation is not implemented yet")
