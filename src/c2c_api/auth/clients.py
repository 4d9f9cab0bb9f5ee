"""OAuth client registration (CLI, demo data, operators)."""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlsplit

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.auth.models import ClientKind, OAuthClient
from c2c_api.authz import RESERVED_SCOPES, SCOPES, ActorKind, unknown_scopes
from c2c_api.errors import InvalidInput, NotFound
from c2c_api.kit.clock import utcnow
from c2c_api.kit.secrets import digest


def _check_redirect_uri(uri: str) -> None:
    parts = urlsplit(uri)
    if parts.fragment:
        raise InvalidInput(
            f"redirect URI {uri!r} must not have a fragment", fields=["redirectUris"]
        )
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme == "https" or (parts.scheme == "http" and loopback):
        return
    # Private-use URI schemes for native apps (RFC 8252 section 7.1), e.g. com.example.app:/cb
    if parts.scheme and "." in parts.scheme and parts.scheme not in ("http", "https"):
        return
    raise InvalidInput(
        f"redirect URI {uri!r} must be https, http on a loopback address, or a private-use scheme",
        fields=["redirectUris"],
    )


async def create_client(
    session: AsyncSession,
    *,
    name: str,
    kind: ClientKind,
    redirect_uris: list[str],
    scopes: list[str],
    partner_id: uuid.UUID | None = None,
    first_party: bool = False,
    client_id: str | None = None,
    client_secret: str | None = None,
) -> tuple[OAuthClient, str | None]:
    """Register a client; returns it with its secret (shown once, stored as a digest).

    `client_id`/`client_secret` are generated unless given (demo data uses fixed ones).
    """
    reserved = [s for s in scopes if s in RESERVED_SCOPES]
    if reserved:
        raise InvalidInput(
            f"reserved scopes, not in use yet: {', '.join(reserved)}", fields=["scopes"]
        )
    unknown = unknown_scopes(scopes)
    if unknown:
        raise InvalidInput(f"unknown scopes: {', '.join(unknown)}", fields=["scopes"])
    partner_scopes = [s for s in scopes if SCOPES[s].audience == ActorKind.PARTNER]
    if partner_scopes and (kind != ClientKind.CONFIDENTIAL or partner_id is None):
        raise InvalidInput(
            "partner scopes need a confidential client bound to a partner", fields=["scopes"]
        )
    if kind == ClientKind.PUBLIC and not redirect_uris:
        raise InvalidInput(
            "a public client needs at least one redirect URI", fields=["redirectUris"]
        )
    for uri in redirect_uris:
        _check_redirect_uri(uri)
    secret = None
    if kind == ClientKind.CONFIDENTIAL:
        secret = client_secret or secrets.token_urlsafe(32)
    client = OAuthClient(
        client_id=client_id or f"c2c_{secrets.token_urlsafe(12)}",
        client_secret_digest=digest(secret) if secret else None,
        name=name,
        kind=kind,
        redirect_uris=list(redirect_uris),
        scopes=list(dict.fromkeys(scopes)),
        partner_id=partner_id,
        first_party=first_party,
    )
    session.add(client)
    await session.flush()
    return client, secret


async def list_clients(session: AsyncSession) -> list[OAuthClient]:
    rows = await session.exec(select(OAuthClient).order_by(OAuthClient.created_at))  # type: ignore[arg-type]
    return list(rows)


async def revoke_client(session: AsyncSession, *, client_id: str) -> OAuthClient:
    """Revoke a client: it can no longer obtain or use tokens."""
    client = (
        await session.exec(select(OAuthClient).where(OAuthClient.client_id == client_id))
    ).first()
    if client is None:
        raise NotFound(f"no client {client_id!r}")
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        session.add(client)
        await session.flush()
    return client
