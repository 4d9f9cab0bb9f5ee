"""Access tokens (RFC 9068 JWTs): issuing, and validation into an Actor.

Claims: iss, sub (member id, or the client id for client credentials), aud (issuer + "/graphql"),
client_id, scope, jti, iat, exp, auth_time (members), partner_id (partner tokens).
Every token is recorded by `jti` in oauth_access_tokens so that it can be revoked.
"""

from __future__ import annotations

import json
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from joserfc.jws import extract_compact, validate_compact
from sqlalchemy.orm import Session
from sqlmodel import col

from c2c_api.auth.keys import ALGORITHM, keystore
from c2c_api.auth.models import AccessToken, OAuthClient
from c2c_api.authz import SCOPES, Actor, ActorKind
from c2c_api.config import Settings
from c2c_api.kit.clock import utcnow
from c2c_api.partners.models import Partner, PartnerStatus
from c2c_api.users.models import Member, MemberStatus

if TYPE_CHECKING:
    from c2c_api.db import Database

TOKEN_TYPE = "at+jwt"
PARTNER_CLAIM = "partner_id"


class InvalidToken(Exception):
    """The bearer token is malformed, expired, revoked or not ours (-> 401 invalid_token)."""


def audience(settings: Settings) -> str:
    """The `aud` of our access tokens: the GraphQL resource."""
    return settings.issuer + "/graphql"


@dataclass(frozen=True)
class IssuedAccessToken:
    token: str
    jti: str
    expires_at: datetime
    expires_in: int


