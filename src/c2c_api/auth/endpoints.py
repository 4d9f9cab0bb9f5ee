"""Revocation (RFC 7009) and introspection (RFC 7662) endpoints, and the token lookup they share.

Registered on the authorization server in auth/server.py; like the grants, they run in authlib's
worker thread with the server's sync session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from sqlalchemy.orm import Session
from sqlmodel import col

from c2c_api.auth.bearer import InvalidToken
from c2c_api.auth.grants import revoke_family_sync
from c2c_api.auth.models import AccessToken, RefreshToken
from c2c_api.auth.oauth_request import ALL_AUTH_METHODS, CONFIDENTIAL_AUTH_METHODS
from c2c_api.auth.tokens import verify_access_token_sync
from c2c_api.config import Settings
from c2c_api.kit.clock import utcnow
from c2c_api.kit.secrets import digest
from c2c_api.partners.models import Partner, PartnerStatus
from c2c_api.users.models import Member, MemberStatus

if TYPE_CHECKING:
    from c2c_api.auth.server import C2CAuthorizationServer, Client


@dataclass
class TokenRecord:
    """A token found by revocation or introspection."""

    kind: str  # "access_token" | "refresh_token"
    client_id: str
    scope: str
    expires_at: datetime
    revoked: bool
    member_id: uuid.UUID | None = None
    partner_id: uuid.UUID | None = None
    family_id: uuid.UUID | None = None
    jti: str | None = None
    refresh_id: uuid.UUID | None = None
    claims: dict[str, Any] = field(default_factory=dict)

    def check_client(self, client: Client) -> bool:
        return self.client_id == client.client_id

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.revoked


def find_token(
    session: Session, settings: Settings, token: str, hint: str | None
) -> TokenRecord | None:
    """An access token (a JWT of ours) or a refresh token, whatever the hint says."""
    order = ["refresh_token", "access_token"] if hint == "refresh_token" else None
    order = order or ["access_token", "refresh_token"]
    for kind in order:
        if kind == "access_token" and token.count(".") == 2:
            try:
                claims = verify_access_token_sync(session, settings, token, check_exp=False)
            except InvalidToken:
                continue
            row = session.get(AccessToken, claims["jti"])
            if row is None:
                continue
            return TokenRecord(
                kind=kind,
                client_id=row.client_id,
                scope=row.scope,
                expires_at=row.expires_at,
                revoked=row.revoked_at is not None,
                member_id=row.member_id,
                partner_id=row.partner_id,
                family_id=row.family_id,
                jti=row.jti,
                claims=claims,
            )
        if kind == "refresh_token":
            refresh = (
                session.execute(
                    sa.select(RefreshToken).where(col(RefreshToken.token_digest) == digest(token))
                )
                .scalars()
                .first()
            )
            if refresh is None:
                continue
            return TokenRecord(
                kind=kind,
                client_id=refresh.client_id,
                scope=refresh.scope,
                expires_at=refresh.expires_at,
                revoked=refresh.revoked_at is not None or refresh.rotated_at is not None,
                member_id=refresh.member_id,
                family_id=refresh.family_id,
                refresh_id=refresh.id,
            )
    return None


def _check_params(request: Any) -> None:
    """`token` is required; an unknown `token_type_hint` is ignored (every type is searched):
    RFC 7009 allows unsupported_token_type only for a type the server cannot revoke."""
    if "token" not in request.form:
        raise InvalidRequestError()


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ALL_AUTH_METHODS
    server: C2CAuthorizationServer

    def check_params(self, request: Any, client: Any) -> None:
        _check_params(request)

    def authenticate_token(self, request: Any, client: Client) -> TokenRecord | None:
        """The token, when it was issued to this client; another client's token is answered like
        an unknown one (200, nothing revoked): the endpoint tells nothing about its validity."""
        _check_params(request)
        token = self.query_token(request.form["token"], request.form.get("token_type_hint"))
        if token is None or not token.check_client(client):
            return None
        return token

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenRecord | None:
        return find_token(self.server.session, self.server.settings, token_string, token_type_hint)

    def revoke_token(self, token: TokenRecord, request: Any) -> None:
        session = self.server.session
        if token.kind == "refresh_token" and token.family_id is not None:
            revoke_family_sync(session, family_id=token.family_id)
        elif token.jti is not None:
            session.execute(
                sa.update(AccessToken)
                .where(col(AccessToken.jti) == token.jti, col(AccessToken.revoked_at).is_(None))
                .values(revoked_at=utcnow())
            )


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = CONFIDENTIAL_AUTH_METHODS
    server: C2CAuthorizationServer

    def check_params(self, request: Any, client: Any) -> None:
        _check_params(request)

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenRecord | None:
        return find_token(self.server.session, self.server.settings, token_string, token_type_hint)

    def check_permission(self, token: TokenRecord, client: Client, request: Any) -> bool:
        return client.row.first_party or token.client_id == client.client_id

    def introspect_token(self, token: TokenRecord) -> dict[str, Any]:
        session = self.server.session
        if token.member_id is not None:
            member = session.get(Member, token.member_id)
            if member is None or member.status != MemberStatus.ACTIVE:
                return {"active": False}
        client = self.server.query_client(token.client_id)
        if client is None:
            return {"active": False}  # the client was revoked (or removed)
        if token.partner_id is not None:
            partner = session.get(Partner, token.partner_id)
            if (
                partner is None
                or partner.status != PartnerStatus.ACTIVE
                or client.row.partner_id != token.partner_id
            ):
                return {"active": False}  # as /graphql: a suspended partner's tokens stop working
        settings = self.server.settings
        body: dict[str, Any] = {
            "active": True,
            "scope": token.scope,
            "client_id": token.client_id,
            "token_type": "Bearer" if token.kind == "access_token" else "refresh_token",
            "exp": int(token.expires_at.timestamp()),
            "iss": settings.issuer,
            "sub": str(token.member_id) if token.member_id else token.client_id,
        }
        if token.kind == "access_token":
            claims = token.claims
            body.update(
                iat=claims.get("iat"),
                aud=claims.get("aud"),
                jti=token.jti,
            )
            if "auth_time" in claims:
                body["auth_time"] = claims["auth_time"]
        if token.partner_id is not None:
            body["partner_id"] = str(token.partner_id)
        return body
