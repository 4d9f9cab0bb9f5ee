"""Direct token issuance without a browser round trip (demo data, tests, operators' tools).

The tokens come from the same generator as the token endpoint, with the same scope rules.
"""

from __future__ import annotations

import uuid
from typing import Any

from authlib.oauth2.rfc6749.errors import InvalidScopeError, UnauthorizedClientError
from starlette.concurrency import run_in_threadpool

from c2c_api.auth.server import C2CAuthorizationServer
from c2c_api.authz import SCOPES, ActorKind
from c2c_api.db import Database
from c2c_api.errors import InvalidInput, NotFound
from c2c_api.kit.clock import utcnow
from c2c_api.users.models import Member, MemberStatus


async def _in_thread(db: Database, work: Any) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        with db.sync_sessionmaker() as session:
            server = C2CAuthorizationServer(session, db.settings)
            token: dict[str, Any] = work(server)
            session.commit()
            return token

    return await run_in_threadpool(run)


async def issue_member_tokens(
    db: Database,
    *,
    client_id: str,
    member_id: uuid.UUID,
    scopes: list[str],
    include_refresh_token: bool = True,
) -> dict[str, Any]:
    """A token response (access token, maybe refresh token) for a member through a client."""

    def work(server: C2CAuthorizationServer) -> dict[str, Any]:
        client = server.query_client(client_id)
        if client is None:
            raise NotFound(f"no client {client_id!r}")
        member = server.session.get(Member, member_id)
        if member is None or member.status != MemberStatus.ACTIVE:
            raise NotFound("no active member")
        allowed = client.code_flow_scopes(member)
        refused = [s for s in scopes if s not in allowed]
        if refused:
            raise InvalidInput(f"scopes not allowed here: {' '.join(refused)}", fields=["scopes"])
        server.auth_time = utcnow()
        token = server.generate_token(
            "authorization_code",
            client,
            user=member,
            scope=" ".join(scopes),
            include_refresh_token=include_refresh_token,
        )
        server.save_token(token, None)
        return token

    return await _in_thread(db, work)


async def issue_client_credentials_token(
    db: Database, *, client_id: str, scopes: list[str]
) -> dict[str, Any]:
    """A client-credentials token response for a confidential partner client."""

    def work(server: C2CAuthorizationServer) -> dict[str, Any]:
        client = server.query_client(client_id)
        if client is None:
            raise NotFound(f"no client {client_id!r}")
        if not client.check_grant_type("client_credentials"):
            raise InvalidInput(UnauthorizedClientError.error)
        allowed = [
            s for s in client.row.scopes if s in SCOPES and SCOPES[s].audience == ActorKind.PARTNER
        ]
        refused = [s for s in scopes if s not in allowed]
        if refused:
            raise InvalidInput(InvalidScopeError.error, fields=["scopes"])
        token = server.generate_token(
            "client_credentials", client, scope=" ".join(scopes), include_refresh_token=False
        )
        server.save_token(token, None)
        return token

    return await _in_thread(db, work)