def issue_access_token(
    session: Session,
    settings: Settings,
    *,
    client_id: str,
    scope: str,
    ttl: int,
    member_id: uuid.UUID | None = None,
    partner_id: uuid.UUID | None = None,
    family_id: uuid.UUID | None = None,
    auth_time: datetime | None = None,
) -> IssuedAccessToken:
    """Sign a JWT access token and record its `jti` (sync: the caller commits)."""
    now = utcnow()
    expires_at = now + timedelta(seconds=ttl)
    jti = uuid.uuid4().hex
    claims: dict[str, Any] = {
        "iss": settings.issuer,
        "sub": str(member_id) if member_id is not None else client_id,
        "aud": audience(settings),
        "client_id": client_id,
        "scope": scope,
        "jti": jti,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    if member_id is not None and auth_time is not None:
        claims["auth_time"] = int(auth_time.timestamp())
    if partner_id is not None:
        claims[PARTNER_CLAIM] = str(partner_id)
    key = keystore.signing_key(session, settings)
    header = {"alg": ALGORITHM, "typ": TOKEN_TYPE, "kid": key.kid}
    token = jwt.encode(header, claims, key, algorithms=[ALGORITHM])
    session.add(
        AccessToken(
            jti=jti,
            client_id=client_id,
            member_id=member_id,
            partner_id=partner_id,
            family_id=family_id,
            scope=scope,
            created_at=now,
            expires_at=expires_at,
        )
    )
    session.flush()
    return IssuedAccessToken(token=token, jti=jti, expires_at=expires_at, expires_in=ttl)


# -- validation -------------------------------------------------------------------------


def _split(token: str) -> tuple[Any, str]:
    """The compact JWS object and its kid; InvalidToken when malformed or not ours."""
    try:
        obj = extract_compact(token.encode("ascii"))
    except (JoseError, ValueError, UnicodeError) as exc:
        raise InvalidToken("malformed token") from exc
    header = obj.protected
    typ = str(header.get("typ", "")).lower()
    if typ not in (TOKEN_TYPE, "application/" + TOKEN_TYPE):
        raise InvalidToken("not an access token (typ)")
    if header.get("alg") != ALGORITHM:
        raise InvalidToken("unexpected algorithm")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("no kid")
    return obj, kid


def _claims(obj: Any, key: RSAKey, settings: Settings, *, check_exp: bool) -> dict[str, Any]:
    try:
        valid = validate_compact(obj, key, [ALGORITHM])
    except JoseError as exc:
        raise InvalidToken("bad signature") from exc
    if not valid:
        raise InvalidToken("bad signature")
    try:
        claims = json.loads(obj.payload)
    except (ValueError, UnicodeError) as exc:
        raise InvalidToken("bad payload") from exc
    if not isinstance(claims, dict):
        raise InvalidToken("bad payload")
    if claims.get("iss") != settings.issuer:
        raise InvalidToken("wrong issuer")
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if audience(settings) not in audiences:
        raise InvalidToken("wrong audience")
    for name in ("exp", "iat"):
        if not isinstance(claims.get(name), int):
            raise InvalidToken(f"no {name}")
    for name in ("jti", "client_id", "scope", "sub"):
        if not isinstance(claims.get(name), str):
            raise InvalidToken(f"no {name}")
    if check_exp and claims["exp"] <= int(utcnow().timestamp()):
        raise InvalidToken("expired")
    return claims


def verify_access_token_sync(
    session: Session, settings: Settings, token: str, *, check_exp: bool = True
) -> dict[str, Any]:
    """The verified claims of one of our access tokens (sync; for revocation/introspection)."""
    obj, kid = _split(token)
    key = keystore.public_key_sync(session, kid)
    if key is None:
        raise InvalidToken("unknown key")
    return _claims(obj, key, settings, check_exp=check_exp)


def _actor_query(jti: Any) -> Any:
    return (
        sa.select(
            col(AccessToken.revoked_at),
            col(AccessToken.member_id),
            col(AccessToken.partner_id),
            col(AccessToken.scope),
            col(Member.status),
            col(Member.is_operator),
            col(OAuthClient.revoked_at).label("client_revoked_at"),
            col(OAuthClient.partner_id).label("client_partner_id"),
            col(Partner.status).label("partner_status"),
        )
        .select_from(AccessToken)
        .join(OAuthClient, col(OAuthClient.client_id) == col(AccessToken.client_id))
        .outerjoin(Member, col(Member.id) == col(AccessToken.member_id))
        .outerjoin(Partner, col(Partner.id) == col(AccessToken.partner_id))
        .where(col(AccessToken.jti) == jti)
    )


# Built once: the statement of every authenticated request (its compiled form is cached too).
_ACTOR_BY_JTI = _actor_query(sa.bindparam("jti", type_=sa.String()))


def _expiry(claims: dict[str, Any]) -> datetime | None:
    exp = claims.get("exp")
    return datetime.fromtimestamp(exp, UTC) if isinstance(exp, int | float) else None


class _VerifiedClaims:
    """Claims of access tokens whose signature, issuer and audience were verified, by token
    (a bounded LRU): a front end sends the same token with every request, and checking an RSA
    signature and parsing the JWT cost more than the revocation lookup that follows. Expiry is
    checked again on each use, revocation is read from the database on each use, and a hit
    counts only while the signing key is still in the keystore's cache (a retired key)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._entries: OrderedDict[str, tuple[str, str, dict[str, Any]]] = OrderedDict()

    def get(self, token: str, issuer: str) -> dict[str, Any] | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        kid, verified_for, claims = entry
        if verified_for != issuer or keystore.cached_public_key(kid) is None:
            self._entries.pop(token, None)
            return None
        if claims["exp"] <= int(utcnow().timestamp()):
            self._entries.pop(token, None)
            raise InvalidToken("expired")
        self._entries.move_to_end(token)
        return claims

    def put(self, token: str, kid: str, issuer: str, claims: dict[str, Any]) -> None:
        self._entries[token] = (kid, issuer, claims)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)


_verified = _VerifiedClaims()


async def actor_from_access_token(db: Database, token: str) -> Actor:
    """Validate signature, type, issuer, audience, expiry and revocation; build the Actor."""
    settings = db.settings
    claims = _verified.get(token, f"{settings.issuer} {audience(settings)}")
    if claims is None:
        obj, kid = _split(token)
        key = keystore.cached_public_key(kid)
        if key is None:
            async with db.sessionmaker() as session:
                key = await keystore.public_key(session, kid)
        if key is None:
            raise InvalidToken("unknown key")
        claims = _claims(obj, key, settings, check_exp=True)
        _verified.put(token, kid, f"{settings.issuer} {audience(settings)}", claims)
    # One statement, outside any transaction (no BEGIN, no ROLLBACK: one round trip), which
    # checks its pooled connection too; that connection then serves the request's first
    # session (Database.single_read, request_scope).
    row = (await db.single_read(_ACTOR_BY_JTI, {"jti": claims["jti"]})).first()
    if row is None or row.revoked_at is not None or row.client_revoked_at is not None:
        raise InvalidToken("revoked")
    # The scopes recorded when the token was issued, not the claim: the row is the authority.
    scopes = frozenset(s for s in str(row.scope).split() if s in SCOPES)
    if row.member_id is not None:
        if row.status != MemberStatus.ACTIVE:
            raise InvalidToken("member not active")
        admin = frozenset(s for s in scopes if s.startswith("admin:"))
        if not row.is_operator:
            scopes = scopes - admin
        kind = ActorKind.OPERATOR if row.is_operator and admin else ActorKind.MEMBER
        return Actor(
            kind=kind,
            scopes=scopes,
            member_id=row.member_id,
            client_id=claims["client_id"],
            token_id=claims["jti"],
            expires_at=_expiry(claims),
        )
    if row.partner_id is not None and row.partner_id == row.client_partner_id:
        if row.partner_status != PartnerStatus.ACTIVE:
            raise InvalidToken("partner not active")
        return Actor(
            kind=ActorKind.PARTNER,
            scopes=scopes,
            partner_id=row.partner_id,
            client_id=claims["client_id"],
            token_id=claims["jti"],
            expires_at=_expiry(claims),
        )
    raise InvalidToken("token has no subject we know")
